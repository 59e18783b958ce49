//! Every screen's rows equal the truth seeded by tests/fixtures/scenario.sql on the TimescaleDB
//! engine, including names with quotes, spaces, semicolons and non-ASCII characters.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use hypertop::capabilities::Capabilities;
use hypertop::connect::Session;
use hypertop::model::caggs::Watermark;
use hypertop::model::catalog::{Catalog, RelationRows};
use hypertop::model::indexes::{Category, Index};
use hypertop::model::{self, DrillTarget, Payload, QueryKind};
use hypertop::problems::{self, Severity};

use crate::engines::{
    action_servers, backend_pid, edge_servers, engine_with_files, fetch, in_fresh_schema, on_each,
    on_own_empty_servers, open_at, own_servers, psql, psql_failing, scenario, scenario_servers,
    Tsdb,
};

/// A read of `kind` as a console refreshes it, keeping what it keeps between reads in `kept`.
async fn fetch_kept(
    s: &(Session, Capabilities),
    kind: QueryKind,
    kept: &mut model::Cache,
) -> Payload {
    model::fetch_with(kind, None, &s.0.client, None, &s.1, kept)
        .await
        .unwrap_or_else(|e| panic!("{kind:?}: {}", hypertop::connect::describe_error(&e)))
}

/// What one catalog pass reads.
async fn catalog(s: &(Session, Capabilities)) -> Catalog {
    match fetch(s, QueryKind::Catalog, None).await {
        Payload::Catalog(c) => c,
        other => panic!("the catalog pass expected, got {other:?}"),
    }
}

/// The Hypertables, Compression and Retention tabs' rows.
async fn tables(s: &(Session, Capabilities)) -> model::tables::Tables {
    hypertables_of(catalog(s).await)
}

fn hypertables_of(c: Catalog) -> model::tables::Tables {
    match c.relations {
        Ok(RelationRows::Hypertables(t)) => t,
        other => panic!("hypertables expected, got {other:?}"),
    }
}

/// The Indexes tab's rows.
async fn indexes(s: &(Session, Capabilities)) -> Vec<Index> {
    catalog(s).await.indexes.unwrap()
}

fn rel(schema: &str, name: &str) -> DrillTarget {
    DrillTarget::Relation {
        schema: schema.into(),
        name: name.into(),
    }
}

fn time(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

const HOSTILE_SCHEMA: &str = "Ops \"Team\"";
const HOSTILE_TABLE: &str = "events; drop table x";

#[tokio::test]
async fn hypertables_and_chunks_match_the_scenario() {
    on_each(
        scenario_servers(),
        hypertables_and_chunks_match_the_scenario_on,
    )
    .await;
}

async fn hypertables_and_chunks_match_the_scenario_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let read = tables(&s).await;
    // a hypertable's name is one text for its rows in the three tabs, a schema one for all
    let c = read
        .compression
        .iter()
        .find(|c| &*c.name == "metrics")
        .unwrap();
    let h = read
        .hypertables
        .iter()
        .find(|h| &*h.name == "metrics")
        .unwrap();
    assert!(hypertop::model::names::Name::ptr_eq(&c.name, &h.name));
    let scn: Vec<_> = read
        .hypertables
        .iter()
        .filter(|h| &*h.schema == "scn")
        .collect();
    assert!(
        scn.len() > 1
            && scn
                .iter()
                .all(|h| hypertop::model::names::Name::ptr_eq(&h.schema, &scn[0].schema))
    );
    let list = read.hypertables;
    let m = list
        .iter()
        .find(|h| &*h.schema == "scn" && &*h.name == "metrics")
        .unwrap();
    assert_eq!((m.chunks, m.compressed_chunks), (10, 4));
    assert!(m.compression_enabled);
    assert_eq!(m.interval_seconds, Some(86_400.0));
    assert_eq!(
        m.range_start,
        Some(model::Bound::Time(time("2024-01-01T00:00:00Z")))
    );
    assert_eq!(
        m.range_end,
        Some(model::Bound::Time(time("2024-01-11T00:00:00Z")))
    );
    assert_eq!(
        m.policies.iter().map(|p| &**p).collect::<Vec<_>>(),
        ["policy_compression"]
    );
    assert!(m.total_bytes > 0 && m.index_bytes > 0, "{m:?}");
    let logs = list.iter().find(|h| &*h.name == "logs").unwrap();
    assert_eq!(logs.chunks, 8);
    assert_eq!(
        logs.policies.iter().map(|p| &**p).collect::<Vec<_>>(),
        ["policy_retention"]
    );
    let hostile = list.iter().find(|h| &*h.schema == HOSTILE_SCHEMA).unwrap();
    assert_eq!((&*hostile.name, hostile.chunks), (HOSTILE_TABLE, 3));
    assert!(
        !list.iter().any(|h| h.name.starts_with("_materialized")),
        "caggs' hypertables are not listed"
    );

    let Payload::Chunks(_, chunks) =
        fetch(&s, QueryKind::Chunks, Some(rel("scn", "metrics"))).await
    else {
        panic!()
    };
    assert_eq!(chunks.len(), 10);
    let compressed: Vec<_> = chunks.iter().filter(|c| c.compressed).collect();
    assert_eq!(compressed.len(), 4);
    assert!(compressed
        .iter()
        .all(|c| c.before_bytes.unwrap() > 0 && c.after_bytes.unwrap() > 0));
    assert!(chunks
        .iter()
        .filter(|c| !c.compressed)
        .all(|c| c.before_bytes.is_none()));
    assert_eq!(
        chunks[0].range_start,
        Some(model::Bound::Time(time("2024-01-10T00:00:00Z"))),
        "newest first"
    );

    // Drill-down on a hostile name: parameters, not string building.
    let Payload::Chunks(_, chunks) = fetch(
        &s,
        QueryKind::Chunks,
        Some(rel(HOSTILE_SCHEMA, HOSTILE_TABLE)),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(chunks.len(), 3);
}

#[tokio::test]
async fn compression_backlog_and_retention_overdue_match_the_scenario() {
    on_each(
        scenario_servers(),
        compression_backlog_and_retention_overdue_match_the_scenario_on,
    )
    .await;
}

async fn compression_backlog_and_retention_overdue_match_the_scenario_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let read = tables(&s).await;
    let list = read.compression;
    let m = list.iter().find(|c| &*c.name == "metrics").unwrap();
    assert_eq!(
        (m.chunks, m.compressed_chunks, m.backlog_chunks),
        (10, 4, Some(6))
    );
    assert!(m.backlog_bytes > Some(0));
    assert_eq!(m.compress_after_seconds, Some(7.0 * 86_400.0));
    assert_eq!(m.segmentby.as_deref(), Some("device"));
    assert_eq!(m.orderby.as_deref(), Some("\"time\" DESC"));
    assert!(m.before_bytes > Some(0) && m.after_bytes > Some(0));
    let logs = list.iter().find(|c| &*c.name == "logs").unwrap();
    assert!(!logs.enabled);
    assert_eq!(
        (logs.backlog_chunks, logs.compress_after_seconds),
        (Some(0), None),
        "no policy, no backlog"
    );

    let list = read.retention;
    assert_eq!(list.len(), 2, "{list:?}");
    let logs = list.iter().find(|r| &*r.name == "logs").unwrap();
    assert_eq!((logs.chunks, logs.overdue_chunks), (8, Some(5)));
    assert_eq!(logs.drop_after_seconds, Some(30.0 * 86_400.0));
    assert!(logs.scheduled && !logs.is_cagg && logs.overdue_bytes > Some(0));
    assert_eq!(
        logs.oldest_start,
        Some(model::Bound::Time(time("2024-02-01T00:00:00Z")))
    );
    let daily = list.iter().find(|r| &*r.name == "metrics_daily").unwrap();
    assert!(
        daily.is_cagg,
        "a cagg's policy is shown under the cagg's name"
    );
    assert!(!daily.scheduled, "paused in the scenario");
    assert_eq!((daily.chunks, daily.overdue_chunks), (1, Some(1)));
}

#[tokio::test]
async fn indexes_are_summed_over_chunks_with_unused_and_duplicates() {
    on_each(
        scenario_servers(),
        indexes_are_summed_over_chunks_with_unused_and_duplicates_on,
    )
    .await;
}

async fn indexes_are_summed_over_chunks_with_unused_and_duplicates_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let list = indexes(&s).await;
    let get = |name: &str| {
        list.iter()
            .find(|i| &*i.name == name)
            .unwrap_or_else(|| panic!("{name} in {list:?}"))
    };
    let value = get("metrics_value_idx");
    assert!(value.on_hypertable);
    assert_eq!(
        value.chunk_indexes, 10,
        "one per chunk, compressed ones included"
    );
    assert_eq!(value.category, Category::Unused);
    assert!(value.size_bytes > 0);
    assert_eq!(
        get("metrics_time_dup").duplicate_of.as_deref(),
        Some("metrics_time_idx")
    );
    assert_eq!(
        get("metrics_time_idx").duplicate_of,
        None,
        "the original is kept"
    );
    let hostile = get("idx é \"quoted\"");
    assert_eq!(
        (&*hostile.schema, &*hostile.table),
        (HOSTILE_SCHEMA, HOSTILE_TABLE)
    );
    assert_eq!(hostile.chunk_indexes, 3);
    // A cagg's indexes are listed under the cagg.
    assert!(list
        .iter()
        .any(|i| &*i.table == "metrics_hourly" && &*i.index_schema == "_timescaledb_internal"));
    assert!(
        !list
            .iter()
            .any(|i| i.table.starts_with("_hyper_") || i.table.starts_with("compress_")),
        "chunk and compressed-chunk indexes are folded in, not listed"
    );
    assert!(
        !list.iter().any(|i| i.schema.starts_with("_timescaledb")),
        "TimescaleDB's catalog is not listed"
    );

    let Payload::IndexChunks(_, chunks) = fetch(
        &s,
        QueryKind::IndexChunks,
        Some(rel(HOSTILE_SCHEMA, "idx é \"quoted\"")),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(chunks.len(), 3);
    assert!(chunks
        .iter()
        .all(|c| c.valid && c.name.ends_with("idx é \"quoted\"")));
}

#[tokio::test]
async fn jobs_show_seeded_failures_and_history() {
    on_each(scenario_servers(), jobs_show_seeded_failures_and_history_on).await;
}

async fn jobs_show_seeded_failures_and_history_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let Payload::Jobs(list) = fetch(&s, QueryKind::Jobs, None).await else {
        panic!()
    };
    // the texts jobs repeat are held once: every job's owner is one allocation
    let owners: Vec<_> = list.iter().map(|j| &j.owner).collect();
    assert!(owners.len() > 1 && owners.iter().all(|o| o == &owners[0]));
    assert!(owners
        .iter()
        .all(|o| hypertop::model::names::Name::ptr_eq(o, owners[0])));
    let export = list
        .iter()
        .find(|j| &*j.proc_name == "nightly_export")
        .unwrap();
    assert_eq!(export.kind, "custom");
    assert_eq!(
        (
            export.total_runs,
            export.total_failures,
            export.consecutive_failures
        ),
        (10, 4, 3)
    );
    assert_eq!(export.last_run_status.as_deref(), Some("Failed"));
    assert_eq!(
        export.last_error.as_deref(),
        Some("export target unreachable")
    );
    assert_eq!(export.last_error_code.as_deref(), Some("P0001"));
    assert_eq!(export.last_success, Some(time("2024-02-28T02:00:03Z")));
    let kinds: Vec<_> = list.iter().map(|j| (j.kind, j.target())).collect();
    for expected in [
        ("compression", Some("scn.metrics".to_string())),
        ("retention", Some("scn.logs".to_string())),
        ("cagg refresh", Some("scn.metrics_hourly".to_string())),
        ("retention", Some("scn.metrics_daily".to_string())),
    ] {
        assert!(kinds.contains(&expected), "{expected:?} in {kinds:?}");
    }
    let paused = list
        .iter()
        .find(|j| j.target().as_deref() == Some("scn.metrics_daily"))
        .unwrap();
    assert!(!paused.scheduled);

    let Payload::JobRuns(_, runs) = fetch(
        &s,
        QueryKind::JobRuns,
        Some(DrillTarget::Job(export.job_id)),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0].start_time,
        Some(time("2024-03-03T02:00:00Z")),
        "newest first"
    );
    assert!(runs.iter().all(|r| r.succeeded == Some(false)
        && r.sqlerrcode.as_deref() == Some("P0001")
        && r.err_message.as_deref() == Some("export target unreachable")));
}

/// A job's latest error is its latest failed run, not a run still in flight: with every run
/// logged, TimescaleDB writes a run's row at its start, with no error and no end yet, and its
/// pid once known. It hid a failed job's last error, and gave a job that never failed an error
/// time. A row whose worker is gone is a crash, still shown; a job whose every run succeeded
/// has no error to look up; one with no statistics is looked up all the same.
#[tokio::test]
async fn a_run_in_flight_is_not_a_jobs_latest_error() {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let servers = own_servers(&engine, Some("tests/fixtures/scenario.sql"), "in_flight");
    on_each(servers, a_run_in_flight_is_not_a_jobs_latest_error_on).await;
}

async fn a_run_in_flight_is_not_a_jobs_latest_error_on(server: &Tsdb) {
    // a run's row without an end, where `succeeded` may be NULL (2.28, not 2.17: there a logged
    // run's start is written as an ended failure, which its own view calls a crash)
    let logs_runs_in_flight = psql(
        &server.conninfo,
        "SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute
                         WHERE attrelid = to_regclass('_timescaledb_internal.bgw_job_stat_history')
                           AND attname = 'succeeded' AND NOT attnotnull)",
    );
    if logs_runs_in_flight.trim() != "t" {
        eprintln!("{}: no run is logged in flight here", server.label);
        return;
    }
    // the runs in flight are this session's, a live backend that started before them
    let s = open_at(&server.conninfo).await;
    let live = backend_pid(&s.0).await;
    // the engine (one backend in single-user mode) lists no session in pg_stat_activity: no
    // worker can be seen running there, and every row without an end is a crash
    let sessions_listed = psql(
        &server.conninfo,
        &format!("SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity WHERE pid = {live})"),
    )
    .trim()
        == "t";
    // five jobs: `failed` failed once and runs now, `fine` never failed and runs now, `crashed`
    // lost a worker mid-run (its row never ended), `healthy` succeeded every run yet has an
    // error row (say, restored from before), `unrecorded` has an error and no statistics. A
    // run in flight counts in total_runs and, until it ends, in total_crashes.
    psql(
        &server.conninfo,
        &format!(
            "CREATE PROCEDURE scn.in_flight(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;
             SELECT add_job('scn.in_flight', '1 hour', config => jsonb_build_object('which', w))
               FROM unnest(ARRAY['failed', 'fine', 'crashed', 'healthy', 'unrecorded']) w;
             DELETE FROM _timescaledb_internal.bgw_job_stat WHERE job_id IN
                    (SELECT id FROM _timescaledb_config.bgw_job WHERE proc_name = 'in_flight');
             INSERT INTO _timescaledb_internal.bgw_job_stat
                    (job_id, last_start, last_finish, next_start, last_successful_finish,
                     last_run_success, total_runs, total_duration, total_duration_failures,
                     total_successes, total_failures, total_crashes, consecutive_failures,
                     consecutive_crashes)
             SELECT j.id, '2024-03-06 02:00+00', '2024-03-05 02:00:05+00', '2024-03-06 03:00+00',
                    '2024-03-04 02:00:05+00', v.failures = 0, v.runs, interval '15 seconds',
                    interval '5 seconds', v.successes, v.failures, v.crashes, v.failures, v.crashes
               FROM _timescaledb_config.bgw_job j
               JOIN (VALUES ('failed', 3, 1, 1, 1), ('fine', 3, 2, 0, 1), ('crashed', 2, 1, 0, 1),
                            ('healthy', 2, 2, 0, 0)) v(which, runs, successes, failures, crashes)
                 ON v.which = j.config->>'which'
              WHERE j.proc_name = 'in_flight';
             INSERT INTO _timescaledb_internal.bgw_job_stat_history
                    (job_id, pid, execution_start, execution_finish, succeeded, data)
             SELECT j.id, r.pid, r.started, r.finished, r.succeeded,
                    jsonb_build_object('job', jsonb_build_object('proc_schema', 'scn', 'proc_name', 'in_flight'))
                    || CASE WHEN r.message IS NOT NULL THEN jsonb_build_object('error_data',
                           jsonb_build_object('message', r.message, 'sqlerrcode', 'P0001')) ELSE '{{}}' END
               FROM _timescaledb_config.bgw_job j
               JOIN (VALUES ('failed', 4300, '2024-03-05 02:00+00'::timestamptz, '2024-03-05 02:00:05+00'::timestamptz, false, 'flight failed'),
                            ('failed', {live}, now(), NULL, NULL, NULL),
                            ('fine', {live}, now(), NULL, NULL, NULL),
                            ('crashed', 4301, '2024-03-06 02:00+00', NULL, NULL, NULL),
                            ('healthy', 4302, '2024-03-05 02:00+00', '2024-03-05 02:00:05+00', false, 'old failure'),
                            ('unrecorded', 4303, '2024-03-05 02:00+00', '2024-03-05 02:00:05+00', false, 'unrecorded failure'))
                    r(which, pid, started, finished, succeeded, message)
                 ON r.which = j.config->>'which'
              WHERE j.proc_name = 'in_flight'"
        ),
    );
    let Payload::Jobs(list) = fetch(&s, QueryKind::Jobs, None).await else {
        panic!()
    };
    let error = |w: &str| {
        let j = list
            .iter()
            .find(|j| {
                &*j.proc_name == "in_flight"
                    && j.config
                        .as_deref()
                        .is_some_and(|c| c.contains(&format!("\"{w}\"")))
            })
            .unwrap_or_else(|| panic!("the {w} job in {list:?}"));
        (j.last_error.as_deref().map(str::to_owned), j.last_error_at)
    };
    let at = |s: &str| Some(time(s));
    if sessions_listed {
        assert_eq!(
            error("failed"),
            (Some("flight failed".into()), at("2024-03-05T02:00:00Z")),
            "the run in flight is not the failed job's latest error"
        );
        assert_eq!(error("fine"), (None, None), "a job that never failed");
    } else {
        eprintln!("{}: no session listed, no run seen in flight", server.label);
        assert_eq!(error("fine").0, None, "no message: a crash");
        assert!(error("fine").1.is_some(), "a row without a live worker");
    }
    assert_eq!(
        error("crashed").1,
        at("2024-03-06T02:00:00Z"),
        "a run whose worker is gone is a crash"
    );
    assert_eq!(error("healthy"), (None, None), "every run succeeded");
    assert_eq!(
        error("unrecorded"),
        (
            Some("unrecorded failure".into()),
            at("2024-03-05T02:00:00Z")
        ),
        "no statistics: looked up all the same"
    );
}

#[tokio::test]
async fn caggs_show_watermarks_lag_and_hierarchy() {
    on_each(
        scenario_servers(),
        caggs_show_watermarks_lag_and_hierarchy_on,
    )
    .await;
}

async fn caggs_show_watermarks_lag_and_hierarchy_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let Payload::Caggs(list) = fetch(&s, QueryKind::Caggs, None).await else {
        panic!()
    };
    let hourly = list.iter().find(|c| c.name == "metrics_hourly").unwrap();
    assert_eq!(
        hourly.watermark,
        Some(Watermark::Time(time("2024-01-05T00:00:00Z")))
    );
    assert_eq!(hourly.source(), "scn.metrics");
    let lag = (Utc::now() - time("2024-01-05T00:00:00Z")).as_seconds_f64();
    assert!(
        (hourly.lag_seconds.unwrap() - lag).abs() < 120.0,
        "{:?} vs {lag}",
        hourly.lag_seconds
    );
    assert!(hourly.materialized_only);
    let policy = hourly.refresh_policy.as_ref().unwrap();
    assert_eq!(
        (
            policy.start_offset.as_deref(),
            policy.end_offset.as_deref(),
            policy.schedule_interval.as_deref()
        ),
        (Some("3 days"), Some("01:00:00"), Some("00:30:00"))
    );
    assert_eq!(hourly.bucket_width.as_deref(), Some("01:00:00"));
    let daily = list.iter().find(|c| c.name == "metrics_daily").unwrap();
    assert_eq!(
        daily.watermark,
        Some(Watermark::Time(time("2024-01-03T00:00:00Z")))
    );
    assert_eq!(
        daily.source(),
        "scn.metrics_hourly",
        "a cagg on a cagg names its parent"
    );
    assert!(daily.refresh_policy.is_none());
    let order = model::caggs::tree_order(&list);
    let pos = |name: &str| {
        order
            .iter()
            .position(|(i, _)| list[*i].name == name)
            .unwrap()
    };
    assert!(pos("metrics_hourly") < pos("metrics_daily"));
    assert_eq!(
        order[pos("metrics_daily")].1,
        1,
        "indented under its parent"
    );
}

#[tokio::test]
async fn problems_rank_what_the_scenario_planted() {
    on_each(
        scenario_servers(),
        problems_rank_what_the_scenario_planted_on,
    )
    .await;
}

async fn problems_rank_what_the_scenario_planted_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let data = hypertop::store::Dataset::read_all(
        &s.0.client,
        None,
        &s.1,
        &problems::Thresholds::default(),
    )
    .await;
    let found = data.problems.clone();
    let has = |kind: &str, object: &str| {
        found
            .iter()
            .any(|p| p.kind == kind && p.object.contains(object))
    };
    assert_eq!(
        found[0].kind, "scheduler",
        "no background workers in the engine: {found:#?}"
    );
    assert_eq!(found[0].severity, Severity::Critical);
    assert!(has("job failing", "nightly_export"));
    assert!(found
        .iter()
        .any(|p| p.kind == "job failing" && p.severity == Severity::Critical));
    assert!(has("compression backlog", "scn.metrics"));
    assert!(has("retention overdue", "scn.logs"));
    assert!(has("retention overdue", "scn.metrics_daily"));
    assert!(has("policy paused", "scn.metrics_daily"));
    assert!(has("duplicate index", "metrics_time_dup"));
    assert!(has("cagg lag", "scn.metrics_hourly"));
    // Ranked by root cause: every critical problem first; the roots by severity; each
    // consequence after its root — right under it among problems as severe.
    let critical = found
        .iter()
        .filter(|p| p.severity == Severity::Critical)
        .count();
    assert!(
        found[..critical]
            .iter()
            .all(|p| p.severity == Severity::Critical),
        "critical first"
    );
    let severities: Vec<_> = found
        .iter()
        .filter(|p| p.root.is_none())
        .map(|p| p.severity)
        .collect();
    assert!(
        severities.windows(2).all(|w| w[0] <= w[1]),
        "roots by severity"
    );
    for (i, p) in found.iter().enumerate() {
        if let Some(root) = &p.root {
            let at = found
                .iter()
                .position(|q| q.kind == root.kind && q.object == root.object)
                .expect("the root is listed");
            assert!(at < i, "{p:?} comes after its root");
            if p.severity == Severity::Critical {
                assert!(
                    found[at..i].iter().skip(1).all(|q| q.root.is_some()),
                    "{p:?} sits under its root"
                );
            }
        }
    }
    // The stopped scheduler explains the lag of a cagg whose refresh policy cannot run.
    let lag = found
        .iter()
        .find(|p| p.kind == "cagg lag" && p.object.contains("scn.metrics_hourly"))
        .unwrap();
    assert!(
        !lag.chain.is_empty() && lag.chain.iter().any(|c| c.contains("job")),
        "{lag:#?}"
    );
}

/// Eleven hypertables with a compression backlog that each one's own policy cannot work off
/// (no scheduler runs) are one problem under the scheduler: snapshot JSON names them and counts
/// each, and in the console Enter opens onto them one by one, each as it would be listed on its
/// own, and Enter on one shows its chunks in the backlog.
#[tokio::test]
async fn relations_alike_are_one_problem_that_opens_onto_them() {
    on_own_empty_servers("folds", relations_alike_on).await;
}

async fn relations_alike_on(server: &Tsdb) {
    use hypertop::app::state::{AppState, DrillOf};
    use hypertop::screens::Tab;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let c = &server.conninfo;
    let n = problems::FOLD_FROM + 1;
    in_fresh_schema(
        c,
        "fold",
        &format!(
            "DO $$ BEGIN FOR i IN 0..{last} LOOP
               EXECUTE format('CREATE TABLE fold.%I (ts timestamptz NOT NULL, device int, v float8)',
                              'T' || lpad(i::text, 2, '0'));
               PERFORM create_hypertable(format('fold.%I', 'T' || lpad(i::text, 2, '0'))::regclass,
                                         'ts', chunk_time_interval => interval '1 day');
               EXECUTE format('INSERT INTO fold.%I SELECT t, 1, 1 FROM generate_series(
                                 timestamptz ''2024-01-01'', timestamptz ''2024-01-03 12:00'',
                                 interval ''1 hour'') t', 'T' || lpad(i::text, 2, '0'));
               EXECUTE format('ALTER TABLE fold.%I SET (timescaledb.compress,
                                 timescaledb.compress_segmentby = ''device'')',
                              'T' || lpad(i::text, 2, '0'));
               PERFORM add_compression_policy(format('fold.%I', 'T' || lpad(i::text, 2, '0'))::regclass,
                                              interval '1 day');
             END LOOP; END $$;",
            last = n - 1
        ),
    );
    let names: Vec<String> = (0..n).map(|i| format!("fold.\"T{i:02}\"")).collect();
    let s = open_at(c).await;
    let limits = problems::Thresholds::default();
    let data = hypertop::store::Dataset::read_all(&s.0.client, None, &s.1, &limits).await;
    let backlogs: Vec<&problems::Problem> = data
        .problems
        .iter()
        .filter(|p| p.kind == "compression backlog" && p.object.contains("hypertables"))
        .collect();
    assert_eq!(backlogs.len(), 1, "{:#?}", data.problems);
    let fold = backlogs[0];
    assert_eq!(fold.object, format!("{n} hypertables"));
    assert_eq!(
        fold.root.as_ref().map(|r| r.kind.as_str()),
        Some("scheduler"),
        "{fold:#?}"
    );
    assert!(
        fold.chain[0].starts_with("compression policy (job ")
            && fold.chain[0].ends_with("cannot run: the TimescaleDB scheduler is down"),
        "{fold:#?}"
    );
    assert!(
        !data
            .problems
            .iter()
            .any(|p| p.kind == "compression backlog" && p.object.starts_with("fold.")),
        "none of them on a line of its own"
    );
    assert_eq!(problems::count([fold]), n);
    // each member as it is found on its own: its backlog of 3 day-chunks, as the Compression
    // tab counts them
    let fold_id = fold.fold_id().expect("a fold");
    let members = data.members(&fold_id, &limits, chrono::Utc::now());
    let mut listed: Vec<&str> = members.iter().map(|p| p.object.as_str()).collect();
    listed.sort_unstable();
    assert_eq!(listed, names);
    let compression = data.compression.value().unwrap();
    for m in &members {
        let row = compression
            .iter()
            .find(|r| hypertop::format::qualified(&r.schema, &r.name) == m.object)
            .unwrap();
        assert_eq!(row.backlog_chunks, Some(3), "{row:?}");
        assert!(m.message.starts_with("3 chunks ("), "{m:?}");
        assert_eq!(m.root, fold.root);
    }
    // snapshot JSON: one problem, its relations named
    let snap = hypertop::snapshot::collect(&s.0.client, None, &s.1, &limits)
        .await
        .to_json();
    let json = snap["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "compression backlog" && p.get("objects").is_some())
        .unwrap_or_else(|| panic!("{}", snap["problems"]))
        .clone();
    let objects: Vec<String> = serde_json::from_value(json["objects"].clone()).unwrap();
    assert_eq!(objects, names);
    // the console: Enter on the fold lists them, Enter on one shows its chunks in the backlog
    let mut state = AppState::new("t".into(), std::time::Duration::from_secs(2), true, false);
    state.data = data;
    state.show_tab(Tab::HOME);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    // found as a user finds it: its row filtered by what it says, then Enter
    // (the second Enter is the card's: the problem's whole text, then its members)
    for key in format!("/{n} hypertables\r\r\r").chars() {
        let code = match key {
            '\r' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        state.on_key(KeyEvent::new(code, KeyModifiers::NONE));
    }
    // the members made by the derivation, as the console does after a key
    state.settle();
    let drill = state.current().drill.as_ref().expect("its members open");
    assert_eq!(drill.of, DrillOf::Members(fold_id));
    assert_eq!(drill.table.len(), n);
    let first = drill.table.selected_row().unwrap().id().to_string();
    assert!(first.starts_with("compression backlog:fold."), "{first}");
    // a member's card, then its row
    state.on_key(enter);
    state.on_key(enter);
    assert_eq!(
        state.tab(),
        Tab::explaining(problems::ProblemKind::CompressionBacklog)
    );
    let wanted = state.wanted();
    let target = wanted
        .iter()
        .find_map(|(kind, target)| (*kind == QueryKind::Chunks).then_some(target.clone()))
        .flatten()
        .expect("its chunks are read");
    let payload = fetch(&s, QueryKind::Chunks, Some(target.clone())).await;
    state.on_result(hypertop::poller::QueryResult {
        kind: QueryKind::Chunks,
        target: Some(target),
        result: Ok(payload),
        elapsed: std::time::Duration::ZERO,
        finished_at: chrono::Utc::now(),
    });
    let chunks = &state.current().drill.as_ref().expect("its chunks").table;
    assert_eq!(chunks.filter(), "backlog");
    assert_eq!(chunks.len(), 3, "the three in the backlog");
}

/// The console end to end on the scenario: tabs, filter, drill-down with a hostile name, a
/// job's history, a problem's jump, and a clean exit.
#[test]
fn console_walkthrough_in_a_terminal() {
    use crate::pty::{assert_screen_restored, Pty};
    use std::time::Duration;
    let wait = Duration::from_secs(20);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(scenario().conninfo())
        .args(["--refresh", "1", "--utc"]);
    let mut pty = Pty::spawn(cmd);
    pty.wait_for_output("Problems (", wait);
    pty.wait_for_output("scheduler", wait);
    // Text only the Hypertables tab shows once its rows are in: the overview shows
    // "scn.metrics" in its problems and "1 of" in its heading while reads are pending, and an
    // Enter handled before the rows come opens nothing.
    pty.type_until(b"2", "Hypertables (", wait);
    pty.type_until(b"/drop\r", "Hypertables (1 of ", wait);
    let chunks = "Chunks of \"Ops \"\"Team\"\"\".\"events; drop table x\" (3)";
    pty.type_until(b"\r", chunks, wait);
    pty.escape_from(chunks, wait);
    pty.wait_for_output("Hypertables (1 of ", wait);
    // the Jobs tab's rows in before the filter and the Enter (an Enter handled before them
    // opens nothing: on a loaded machine they can come after the keys)
    pty.type_until(b"6", "scn.nightly_export()", wait);
    pty.type_until(b"/nightly\r", "matching /nightly", wait);
    pty.type_until(b"\r", "History of job", wait);
    pty.wait_for_output("export target unreachable", wait);
    pty.wait_for_output("SQLSTATE P0001", wait);
    // A lone Esc, not the start of Alt-1 (terminals send Alt-x as Esc x).
    pty.escape_from("History of job", wait);
    pty.type_until(b"1", "Problems (", wait);
    // The list is ranked by root cause: the scheduler first, with what it stops under it. The
    // failing job's Enter shows its card, a second its row with its history (the error), and
    // Esc comes back.
    pty.type_until(b"/job failing\r\r", "Enter: its row on the Jobs tab", wait);
    pty.type_until(b"\r", "History of job", wait);
    pty.wait_for_output("export target unreachable", wait);
    pty.escape_from("History of job", wait);
    pty.wait_for_output("Problems (", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
}

/// `--open jobs:ID` (what an alert's annotation says to run): the console starts on the Jobs
/// tab with that job's history open, its error shown; `--open caggs:NAME` with that
/// aggregate's refresh history open; a tab that does not exist is refused before anything connects.
#[test]
fn open_starts_the_console_where_an_alert_points() {
    use crate::pty::Pty;
    use std::time::Duration;
    let wait = Duration::from_secs(20);
    let c = scenario().conninfo();
    let job = psql(
        &c,
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'nightly_export'",
    );
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(&c).args(["--open", &format!("jobs:{job}")]);
    let mut pty = Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output(&format!("History of job {job}"), wait);
    pty.wait_for_output("export target unreachable", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(&c).args(["--open", "caggs:scn.metrics_hourly"]);
    let mut pty = Pty::spawn_sized(cmd, 80, 24);
    // Enter on an aggregate opens its refresh job's history
    pty.wait_for_output("(refresh of scn.metrics_hourly)", wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["--open", "nonsense:1", "host=127.0.0.1 port=1"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("no tab named"),
        "{err}"
    );
}

/// The pictures on the scenario at 80x24: the overview's pulse once two reads are in, a
/// hypertable's chunks (sizes with the compressed ones marked, and how well they compressed),
/// and a job's runs with its failures marked.
#[test]
fn pictures_in_a_terminal_at_80x24() {
    use crate::pty::{assert_screen_restored, Pty};
    use std::time::Duration;
    let wait = Duration::from_secs(20);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(scenario().conninfo())
        .args(["--refresh", "1", "--utc"]);
    let mut pty = Pty::spawn_sized(cmd, 80, 24);
    pty.wait_for_output("Problems (", wait);
    pty.wait_for_output("Pulse", wait);
    pty.wait_for_output("failing", wait);
    pty.type_until(b"2", "Hypertables (", wait);
    pty.type_until(b"/scn.metrics\r", "Hypertables (1 of ", wait);
    // scn.metrics: 4 of its chunks compressed
    pty.visit(
        b"\r",
        "Chunk sizes, newest right",
        &["c compressed: 4", "Compression ratio"],
        wait,
    );
    // Enter once the filtered row shows, as on the Hypertables tab (typed at once, it could
    // reach the table before the filter had made its rows)
    pty.type_until(b"6/nightly\r", "Jobs (1 of ", wait);
    pty.visit(b"\r", "Run durations, newest right", &["x failed: "], wait);
    pty.write(b"q");
    assert_eq!(pty.wait(Duration::from_secs(10)).code(), Some(0));
    assert_screen_restored(&pty.output());
}

#[tokio::test]
async fn edge_cases_integer_time_and_created_before_policies() {
    on_each(
        edge_servers(),
        edge_cases_integer_time_and_created_before_policies_on,
    )
    .await;
}

async fn edge_cases_integer_time_and_created_before_policies_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let read = tables(&s).await;
    let counts = read
        .hypertables
        .iter()
        .find(|h| &*h.name == "counts")
        .unwrap();
    assert_eq!(counts.chunks, 10);
    assert_eq!(counts.interval_integer, Some(100));
    assert_eq!(
        (counts.range_start, counts.range_end),
        (Some(model::Bound::Int(0)), Some(model::Bound::Int(1000)))
    );
    let c = read
        .compression
        .iter()
        .find(|c| &*c.name == "counts")
        .unwrap();
    assert_eq!(
        (c.backlog_chunks, c.compress_after.as_deref()),
        (Some(5), Some("500"))
    );
    assert!(c.backlog_bytes > Some(0));
    let r = read
        .retention
        .iter()
        .find(|r| &*r.name == "counts")
        .unwrap();
    assert_eq!((r.chunks, r.overdue_chunks), (10, Some(2)));
    assert_eq!(r.oldest_start, Some(model::Bound::Int(0)));

    let fresh = read.retention.iter().find(|r| &*r.name == "fresh");
    let by_creation_time = psql(
        &server.conninfo,
        "SELECT count(*) FROM pg_proc WHERE proname = 'add_retention_policy'
            AND 'drop_created_before' = ANY (proargnames)",
    ) != "0";
    if by_creation_time {
        let fresh = fresh.unwrap();
        assert_eq!(fresh.drop_after.as_deref(), Some("created before 1 day"));
        assert_eq!((fresh.chunks, fresh.overdue_chunks), (2, Some(1)));
    } else {
        // before TimescaleDB 2.13 the fixture could not add the policy: nothing is overdue
        assert!(
            fresh.is_none_or(|f| f.overdue_chunks == Some(0)),
            "{fresh:?}"
        );
    }
}

#[tokio::test]
async fn edge_cases_dropped_columns_and_look_alike_indexes() {
    on_each(
        edge_servers(),
        edge_cases_dropped_columns_and_look_alike_indexes_on,
    )
    .await;
}

async fn edge_cases_dropped_columns_and_look_alike_indexes_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let list = indexes(&s).await;
    let get = |n: &str| list.iter().find(|i| &*i.name == n).unwrap();
    // Matched by column name, not number, after the drop: every chunk's index, no mix-up.
    assert_eq!(get("evolving_c_idx").chunk_indexes, 3);
    assert_eq!(get("evolving_d_idx").chunk_indexes, 3);
    // Look-alikes: each chunk index goes to the one it is named after. Recent TimescaleDB
    // builds the second on no chunk (the first serves); 2.9 builds both.
    assert_eq!(get("twins_v_a").chunk_indexes, 3);
    assert!(
        [0, 3].contains(&get("twins_v_b").chunk_indexes),
        "{:?}",
        get("twins_v_b")
    );
    for twin in ["twins_v_a", "twins_v_b"] {
        let Payload::IndexChunks(_, chunks) =
            fetch(&s, QueryKind::IndexChunks, Some(rel("edge", twin))).await
        else {
            panic!()
        };
        assert_eq!(chunks.len() as i64, get(twin).chunk_indexes);
        assert!(chunks.iter().all(|c| c.name.ends_with(twin)), "{chunks:?}");
    }
    assert_eq!(get("twins_v_b").duplicate_of.as_deref(), Some("twins_v_a"));
    let Payload::IndexChunks(_, chunks) = fetch(
        &s,
        QueryKind::IndexChunks,
        Some(rel("edge", "evolving_d_idx")),
    )
    .await
    else {
        panic!()
    };
    assert_eq!(chunks.len(), 3);
    assert!(
        chunks.iter().all(|c| c.name.ends_with("evolving_d_idx")),
        "{chunks:?}"
    );
}

#[tokio::test]
async fn edge_cases_partial_and_expression_indexes_keep_their_chunks() {
    on_each(
        edge_servers(),
        edge_cases_partial_and_expression_indexes_keep_their_chunks_on,
    )
    .await;
}

async fn edge_cases_partial_and_expression_indexes_keep_their_chunks_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let list = indexes(&s).await;
    let get = |n: &str| list.iter().find(|i| &*i.name == n).unwrap();
    // A chunk index's predicate or expression is stored folded, the hypertable's as written:
    // each shape still finds its three chunk indexes, and their size.
    for name in [
        "shapes_low_oee",
        "shapes_high_oee",
        "shapes_half_v",
        "shapes_folded",
        "evolving_low_c",
    ] {
        let i = get(name);
        assert_eq!(i.chunk_indexes, 3, "{name}: {i:?}");
        assert!(i.size_bytes >= 3 * 8192, "{name}: {i:?}");
    }
    for name in ["shapes_low_oee", "shapes_high_oee", "evolving_low_c"] {
        let Payload::IndexChunks(_, chunks) =
            fetch(&s, QueryKind::IndexChunks, Some(rel("edge", name))).await
        else {
            panic!()
        };
        assert_eq!(chunks.len(), 3, "{name}");
        assert!(chunks.iter().all(|c| c.name.ends_with(name)), "{chunks:?}");
    }
    // Different predicates are different indexes, not duplicates.
    assert_eq!(get("shapes_high_oee").duplicate_of, None);
    assert_eq!(get("shapes_low_oee").duplicate_of, None);
}

#[tokio::test]
async fn kept_structure_follows_ddl_between_refreshes() {
    on_each(
        action_servers("structure"),
        kept_structure_follows_ddl_between_refreshes_on,
    )
    .await;
}

/// A catalog read's rows of the `kept` schema: its hypertables and compression rows (as text)
/// and its indexes (other tests change the rest of the shared engine meanwhile).
fn ours(c: &Catalog) -> (String, Vec<Index>) {
    let t = hypertables_of(c.clone());
    let h: Vec<_> = t
        .hypertables
        .iter()
        .filter(|h| &*h.schema == "kept")
        .collect();
    let z: Vec<_> = t
        .compression
        .iter()
        .filter(|c| &*c.schema == "kept")
        .collect();
    let i = c.indexes.as_ref().unwrap();
    let i: Vec<Index> = i.iter().filter(|x| &*x.schema == "kept").cloned().collect();
    (format!("{h:?} {z:?}"), i)
}

/// The catalog pass as the console refreshes it, keeping the catalog structure in `kept`, and a
/// fresh read of the same catalog.
async fn refresh_pair(s: &(Session, Capabilities), kept: &mut model::Cache) -> (Catalog, Catalog) {
    let Payload::Catalog(c) = fetch_kept(s, QueryKind::Catalog, kept).await else {
        panic!()
    };
    (c, catalog(s).await)
}

/// The kept read's indexes once they match a fresh read's, refreshing until they do: a backend
/// reports its changes to the statistics within seconds, not at once (`what` changed).
async fn refresh_until_kept_sees(
    s: &(Session, Capabilities),
    kept: &mut model::Cache,
    what: &str,
) -> Vec<Index> {
    let started = std::time::Instant::now();
    loop {
        let (c, fresh) = refresh_pair(s, kept).await;
        let (c, fresh) = (ours(&c), ours(&fresh));
        if c == fresh {
            break c.1;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "the kept structure never saw {what}: {c:?} against {fresh:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// [`refresh_pair`], the kept read's rows checked against the fresh one's.
async fn refresh_kept(
    s: &(Session, Capabilities),
    kept: &mut model::Cache,
) -> (model::tables::Tables, Vec<Index>) {
    let (c, fresh) = refresh_pair(s, kept).await;
    assert_eq!(
        ours(&c),
        ours(&fresh),
        "kept structure: differs from a fresh read"
    );
    (hypertables_of(c.clone()), c.indexes.unwrap())
}

/// The list of integer_now functions, which the catalog pass, the Caggs tab and the chunks
/// drill-down read on every refresh, runs from the statement each prepared at its first
/// refresh: preparing it again costs a parse, a plan and a round trip every time. The
/// catalog pass asks for it only where a hypertable's time is an integer (it was a statement
/// at every refresh of every database).
#[tokio::test]
async fn a_refresh_reruns_the_integer_now_list_it_prepared_before() {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let servers = own_servers(
        &engine,
        Some("tests/fixtures/scenario.sql"),
        "kept_statements",
    );
    on_each(
        servers,
        a_refresh_reruns_the_integer_now_list_it_prepared_before_on,
    )
    .await;
}

async fn a_refresh_reruns_the_integer_now_list_it_prepared_before_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    // each kind's statements, kept as a console keeps them (dropping one closes its statements)
    let kinds = [
        (QueryKind::Catalog, None),
        (QueryKind::Caggs, None),
        (QueryKind::Chunks, Some(rel("scn", "metrics"))),
    ];
    let mut kept = kinds.clone().map(|_| model::Cache::default());
    let runs_of = |sql: &'static str| {
        let client = &s.0.client;
        async move {
            let row = client
                .query_one(
                    "SELECT count(*), coalesce(min(generic_plans + custom_plans), 0)::int8,
                            coalesce(sum(generic_plans + custom_plans), 0)::int8
                       FROM pg_catalog.pg_prepared_statements WHERE statement = $1",
                    &[&sql],
                )
                .await
                .unwrap();
            (
                row.get::<_, i64>(0),
                row.get::<_, i64>(1),
                row.get::<_, i64>(2),
            )
        }
    };
    // no hypertable's time is an integer: the catalog pass lists no integer "now"
    for _ in 0..3 {
        model::fetch_with(
            QueryKind::Catalog,
            None,
            &s.0.client,
            None,
            &s.1,
            &mut kept[0],
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let list = hypertop::queries::INTEGER_NOW_CALLS.as_str();
    assert_eq!(runs_of(list).await.2, 0, "{}: listed", server.label);
    psql(
        &server.conninfo,
        "CREATE TABLE scn.ticks (t bigint NOT NULL, v int);
         SELECT create_hypertable('scn.ticks', 't', chunk_time_interval => 100);
         CREATE FUNCTION scn.ticks_now() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT 1000::bigint';
         SELECT set_integer_now_func('scn.ticks', 'scn.ticks_now');",
    );
    for ((kind, target), kept) in kinds.into_iter().zip(&mut kept) {
        for _ in 0..3 {
            model::fetch_with(kind, target.as_ref(), &s.0.client, None, &s.1, kept)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }
    // the session's prepared statements of that text: one per kind, whatever the times it
    // ran (the catalog pass at every refresh; the Caggs tab only when an aggregate moved or
    // is integer-time, and other tests move the shared engine's)
    let (statements, least, runs) = runs_of(list).await;
    assert_eq!(statements, 3, "{}", server.label);
    assert!(
        least >= 1 && (7..=9).contains(&runs),
        "{}: {least} {runs}",
        server.label
    );
    // and nothing a refresh prepared is planned again at every run for its parameters: the
    // Caggs tab's read takes none (the integer "now"s are joined on the client)
    let plans = |sql: &'static str| {
        let client = &s.0.client;
        async move {
            let row = client
                .query_one(
                    "SELECT generic_plans, custom_plans FROM pg_catalog.pg_prepared_statements
                      WHERE statement = $1",
                    &[&sql],
                )
                .await
                .unwrap();
            (row.get::<_, i64>(0), row.get::<_, i64>(1))
        }
    };
    // (read again when an aggregate moved: at least at the first refresh)
    let (generic, custom) = plans(hypertop::queries::caggs(&s.1)).await;
    assert!(
        generic >= 1 && custom == 0,
        "{}: {generic} {custom}",
        server.label
    );
    // The relations' watch, run at every refresh with the oids it watches: planned for its
    // values only while the session learns that the plan does not depend on them (5 runs),
    // then run from the one plan (it was planned again at every run: 1 ms at 20k chunks).
    for _ in 0..5 {
        let (kind, kept) = (QueryKind::Catalog, &mut kept[0]);
        model::fetch_with(kind, None, &s.0.client, None, &s.1, kept)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
    }
    let (generic, custom) = plans(hypertop::queries::RELATIONS_WATCH.as_str()).await;
    assert!(
        generic >= 2 && custom <= 5,
        "{}: the relations' watch planned for its values {custom} times, {generic} from one plan",
        server.label
    );
}

async fn kept_structure_follows_ddl_between_refreshes_on(server: &Tsdb) {
    let s = open_at(&server.conninfo).await;
    let mut kept = model::Cache::default();
    if server.native {
        // no job of this database writes meanwhile: the reads counted below are the DDL's own
        // (a policy failing on 2.9.3 writes rows into a table it then rolls back, which no watch
        // can name, and every table's version is read then, rightly)
        psql(
            &server.conninfo,
            "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs;
             SELECT pg_sleep(1)",
        );
    }
    in_fresh_schema(
        &server.conninfo,
        "kept",
        // (no autovacuum on its chunks: a VACUUM that gives back a chunk's empty pages between
        // the kept read and the fresh one, or of a table no longer written, is no DDL and is
        // bounded by the full read, docs/architecture.md; on 2.29.2 / PostgreSQL 18, one full run
        // of the tests saw the kept heap 8 pages larger than the fresh read's)
        "CREATE TABLE kept.t (ts timestamptz NOT NULL, v int) WITH (autovacuum_enabled = false);
         SELECT create_hypertable('kept.t', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO kept.t SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i
           FROM generate_series(0, 47) i;
         ANALYZE kept.t;",
    );
    let chunks = |t: &model::tables::Tables| {
        t.hypertables
            .iter()
            .find(|h| (&*h.schema, &*h.name) == ("kept", "t"))
            .map(|h| (h.chunks, h.heap_bytes))
    };
    let chunk_indexes = |i: &[hypertop::model::indexes::Index], name: &str| {
        i.iter()
            .find(|x| &*x.schema == "kept" && &*x.name == name)
            .map(|x| x.chunk_indexes)
    };
    let (t, _) = refresh_kept(&s, &mut kept).await;
    let (two, heap) = chunks(&t).unwrap();
    assert_eq!(two, 2);
    // How many times the structure was read whole: a native server counts the catalog's
    // changes, and an index made or dropped is then taken in or out without a whole read (the
    // engine counts none: there everything is read at every refresh).
    let whole_reads = |kept: &model::Cache| kept.catalog.structure_read;
    let before = whole_reads(&kept);
    // How many times every table's version was read: only when a relation was dropped (or a
    // table outside the watched ones written); relations made, the catalogs' rows written
    // with them, are watched.
    let versions_read = |kept: &model::Cache| kept.catalog.versions_read;
    let versions_before = versions_read(&kept);
    // Two reads in the whole test, one at a place, are let pass where none is expected: under
    // the full suite's load one was seen, at one place or another, in each of three runs, and
    // two in a fourth (2.28.3), its cause not pinned down (perhaps the database's count of
    // writes read between a backend's report of it and of its tables', which reads as a write
    // elsewhere). Reading at each change of a kind still fails: two reads at one place, or at
    // three of the four places.
    let mut spare = 2u64;
    let mut reads_within = |read: u64, what: &str| {
        assert!(
            read <= spare.min(1),
            "{}: {what}, every table's version read {read} times",
            server.label
        );
        spare -= read;
    };
    // A chunk made alone: its table is a chunk's (patched in before the new relations are
    // looked at), so the tables are not listed again.
    let listed = |kept: &model::Cache| kept.catalog.tables_listed;
    let listed_before = listed(&kept);
    psql(
        &server.conninfo,
        "INSERT INTO kept.t VALUES ('2024-01-03 01:00', 1)",
    );
    let (t, _) = refresh_kept(&s, &mut kept).await;
    assert_eq!(chunks(&t).map(|c| c.0), Some(3));
    if server.native {
        assert_eq!(
            listed(&kept),
            listed_before,
            "{}: a chunk made",
            server.label
        );
    }
    // A new index: a relation created, the hypertable's indexes read again.
    psql(&server.conninfo, "CREATE INDEX kept_v ON kept.t (v);");
    let (t, i) = refresh_kept(&s, &mut kept).await;
    assert_eq!(chunks(&t).map(|c| c.0), Some(3));
    assert_eq!(chunk_indexes(&i, "kept_v"), Some(3));
    // (the statistics of the session that made it, reported within seconds, seen too)
    refresh_until_kept_sees(&s, &mut kept, "the index made").await;
    if server.native {
        assert_eq!(
            whole_reads(&kept),
            before,
            "{}: an index made",
            server.label
        );
        reads_within(
            versions_read(&kept) - versions_before,
            "a chunk and an index made",
        );
    }
    // More rows in the same chunks: no relation created, yet the new pages show (the
    // numbers are read on every refresh, whether or not the structure was kept).
    psql(
        &server.conninfo,
        "INSERT INTO kept.t SELECT '2024-01-01'::timestamptz + (i % 48) * interval '1 hour', i
           FROM generate_series(1, 20000) i;
         ANALYZE kept.t;",
    );
    // (the writer's backend reports its writes to the statistics as it exits, which may be
    // after psql has returned: the kept read sees them at a refresh within seconds)
    refresh_until_kept_sees(&s, &mut kept, "the rows written").await;
    let (t, _) = refresh_kept(&s, &mut kept).await;
    assert!(chunks(&t).unwrap().1 > heap, "{t:?}");
    // An index and a column renamed: no relation created or dropped, yet the kept names and
    // definitions are read again (the catalog's change count moved; the engine counts none,
    // and then the structure is read on every refresh).
    // (the names' stamp looked at from its last horizon, not taken whole: what a rename
    // writes is among the rows written since)
    let stamps_whole = |kept: &model::Cache| kept.catalog.stamps_whole;
    let whole_before = stamps_whole(&kept);
    psql(
        &server.conninfo,
        "ALTER INDEX kept.kept_v RENAME TO kept_w; ALTER TABLE kept.t RENAME COLUMN v TO w;",
    );
    let i = refresh_until_kept_sees(&s, &mut kept, "the rename").await;
    assert_eq!(
        stamps_whole(&kept),
        whole_before,
        "{}: a rename",
        server.label
    );
    assert_eq!(chunk_indexes(&i, "kept_v"), None);
    assert_eq!(chunk_indexes(&i, "kept_w"), Some(3));
    let keys = |i: &[hypertop::model::indexes::Index]| {
        i.iter()
            .find(|x| &*x.schema == "kept" && &*x.name == "kept_w")
            .map(|x| x.key_columns.clone())
    };
    assert_eq!(keys(&i).as_deref(), Some("w"));
    // An index made, then renamed by a transaction that writes its pg_index row too (CLUSTER
    // ON): both its rows written by one transaction each time, its term must move all the same
    // (it hashed each row's writer alike, and the two cancelled out: 0 before and after)
    psql(&server.conninfo, "CREATE INDEX kept_y ON kept.t (w, ts)");
    refresh_until_kept_sees(&s, &mut kept, "an index made").await;
    psql(
        &server.conninfo,
        "BEGIN; ALTER INDEX kept.kept_y RENAME TO kept_z; ALTER TABLE kept.t CLUSTER ON kept_z; COMMIT;",
    );
    let i = refresh_until_kept_sees(&s, &mut kept, "a rename with its pg_index row").await;
    assert_eq!(chunk_indexes(&i, "kept_y"), None);
    assert_eq!(chunk_indexes(&i, "kept_z"), Some(3));
    // An index left invalid (TimescaleDB's index build one chunk at a time, failing on a
    // chunk), then dropped and built again, valid, then its validity changed in place (no file
    // changes: only the catalog's counted changes tell): validity is kept with the structure,
    // and read again. Not
    // on the engine: after the failed build its one session could no longer drop the index
    // ("could not access status of transaction").
    if server.native {
        let valid = |i: &[hypertop::model::indexes::Index]| {
            i.iter()
                .find(|x| &*x.schema == "kept" && &*x.name == "kept_e")
                .map(|x| x.valid)
        };
        let build = |divisor: i32| {
            format!(
                "CREATE INDEX kept_e ON kept.t ((1 / (w - {divisor})))
                   WITH (timescaledb.transaction_per_chunk)"
            )
        };
        let err = psql_failing(&server.conninfo, &build(25));
        assert!(err.contains("division by zero"), "{err}");
        let i = refresh_until_kept_sees(&s, &mut kept, "an invalid index").await;
        assert_eq!(valid(&i), Some(false));
        psql(&server.conninfo, "DROP INDEX kept.kept_e");
        psql(&server.conninfo, &build(100_000));
        let i = refresh_until_kept_sees(&s, &mut kept, "the index built again").await;
        assert_eq!(valid(&i), Some(true));
        let set_valid = |to: bool| {
            format!(
                "UPDATE pg_index SET indisvalid = {to} WHERE indexrelid = 'kept.kept_e'::regclass"
            )
        };
        let whole_before = stamps_whole(&kept);
        psql(&server.conninfo, &set_valid(false));
        let i = refresh_until_kept_sees(&s, &mut kept, "validity changed in place").await;
        assert_eq!(valid(&i), Some(false));
        psql(&server.conninfo, &set_valid(true));
        let i = refresh_until_kept_sees(&s, &mut kept, "validity changed back").await;
        assert_eq!(valid(&i), Some(true));
        // (pg_index's rows looked at from their last look, the stamp not taken whole)
        assert_eq!(
            stamps_whole(&kept),
            whole_before,
            "{}: validity set",
            server.label
        );
        psql(&server.conninfo, "DROP INDEX kept.kept_e");
        let i = refresh_until_kept_sees(&s, &mut kept, "the index dropped").await;
        assert_eq!(valid(&i), None);
        // (the look names the index gone: the stamp is not taken whole to tell which)
        assert_eq!(
            stamps_whole(&kept),
            whole_before,
            "{}: an index dropped",
            server.label
        );
    }
    // A chunk compressed: its compressed table made, its own truncated (a new file), no
    // relation dropped: every table's version is not read.
    psql(
        &server.conninfo,
        "ALTER TABLE kept.t SET (timescaledb.compress, timescaledb.compress_segmentby = 'w');",
    );
    refresh_until_kept_sees(&s, &mut kept, "compression enabled").await;
    let versions_before = versions_read(&kept);
    let held_before = kept.catalog.stamps_held;
    psql(
        &server.conninfo,
        "SELECT compress_chunk(c) FROM show_chunks('kept.t') c ORDER BY c LIMIT 1",
    );
    refresh_until_kept_sees(&s, &mut kept, "a chunk compressed").await;
    refresh_kept(&s, &mut kept).await;
    // (no relation the structure names written: the names' stamp fetched their rows by their
    // places, and probed none)
    assert!(
        kept.catalog.stamps_held > held_before,
        "{}: the names' stamp after a chunk compressed",
        server.label
    );
    if server.native {
        reads_within(versions_read(&kept) - versions_before, "a chunk compressed");
    }
    // A chunk decompressed (its compressed table dropped) and compressed again, then dropped
    // (with its compressed table): relations dropped that the chunks' watch saw go, so once
    // the statistics count the rows deleted from pg_class, they account for them and no table's
    // version is read to find them.
    let pg_class_deletes = || -> i64 {
        psql(
            &server.conninfo,
            "SELECT pg_stat_get_tuples_deleted('pg_catalog.pg_class'::regclass)",
        )
        .trim()
        .parse()
        .unwrap()
    };
    let counted_after = |before: i64| {
        let asked = std::time::Instant::now();
        while pg_class_deletes() <= before {
            assert!(
                asked.elapsed() < std::time::Duration::from_secs(20),
                "never counted"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    let versions_before = versions_read(&kept);
    for (what, sql) in [
        (
            "a chunk decompressed",
            "SELECT decompress_chunk(c) FROM show_chunks('kept.t') c ORDER BY c LIMIT 1",
        ),
        (
            "a chunk compressed again",
            "SELECT compress_chunk(c) FROM show_chunks('kept.t') c ORDER BY c LIMIT 1",
        ),
        (
            "a compressed chunk dropped",
            "SELECT drop_chunks('kept.t', older_than => '2024-01-02'::timestamptz)",
        ),
    ] {
        let deletes = pg_class_deletes();
        psql(&server.conninfo, sql);
        refresh_until_kept_sees(&s, &mut kept, what).await;
        if server.native && what != "a chunk compressed again" {
            counted_after(deletes);
        }
        refresh_kept(&s, &mut kept).await;
    }
    if server.native {
        reads_within(
            versions_read(&kept) - versions_before,
            "chunks decompressed and dropped",
        );
    }
    // An index dropped: taken out of the structure and the sizes, nothing read whole, and its
    // relations (with its chunks') counted against the rows deleted from pg_class, so no table's
    // version read either.
    let (before, versions_before) = (whole_reads(&kept), versions_read(&kept));
    psql(&server.conninfo, "DROP INDEX kept.kept_w;");
    // (seen when the statistics count the dropping session's catalog changes, reported as it
    // ends, within seconds)
    let i = refresh_until_kept_sees(&s, &mut kept, "the index dropped").await;
    assert_eq!(chunk_indexes(&i, "kept_w"), None);
    let (t, _) = refresh_kept(&s, &mut kept).await;
    assert_eq!(chunks(&t).map(|c| c.0), Some(2));
    // an index dropped alone, seen by the catalog's counted changes only
    psql(&server.conninfo, "CREATE INDEX kept_x ON kept.t (w)");
    refresh_until_kept_sees(&s, &mut kept, "another index made").await;
    psql(&server.conninfo, "DROP INDEX kept.kept_x");
    let i = refresh_until_kept_sees(&s, &mut kept, "that index dropped").await;
    assert_eq!(chunk_indexes(&i, "kept_x"), None);
    if server.native {
        assert_eq!(
            whole_reads(&kept),
            before,
            "{}: indexes dropped",
            server.label
        );
        // (two reads, one a drop, is what reading every version at each drop does; one is let
        // pass: under the suites' load one was seen once, its cause not pinned down)
        let read = versions_read(&kept) - versions_before;
        assert!(
            read <= 1,
            "{}: two indexes dropped, every table's version read {read} times",
            server.label
        );
    }
    // A hypertable made over rows (its chunks made with it) and with an index, then dropped:
    // the tables listed again and patched in and out, nothing read whole; its relations
    // dropped counted against pg_class's deleted rows, every table's version not read; the
    // segment statistics (kept.t segments by w) not read again for a hypertable that does not
    // segment.
    let (before, versions_before) = (whole_reads(&kept), versions_read(&kept));
    let segments_read = |kept: &model::Cache| kept.catalog.segments.last().map(|(_, at, _)| at);
    let segments_before = segments_read(&kept);
    assert!(segments_before.is_some(), "{}", server.label);
    psql(
        &server.conninfo,
        "CREATE TABLE kept.u (ts timestamptz NOT NULL, v int);
         INSERT INTO kept.u SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i
           FROM generate_series(0, 47) i;
         SELECT create_hypertable('kept.u', 'ts', chunk_time_interval => interval '1 day',
                                  migrate_data => true);
         CREATE INDEX kept_u_v ON kept.u (v);",
    );
    let i = refresh_until_kept_sees(&s, &mut kept, "a hypertable made").await;
    assert_eq!(chunk_indexes(&i, "kept_u_v"), Some(2));
    let deletes = pg_class_deletes();
    psql(&server.conninfo, "DROP TABLE kept.u");
    let i = refresh_until_kept_sees(&s, &mut kept, "a hypertable dropped").await;
    assert_eq!(chunk_indexes(&i, "kept_u_v"), None);
    if server.native {
        counted_after(deletes);
        refresh_kept(&s, &mut kept).await;
        assert_eq!(
            whole_reads(&kept),
            before,
            "{}: a hypertable made and dropped",
            server.label
        );
        reads_within(
            versions_read(&kept) - versions_before,
            "a hypertable made and dropped",
        );
        assert_eq!(
            segments_read(&kept),
            segments_before,
            "{}: a hypertable made and dropped, the segment statistics read again",
            server.label
        );
    }
    psql(&server.conninfo, "DROP SCHEMA kept CASCADE");
}

/// A console that read a database before its first continuous aggregate shows the aggregate
/// at its next refresh: until a read finds one, the read looks whether any exists (and
/// prepares nothing more), then reads them as before.
#[tokio::test]
async fn a_cagg_made_after_the_first_read_is_shown_at_the_next() {
    on_each(crate::engines::native_tsdb_versions(), async |version| {
        let conninfo = crate::engines::native_tsdb_database(version, None, "firstcagg");
        psql(
            &conninfo,
            "CREATE TABLE m (t timestamptz NOT NULL, v float8);
                 SELECT create_hypertable('m', 't');
                 INSERT INTO m VALUES ('2024-01-01', 1)",
        );
        let s = open_at(&conninfo).await;
        let mut kept = model::Cache::default();
        let read =
            async |kept: &mut model::Cache| match fetch_kept(&s, QueryKind::Caggs, kept).await {
                Payload::Caggs(list) => list,
                other => panic!("caggs expected, got {other:?}"),
            };
        assert!(read(&mut kept).await.is_empty());
        // nothing but the look prepared for none
        assert!(!kept.statements.holds(hypertop::queries::caggs(&s.1)));
        assert_eq!(kept.statements.len(), 1);
        psql(
            &conninfo,
            "CREATE MATERIALIZED VIEW m_hourly WITH (timescaledb.continuous) AS
                 SELECT time_bucket('1 hour', t) AS bucket, avg(v) FROM m GROUP BY 1
                 WITH NO DATA",
        );
        let names = |list: Vec<model::caggs::Cagg>| -> Vec<String> {
            list.into_iter().map(|c| c.name).collect()
        };
        assert_eq!(names(read(&mut kept).await), ["m_hourly"]);
        // found once, read as before: dropped, it is gone
        psql(&conninfo, "DROP MATERIALIZED VIEW m_hourly");
        assert!(read(&mut kept).await.is_empty());
    })
    .await;
}

/// An integer-time cagg's lag counts from its hypertable's integer "now" (joined on the client
/// by the raw hypertable's id since the Caggs tab's read takes no parameters).
#[tokio::test]
async fn an_integer_caggs_lag_counts_from_its_hypertables_integer_now() {
    on_each(crate::engines::native_tsdb_versions(), async |version| {
        let conninfo = crate::engines::native_tsdb_database(version, None, "intcagg");
        psql(
            &conninfo,
            "CREATE TABLE c (t bigint NOT NULL, v float8);
             SELECT create_hypertable('c', 't', chunk_time_interval => 100);
             CREATE FUNCTION c_now() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT 1000::bigint';
             SELECT set_integer_now_func('c', 'c_now');
             INSERT INTO c SELECT g, 1 FROM generate_series(0, 999) g",
        );
        for sql in [
            "CREATE MATERIALIZED VIEW c_10 WITH (timescaledb.continuous) AS
               SELECT time_bucket(10::bigint, t) AS b, avg(v) FROM c GROUP BY 1 WITH NO DATA",
            "CALL refresh_continuous_aggregate('c_10', 0, 500)",
        ] {
            psql(&conninfo, sql);
        }
        let s = open_at(&conninfo).await;
        let Payload::Caggs(list) = fetch(&s, QueryKind::Caggs, None).await else {
            panic!()
        };
        let c = list.iter().find(|c| c.name == "c_10").unwrap();
        assert_eq!(c.watermark, Some(Watermark::Int(500)), "{c:?}");
        // c_now() less the watermark
        assert_eq!((c.lag_units, c.lag_seconds), (Some(500), None), "{c:?}");
    })
    .await;
}

/// Job `job`'s statistics as its worker leaves them: `runs` runs, the last started at
/// 2024-03-06 02:00 UTC and ended 5 s later, `succeeded` or not (then the only failure), the
/// next due 2030-01-01.
fn record_run(conninfo: &str, job: i32, runs: i64, succeeded: bool) {
    let failures = i64::from(!succeeded);
    let last_success = match succeeded {
        true => "2024-03-06 02:00:05+00",
        false => "2024-03-05 02:00:05+00",
    };
    psql(
        conninfo,
        &crate::engines::job_stat_row(
            &job.to_string(),
            &format!(
                "'2024-03-06 02:00+00', '2024-03-06 02:00:05+00',
                 '2030-01-01 00:00+00', '{last_success}', {succeeded}, {runs},
                 interval '10 seconds', interval '{failures} seconds', {runs} - {failures},
                 {failures}, 0, {failures}, 0"
            ),
        ),
    );
}

/// The relations' rows are kept between refreshes (tables.sql read again only when a row it
/// reads changed), and a policy or catalog change shows at the very next refresh: the version
/// moves with the commit, not with the statistics a few seconds later. What moves with time,
/// a retention job's runs and each threshold as of now, is read at every refresh.
#[tokio::test]
async fn a_policy_changed_shows_at_the_next_refresh_and_the_runs_at_every_one() {
    on_each(crate::engines::native_tsdb_versions(), async |version| {
        let conninfo = crate::engines::native_tsdb_database(version, None, "keptrows");
        // forty one-day chunks up to now
        let job = psql(
            &conninfo,
            "CREATE TABLE m (t timestamptz NOT NULL, v float8);
             SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO m SELECT g, 1 FROM generate_series(now() - interval '40 days', now(), interval '1 hour') g;
             SELECT add_retention_policy('m', interval '30 days')",
        );
        let job: i32 = job.lines().last().unwrap().trim().parse().unwrap();
        // chunks entirely older than `after` ago, as the server counts them
        let older_than = |name: &str, after: &str| -> i64 {
            psql(
                &conninfo,
                &format!(
                    "SELECT count(*) FROM timescaledb_information.chunks
                      WHERE hypertable_name = '{name}' AND range_end <= now() - interval '{after}'"
                ),
            )
            .trim()
            .parse()
            .unwrap()
        };
        let s = open_at(&conninfo).await;
        let mut kept = model::Cache::default();
        let read = async |kept: &mut model::Cache| match fetch_kept(&s, QueryKind::Catalog, kept).await {
            Payload::Catalog(c) => hypertables_of(c),
            other => panic!("the catalog pass expected, got {other:?}"),
        };
        let retention = |t: &model::tables::Tables, name: &str| {
            t.retention.iter().find(|r| &*r.name == name).cloned()
        };
        let first = read(&mut kept).await;
        let r = retention(&first, "m").unwrap();
        assert_eq!((r.job_id, r.drop_after.as_deref()), (job, Some("30 days")));
        assert_eq!(r.drop_after_seconds, Some(30.0 * 86_400.0));
        assert!(r.scheduled);
        assert_eq!(r.overdue_chunks, Some(older_than("m", "30 days")));
        assert!(r.overdue_chunks > Some(0), "{r:?}");
        let version = kept.catalog.listed.read_from();
        assert!(version.is_some());

        // the job ran (its statistics written as a run leaves them): shown at the next
        // refresh, the rows themselves kept
        record_run(&conninfo, job, 2, false);
        let second = read(&mut kept).await;
        // each refresh's rows share what is kept, not a copy of it
        let shared = |a: &model::tables::Tables, b: &model::tables::Tables| {
            let pairs = |x: Vec<*const ()>, y: Vec<*const ()>| !x.is_empty() && x == y;
            pairs(
                a.hypertables.iter().map(|h| Arc::as_ptr(&h.definition).cast()).collect(),
                b.hypertables.iter().map(|h| Arc::as_ptr(&h.definition).cast()).collect(),
            ) && pairs(
                a.compression.iter().map(|c| Arc::as_ptr(&c.definition).cast()).collect(),
                b.compression.iter().map(|c| Arc::as_ptr(&c.definition).cast()).collect(),
            ) && pairs(
                a.retention.iter().map(|r| Arc::as_ptr(&r.definition).cast()).collect(),
                b.retention.iter().map(|r| Arc::as_ptr(&r.definition).cast()).collect(),
            )
        };
        assert!(shared(&first, &second), "{first:?}\n{second:?}");
        let r = retention(&second, "m").unwrap();
        assert_eq!(r.last_run, Some(time("2024-03-06T02:00:00Z")));
        assert_eq!(r.last_run_status.as_deref(), Some("Failed"));
        assert_eq!(r.next_start, Some(time("2030-01-01T00:00:00Z")));
        assert_eq!(kept.catalog.listed.read_from(), version, "nothing the rows say changed");

        // each change, read at the refresh right after its commit
        psql(
            &conninfo,
            &format!("SELECT alter_job({job}, scheduled => false)"),
        );
        let r = retention(&read(&mut kept).await, "m").unwrap();
        assert!(!r.scheduled);
        assert_eq!(r.next_start, None, "a paused job has no next start");
        psql(
            &conninfo,
            &format!(
                "SELECT alter_job({job}, config => jsonb_set(j.config, '{{drop_after}}', '\"10 days\"'))
                   FROM timescaledb_information.jobs j WHERE j.job_id = {job}"
            ),
        );
        let r = retention(&read(&mut kept).await, "m").unwrap();
        assert_eq!(r.drop_after.as_deref(), Some("10 days"));
        assert_eq!(r.overdue_chunks, Some(older_than("m", "10 days")));
        psql(
            &conninfo,
            "ALTER TABLE m RENAME TO m2;
             SELECT set_chunk_time_interval('m2', interval '2 days');
             ALTER TABLE m2 SET (timescaledb.compress);
             SELECT add_compression_policy('m2', interval '7 days')",
        );
        let t = read(&mut kept).await;
        let h = t.hypertables.iter().find(|h| &*h.name == "m2").unwrap();
        assert_eq!(h.interval_seconds, Some(2.0 * 86_400.0));
        assert!(h.compression_enabled);
        assert!(retention(&t, "m").is_none() && retention(&t, "m2").is_some());
        // read again after the change, then kept and shared again
        assert!(shared(&t, &read(&mut kept).await));
        let c = t.compression.iter().find(|c| &*c.name == "m2").unwrap();
        assert_eq!(c.compress_after.as_deref(), Some("7 days"));
        assert_eq!(c.backlog_chunks, Some(older_than("m2", "7 days")));
        assert!(c.backlog_chunks > Some(0), "{c:?}");
        psql(
            &conninfo,
            "SELECT remove_retention_policy('m2');
             CREATE TABLE n (t timestamptz NOT NULL);
             SELECT create_hypertable('n', 't')",
        );
        let t = read(&mut kept).await;
        assert!(retention(&t, "m2").is_none());
        let names: Vec<&str> = t.hypertables.iter().map(|h| &*h.name).collect();
        assert_eq!(names, ["m2", "n"]);
        let version = kept.catalog.listed.read_from();
        let again = read(&mut kept).await;
        assert_eq!(kept.catalog.listed.read_from(), version);
        // as a fresh read says
        assert_eq!(again, tables(&s).await);
    })
    .await;
}

/// The jobs as they are defined are kept between refreshes (jobs.sql read again only when a row
/// it reads changed); a job added, altered or deleted shows at the very next refresh, and a
/// run's statistics at every one.
#[tokio::test]
async fn a_job_changed_shows_at_the_next_refresh_and_its_runs_at_every_one() {
    on_each(crate::engines::native_tsdb_versions(), async |version| {
        let conninfo = crate::engines::native_tsdb_database(version, None, "keptjobs");
        let job = psql(
            &conninfo,
            "CREATE PROCEDURE tick(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;
             SELECT add_job('tick', '1 hour', config => '{\"n\": 1}')",
        );
        let job: i32 = job.lines().last().unwrap().trim().parse().unwrap();
        let s = open_at(&conninfo).await;
        let mut kept = model::Cache::default();
        let read = async |kept: &mut model::Cache| match fetch_kept(&s, QueryKind::Jobs, kept).await {
            Payload::Jobs(list) => list,
            other => panic!("jobs expected, got {other:?}"),
        };
        let find = |list: &[model::jobs::Job], id: i32| list.iter().find(|j| j.job_id == id).cloned();
        let j = find(&read(&mut kept).await, job).unwrap();
        assert_eq!((j.kind, &*j.proc_name), ("custom", "tick"));
        assert_eq!(j.schedule_seconds, Some(3600.0));
        assert_eq!(j.job_status.as_deref(), Some("Scheduled"));
        assert_eq!((j.total_runs, j.last_run_status.as_deref()), (0, None));
        let definitions = kept.jobs.read_from();
        assert!(definitions.is_some());

        // a run, as its worker leaves its statistics: at the next refresh, the definitions kept
        record_run(&conninfo, job, 3, true);
        let j = find(&read(&mut kept).await, job).unwrap();
        assert_eq!((j.total_runs, j.last_run_status.as_deref()), (3, Some("Success")));
        assert_eq!(j.last_run_started, Some(time("2024-03-06T02:00:00Z")));
        assert_eq!(j.next_start, Some(time("2030-01-01T00:00:00Z")));
        assert_eq!(kept.jobs.read_from(), definitions, "no job changed");

        // each change at the refresh right after its commit
        psql(
            &conninfo,
            &format!("SELECT alter_job({job}, schedule_interval => interval '5 minutes', scheduled => false)"),
        );
        // (a job altered or made alone: its definition read again and put in, not every job's)
        let whole = kept.jobs.definitions_read.0;
        let list = read(&mut kept).await;
        let j = find(&list, job).unwrap();
        assert_eq!((j.schedule_seconds, j.scheduled), (Some(300.0), false));
        assert_eq!(j.job_status.as_deref(), Some("Paused"));
        assert_eq!(j.total_runs, 3, "its statistics stay");
        assert_eq!(kept.jobs.definitions_read, (whole, 1), "its alone");
        let added = psql(&conninfo, "SELECT add_job('tick', '1 day')");
        let added: i32 = added.lines().last().unwrap().trim().parse().unwrap();
        let list = read(&mut kept).await;
        assert_eq!(find(&list, added).unwrap().schedule_seconds, Some(86_400.0));
        assert_eq!(find(&list, job).unwrap().schedule_seconds, Some(300.0));
        assert_eq!(kept.jobs.definitions_read, (whole, 2), "theirs alone, twice");
        // as a fresh read says
        let fresh = async || match fetch(&s, QueryKind::Jobs, None).await {
            Payload::Jobs(fresh) => fresh,
            other => panic!("jobs expected, got {other:?}"),
        };
        assert_eq!(list, fresh().await);
        // one deleted: the count is short, every job read
        psql(&conninfo, &format!("SELECT delete_job({job})"));
        let list = read(&mut kept).await;
        assert!(find(&list, job).is_none());
        assert_eq!(kept.jobs.definitions_read, (whole + 1, 2));
        assert_eq!(list, fresh().await);
    })
    .await;
}

/// Five hundred identical indexes made on a hypertable of thirty chunks (15,000 chunk indexes):
/// the catalog pass still answers within the monitoring session's statement timeout, and each
/// look-alike gets its own thirty chunk indexes (a row per pair of look-alikes made it 7.5
/// million rows and a statement timeout in every front end). On each native server's newest
/// version: making them takes seconds there and minutes on the engine.
#[tokio::test]
async fn identical_indexes_are_read_linearly() {
    let versions = crate::engines::native_tsdb_versions();
    let newest: Vec<_> = versions
        .iter()
        .enumerate()
        .filter(|(i, v)| versions.get(i + 1).is_none_or(|n| n.base != v.base))
        .map(|(_, v)| v)
        .collect();
    on_each(newest, async |v| {
        let c = crate::engines::native_tsdb_database(v, None, "twins");
        psql(
            &c,
            "CREATE SCHEMA tw;
             CREATE TABLE tw.t (at timestamptz NOT NULL, v int);
             SELECT create_hypertable('tw.t', 'at', chunk_time_interval => interval '1 day');
             INSERT INTO tw.t SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i
               FROM generate_series(0, 30 * 24 - 1) i;
             DO $$ BEGIN FOR i IN 1..500 LOOP
               EXECUTE format('CREATE INDEX t_v_%s ON tw.t (v)', i);
             END LOOP; END $$;",
        );
        let s = open_at(&c).await;
        let list = indexes(&s).await;
        let twins: Vec<&Index> = list.iter().filter(|i| i.name.starts_with("t_v_")).collect();
        assert_eq!(twins.len(), 500);
        assert!(
            twins.iter().all(|i| i.chunk_indexes == 30),
            "{:?}",
            twins
                .iter()
                .filter(|i| i.chunk_indexes != 30)
                .map(|i| (&i.name, i.chunk_indexes))
                .take(5)
                .collect::<Vec<_>>()
        );
        assert_eq!(
            twins.iter().filter(|i| i.duplicate_of.is_some()).count(),
            499
        );
    })
    .await;
}

/// Every refresh policy of a continuous aggregate (windows side by side, each with its job, as
/// newer TimescaleDB allows): the one keeping the newest data fresh judges its lag, the others
/// are listed with it; one row said "7d → 3d" and the last three days looked never refreshed.
#[tokio::test]
async fn every_refresh_policy_of_a_cagg_is_shown_and_the_newest_window_judges() {
    on_each(
        crate::engines::newest_native_servers("refreshpolicies", None),
        async |server| {
            let c = &server.conninfo;
            psql(
                c,
                "CREATE TABLE m (t timestamptz NOT NULL, v int);
                 SELECT create_hypertable('m', 't');
                 INSERT INTO m SELECT g, 1 FROM generate_series(now() - interval '10 days', now(), interval '1 hour') g;
                 CREATE MATERIALIZED VIEW m1 WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 hour', t) AS b, sum(v) FROM m GROUP BY 1 WITH NO DATA;",
            );
            // the oldest window first: the catalog's first job is not the one that judges
            let added = [
                ("7 days", "3 days", "12 hours"),
                ("3 days", "1 day", "1 hour"),
                ("1 day", "1 hour", "10 minutes"),
            ]
            .map(|(start, end, every)| {
                let said = psql(
                    c,
                    &format!(
                        "SELECT add_continuous_aggregate_policy('m1', start_offset => interval '{start}',
                           end_offset => interval '{end}', schedule_interval => interval '{every}',
                           initial_start => now() + interval '1 day')"
                    ),
                );
                said.lines().last().unwrap().trim().parse::<i32>().unwrap()
            });
            let s = open_at(c).await;
            let Payload::Caggs(list) = fetch(&s, QueryKind::Caggs, None).await else {
                panic!()
            };
            let m1 = list.iter().find(|c| c.name == "m1").unwrap();
            let judge = m1.refresh_policy.as_ref().expect("a policy");
            assert_eq!(judge.job_id, added[2], "{}: {m1:?}", server.label);
            let others: Vec<i32> = m1.other_refresh_policies.iter().map(|p| p.job_id).collect();
            assert_eq!(others, [added[1], added[0]], "{}", server.label);
            // the row: the judging window, +2, and every window in its detail
            let ctx = hypertop::screens::Ctx::new(true, problems::Thresholds::default());
            let rows = hypertop::screens::caggs::rows(&list, 3600.0, ctx);
            let row = rows.iter().find(|r| r.id.ends_with("m1")).unwrap();
            let cells: Vec<String> = row.cells.iter().map(|c| c.text.to_string()).collect();
            assert!(
                cells.iter().any(|t| t == "1d → 1h every 10m +2"),
                "{}: {cells:?}",
                server.label
            );
            let detail = row.detail.clone().unwrap_or_default();
            for id in added {
                assert!(detail.contains(&format!("job {id}:")), "{}: {detail}", server.label);
            }
            // the JSON names them all
            let json = serde_json::to_value(m1).unwrap();
            assert_eq!(json["other_refresh_policies"].as_array().map(Vec::len), Some(2));
            // which one a policy command means is not guessed: it is refused, naming them, and
            // nothing changes
            let journal = tempfile::tempdir().unwrap();
            for command in ["set-refresh-policy m1 2d 1h 5m", "remove-refresh-policy m1"] {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_hypertop"))
                    .args(["run", command, c.as_str(), "--yes", "--journal"])
                    .arg(journal.path().join("journal.jsonl"))
                    .env("XDG_STATE_HOME", journal.path())
                    .stdin(std::process::Stdio::null())
                    .output()
                    .unwrap();
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_ne!(out.status.code(), Some(0), "{}: {command}: {stderr}", server.label);
                assert!(
                    stderr.contains("has 3 refresh policies (jobs")
                        && stderr.contains("alter_job"),
                    "{}: {command}: {stderr}",
                    server.label
                );
            }
            let left = psql(
                c,
                "SELECT count(*) FROM timescaledb_information.jobs
                  WHERE proc_name = 'policy_refresh_continuous_aggregate'",
            );
            assert_eq!(left.trim(), "3", "{}", server.label);
            // a policy job made with add_job, its configuration written by hand: offsets and
            // ids that are none stop nothing, and do not judge
            let odd = psql(
                c,
                "SELECT add_job(format('%I.policy_refresh_continuous_aggregate', n.nspname)::regproc,
                                '1 hour', scheduled => false,
                                config => jsonb_build_object('mat_hypertable_id',
                                    (SELECT mat_hypertable_id FROM _timescaledb_catalog.continuous_agg
                                      WHERE user_view_name = 'm1'),
                                    'start_offset', 'soon', 'end_offset', 1e400))
                   FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE p.proname = 'policy_refresh_continuous_aggregate'
                    AND n.nspname LIKE '\\_timescaledb%'
                  ORDER BY n.nspname = '_timescaledb_functions' DESC LIMIT 1",
            );
            let odd: i32 = odd.lines().last().unwrap().trim().parse().unwrap();
            // one of the same name in a user's own schema, its id not a number: not a policy
            psql(
                c,
                "CREATE SCHEMA mine;
                 CREATE PROCEDURE mine.policy_refresh_continuous_aggregate(job int, config jsonb)
                   LANGUAGE plpgsql AS $$ BEGIN END $$;
                 SELECT add_job('mine.policy_refresh_continuous_aggregate', '1 hour',
                                scheduled => false,
                                config => '{\"mat_hypertable_id\": \"1; x\", \"end_offset\": \"soon\"}');",
            );
            let Payload::Caggs(list) = fetch(&s, QueryKind::Caggs, None).await else {
                panic!()
            };
            let m1 = list.iter().find(|c| c.name == "m1").unwrap();
            assert_eq!(m1.refresh_policy.as_ref().unwrap().job_id, added[2], "{}", server.label);
            assert!(
                m1.other_refresh_policies.iter().any(|p| p.job_id == odd),
                "{}: {m1:?}",
                server.label
            );
        },
    )
    .await;
}

/// A refresh policy that batches its refresh (2.19+: buckets a batch, batches a run, newest
/// or oldest first) says so in the Caggs row's detail and the JSON, as its job's config has it;
/// one with TimescaleDB's defaults (nothing in its config) says nothing more.
#[tokio::test]
async fn a_refresh_policys_batching_is_shown_as_its_config_has_it() {
    on_each(
        crate::engines::newest_native_servers("refreshbatching", None),
        async |server| {
            let c = &server.conninfo;
            psql(
                c,
                "CREATE TABLE m (t timestamptz NOT NULL, v int);
                 SELECT create_hypertable('m', 't');
                 CREATE MATERIALIZED VIEW batched WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 hour', t) AS b, sum(v) FROM m GROUP BY 1 WITH NO DATA;
                 CREATE MATERIALIZED VIEW plain WITH (timescaledb.continuous) AS
                   SELECT time_bucket('1 hour', t) AS b, sum(v) FROM m GROUP BY 1 WITH NO DATA;
                 SELECT add_continuous_aggregate_policy('batched', interval '7 days', interval '1 hour',
                          interval '1 hour', buckets_per_batch => 10, max_batches_per_execution => 5,
                          refresh_newest_first => false);
                 SELECT add_continuous_aggregate_policy('plain', interval '7 days', interval '1 hour',
                          interval '1 hour');",
            );
            let s = open_at(c).await;
            let Payload::Caggs(list) = fetch(&s, QueryKind::Caggs, None).await else {
                panic!()
            };
            let ctx = hypertop::screens::Ctx::new(true, problems::Thresholds::default());
            let rows = hypertop::screens::caggs::rows(&list, 3600.0, ctx);
            let detail = |name: &str| {
                let row = rows.iter().find(|r| r.id.ends_with(name)).unwrap();
                row.detail.clone().unwrap_or_default()
            };
            assert!(
                detail("batched")
                    .contains("10 buckets a batch, at most 5 batches a run, oldest first"),
                "{}: {}",
                server.label,
                detail("batched")
            );
            assert!(!detail("plain").contains("a batch"), "{}", server.label);
            let batched = list.iter().find(|c| c.name == "batched").unwrap();
            let json = serde_json::to_value(batched).unwrap();
            assert_eq!(json["refresh_policy"]["buckets_per_batch"], 10, "{json}");
            assert_eq!(json["refresh_policy"]["refresh_newest_first"], false, "{json}");
        },
    )
    .await;
}
