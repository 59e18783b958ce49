//! Fresh, not only cheap: each kind of change made by anyone shows in a console left running
//! within two of its own refresh cycles (counted in cycles: each cycle asks every dataset the
//! overview and the tabs read, as the timer does), in the exporter at the next scrape, and in a
//! one-shot read that starts from what the last one kept (`check`, `snapshot`) at once. On the
//! engine and the newest TimescaleDB of each native server's PostgreSQL line.

use std::sync::Arc;
use std::time::Duration;

use hypertop::app::state::AppState;
use hypertop::capabilities::Capabilities;
use hypertop::link::Link;
use hypertop::model::{self, QueryKind};
use hypertop::poller::Poller;
use hypertop::store::{Dataset, Kept};

use crate::engines::{
    action_engine, connector_for, engine_and_newest_natives, engine_with_files, in_fresh_schema,
    job_stat_row, native_tsdb_database, native_tsdb_versions, on_each, psql, psql_succeeds, Tsdb,
};

/// What each change is made on: a hypertable of ten daily chunks compressing by device, a
/// continuous aggregate refreshed over its first five days, a plain table, two job procedures.
const FIXTURE: &str = "
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    DROP SCHEMA IF EXISTS fresh CASCADE; CREATE SCHEMA fresh;
    CREATE TABLE fresh.m (t timestamptz NOT NULL, d int, v float8);
    SELECT create_hypertable('fresh.m', 't', chunk_time_interval => interval '1 day');
    INSERT INTO fresh.m SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g % 4, g
      FROM generate_series(0, 239) g;
    ALTER TABLE fresh.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');
    CREATE MATERIALIZED VIEW fresh.m_daily WITH (timescaledb.continuous) AS
      SELECT time_bucket('1 day', t) AS b, d, avg(v) FROM fresh.m GROUP BY 1, 2 WITH NO DATA;
    CREATE TABLE fresh.u (a int); INSERT INTO fresh.u VALUES (1), (1);
    CREATE PROCEDURE fresh.tick(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;";

/// The kinds of change the freshness contract covers, in an order each can follow the last.
fn changes() -> Vec<Change> {
    vec![
        Change::sql("compression settings changed", "ALTER TABLE fresh.m SET (timescaledb.compress_segmentby = 'd', timescaledb.compress_orderby = 'v')", |d| m_compression(d).is_some_and(|c| c.orderby.as_deref().is_some_and(|o| o.starts_with("v")))),
        Change::sql("a chunk compressed", "SELECT compress_chunk(c) FROM show_chunks('fresh.m') c ORDER BY c LIMIT 1", |d| m_compression(d).is_some_and(|c| c.compressed_chunks == 1 && c.before_bytes.is_some_and(|b| b > 0))),
        Change::sql("a chunk decompressed", "SELECT decompress_chunk(c) FROM show_chunks('fresh.m') c ORDER BY c LIMIT 1", |d| m_compression(d).is_some_and(|c| c.compressed_chunks == 0 && c.before_bytes.unwrap_or(0) == 0)),
        Change::sql("a chunk converted to the columnstore", CONVERT, |d| m_compression(d).is_some_and(|c| c.compressed_chunks == 1 && c.before_bytes.is_some_and(|b| b > 0))),
        Change::sql("writes into compressed batches (2.28+ counts them)", "UPDATE fresh.m SET v = v + 1 WHERE t >= '2024-01-02' AND t < '2024-01-03'", |d| !counts_activity(d) || m_compression(d).and_then(|c| c.activity).is_some_and(|a| a.batches_read > 0)),
        Change::sql("a chunk created", "INSERT INTO fresh.m VALUES ('2024-02-01', 1, 1)", |d| m_table(d).is_some_and(|h| h.chunks == 11)),
        Change::sql("chunks dropped", "SELECT count(*) FROM drop_chunks('fresh.m', older_than => '2024-01-03'::timestamptz)", |d| m_table(d).is_some_and(|h| h.chunks == 9)),
        Change::sql("a policy added", "SELECT add_retention_policy('fresh.m', interval '90 days')", |d| m_retention(d).is_some_and(|r| r.drop_after.is_some())),
        Change::sql("a policy altered", "SELECT alter_job(job_id, schedule_interval => interval '2 hours') FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' AND hypertable_name = 'm'", |d| m_retention(d).is_some_and(|r| r.schedule_seconds == Some(7200.0))),
        Change::sql("a policy removed", "SELECT remove_retention_policy('fresh.m')", |d| m_retention(d).is_none_or(|r| r.drop_after.is_none())),
        Change::sql("a job added", "SELECT add_job('fresh.tick', '1 hour')", |d| tick(d).is_some()),
        Change::then("a job ran", Box::new(|c: &str| run(c, 3, true)), |d| tick(d).is_some_and(|j| j.total_runs == 3 && j.total_failures == 0)),
        Change::then("a job failed", Box::new(|c: &str| run(c, 4, false)), |d| tick(d).is_some_and(|j| j.total_failures == 1)),
        Change::sql("a job paused", "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs WHERE proc_name = 'tick'", |d| tick(d).is_some_and(|j| !j.scheduled)),
        Change::sql("a continuous aggregate refreshed", "CALL refresh_continuous_aggregate('fresh.m_daily', '2024-01-01', '2024-01-09')", |d| daily(d).and_then(|c| c.watermark_units()) == Some(1_704_758_400_000_000)),
        Change::sql("rows written below a watermark (a hole)", "INSERT INTO fresh.m SELECT '2023-12-01'::timestamptz + g * interval '1 hour', 1, g FROM generate_series(0, 23) g", |d| daily(d).is_some_and(|c| !c.holes.is_empty())),
        Change::sql("an index created", "CREATE INDEX fresh_m_v ON fresh.m (v)", |d| index(d, "fresh_m_v").is_some()),
        Change::sql("an index dropped", "DROP INDEX fresh.fresh_m_v", |d| index(d, "fresh_m_v").is_none()),
        Change::failing("an index left invalid", "CREATE UNIQUE INDEX CONCURRENTLY fresh_u_a ON fresh.u (a)", |d| index(d, "fresh_u_a").is_some_and(|i| !i.valid)),
        Change::sql("rows written (sizes)", "INSERT INTO fresh.m SELECT '2024-01-05'::timestamptz + g * interval '1 second', 2, g FROM generate_series(0, 19999) g", |d| m_table(d).is_some_and(|h| (h.total_bytes - d.truth_bytes).abs() * 100 <= d.truth_bytes)),
        Change::sql("a hypertable created", "CREATE TABLE fresh.n (t timestamptz NOT NULL, v int); SELECT create_hypertable('fresh.n', 't')", |d| hypertable(d, "n").is_some()),
        Change::sql("a hypertable dropped", "DROP TABLE fresh.n", |d| hypertable(d, "n").is_none()),
    ]
}

/// The second chunk into the columnstore: convert_to_columnstore where the server has it
/// (2.18+), compress_chunk before.
const CONVERT: &str = "DO $$
    DECLARE c regclass := (SELECT c FROM show_chunks('fresh.m') c ORDER BY c LIMIT 1 OFFSET 1);
    BEGIN
      IF EXISTS (SELECT FROM pg_proc WHERE proname = 'convert_to_columnstore') THEN
        EXECUTE format('CALL convert_to_columnstore(%L::regclass)', c);
      ELSE
        PERFORM compress_chunk(c);
      END IF;
    END $$";

/// A change and what shows it.
struct Change {
    kind: &'static str,
    make: Box<dyn Fn(&str)>,
    /// Where a server cannot make it (an engine without CREATE INDEX CONCURRENTLY), it is left.
    may_fail: bool,
    shows: fn(&Seen) -> bool,
}

impl Change {
    fn sql(kind: &'static str, sql: &'static str, shows: fn(&Seen) -> bool) -> Change {
        Change::then(
            kind,
            Box::new(move |c: &str| {
                psql(c, sql);
            }),
            shows,
        )
    }

    fn failing(kind: &'static str, sql: &'static str, shows: fn(&Seen) -> bool) -> Change {
        Change {
            may_fail: true,
            ..Change::then(
                kind,
                Box::new(move |c: &str| {
                    psql_succeeds(c, sql);
                }),
                shows,
            )
        }
    }

    fn then(kind: &'static str, make: Box<dyn Fn(&str)>, shows: fn(&Seen) -> bool) -> Change {
        Change {
            kind,
            make,
            may_fail: false,
            shows,
        }
    }
}

/// A reader's datasets and what PostgreSQL's own functions say of the sizes.
struct Seen<'a> {
    data: &'a Dataset,
    truth_bytes: i64,
}

impl std::ops::Deref for Seen<'_> {
    type Target = Dataset;
    fn deref(&self) -> &Dataset {
        self.data
    }
}

fn m_table<'a>(d: &'a Seen) -> Option<&'a model::hypertables::Hypertable> {
    hypertable(d, "m")
}

fn hypertable<'a>(d: &'a Seen, name: &str) -> Option<&'a model::hypertables::Hypertable> {
    (d.hypertables.rows().iter()).find(|h| &*h.schema == "fresh" && &*h.name == name)
}

fn m_compression<'a>(d: &'a Seen) -> Option<&'a model::compression::Compression> {
    (d.compression.rows().iter()).find(|c| &*c.schema == "fresh" && &*c.name == "m")
}

/// Whether the server counts its compressed chunks' use (2.28+).
fn counts_activity(d: &Seen) -> bool {
    (d.caps.as_ref().and_then(|c| c.timescaledb.as_ref())).is_some_and(|t| t.chunk_statistics)
}

fn m_retention<'a>(d: &'a Seen) -> Option<&'a model::retention::Retention> {
    (d.retention.rows().iter()).find(|r| &*r.schema == "fresh" && &*r.name == "m")
}

fn tick<'a>(d: &'a Seen) -> Option<&'a model::jobs::Job> {
    d.jobs.rows().iter().find(|j| &*j.proc_name == "tick")
}

fn daily<'a>(d: &'a Seen) -> Option<&'a model::caggs::Cagg> {
    d.caggs
        .rows()
        .iter()
        .find(|c| c.schema == "fresh" && c.name == "m_daily")
}

fn index<'a>(d: &'a Seen, name: &str) -> Option<&'a model::indexes::Index> {
    d.indexes.rows().iter().find(|i| &*i.name == name)
}

/// A run of the tick job as its worker leaves it: `runs` in all, the last one `succeeded`.
fn run(conninfo: &str, runs: i64, succeeded: bool) {
    let job = psql(
        conninfo,
        "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'tick'",
    );
    let failures = i64::from(!succeeded);
    psql(
        conninfo,
        &job_stat_row(
            job.trim(),
            &format!(
                "now() - interval '1 minute', now(), now() + interval '1 hour', now(), {succeeded}, {runs},
                 interval '10 seconds', interval '{failures} seconds', {runs} - {failures},
                 {failures}, 0, {failures}, 0"
            ),
        ),
    );
}

/// The database's `fresh.m` on disk as hypertable_detailed_size says.
fn truth_bytes(conninfo: &str) -> i64 {
    psql(
        conninfo,
        "SELECT total_bytes FROM hypertable_detailed_size('fresh.m')",
    )
    .trim()
    .parse()
    .unwrap_or(-1)
}

/// The console's reading machinery on one database, left running: its link, its poller (one
/// task per kind, each keeping what it learns between refreshes), its state.
struct Console {
    poller: Poller,
    results: tokio::sync::mpsc::UnboundedReceiver<(
        hypertop::poller::QueryResult,
        hypertop::poller::Turn,
    )>,
    state: AppState,
    _link: Link,
}

/// What a refresh cycle asks: what the overview and every tab the change kinds show read.
const KINDS: [QueryKind; 5] = [
    QueryKind::Summary,
    QueryKind::Catalog,
    QueryKind::Jobs,
    QueryKind::Caggs,
    QueryKind::Activity,
];

impl Console {
    async fn open(conninfo: &str) -> Console {
        let connector = connector_for(conninfo);
        let session = connector.connect().await.unwrap();
        let caps = Capabilities::detect(&session.client).await.unwrap();
        let link = Link::start(connector, Some((session, caps.clone())));
        let (tx, results) = tokio::sync::mpsc::unbounded_channel();
        let poller = Poller::start(&link, None, tx, Duration::from_secs(60));
        let mut state = AppState::new("fresh".into(), Duration::from_secs(2), true, true);
        state.data.caps = Some(caps);
        let mut console = Console {
            poller,
            results,
            state,
            _link: link,
        };
        console.cycle().await;
        console
    }

    /// One refresh cycle: every kind asked as the timer asks it, each answer taken in.
    async fn cycle(&mut self) {
        for kind in KINDS {
            self.poller.request(kind, None);
        }
        let mut left: Vec<QueryKind> = KINDS.to_vec();
        while !left.is_empty() {
            let (result, turn) = tokio::time::timeout(Duration::from_secs(60), self.results.recv())
                .await
                .expect("an answer within a minute")
                .expect("the poller runs");
            left.retain(|k| *k != result.kind);
            if let Err(e) = &result.result {
                panic!("{:?} failed: {e}", result.kind);
            }
            self.state.on_result(result);
            drop(turn);
        }
    }
}

/// The exporter's reader of one target, kept between scrapes.
struct Exporter(Arc<hypertop::exporter::Target>);

impl Exporter {
    fn open(conninfo: &str) -> Exporter {
        let target = hypertop::exporter::Target::new(
            "fresh".into(),
            connector_for(conninfo),
            Default::default(),
        );
        Exporter(Arc::new(target))
    }

    async fn scrape(&self) -> Arc<Dataset> {
        let opts = hypertop::exporter::Options {
            cache_for: Duration::ZERO,
            deadline: Duration::from_secs(60),
            second_session: false,
        };
        let (stats, data) = self.0.read(&opts, Duration::from_secs(60)).await;
        assert!(stats.up, "the target answers");
        data.expect("a scrape's data")
    }
}

/// A one-shot read (`check`, `snapshot`) that starts from what the last one kept, as a new
/// process takes it in and as the recording keeps it: only the parts that changed since they
/// were taken are written again, the others stay as they were.
async fn one_shot(conninfo: &str, parts: &mut Vec<(String, i64, Vec<u8>)>) -> Dataset {
    let session = connector_for(conninfo).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    let mut kept = Kept::one_shot(true);
    let now = chrono::Utc::now().timestamp_millis();
    let mut written = Default::default();
    kept.import(parts, now, &mut written);
    let data =
        Dataset::read_all_keeping(&session.client, None, &caps, &Default::default(), &mut kept)
            .await;
    for p in kept.export(now, &written) {
        parts.retain(|(name, ..)| name != p.name);
        parts.push((p.name.to_string(), now, p.value));
    }
    data
}

/// What a read from kept state and a cold one must agree on whatever moves meanwhile: each
/// hypertable's chunks, the indexes' chunk indexes, the aggregates' watermarks and holes.
fn shape(d: &Dataset) -> Vec<String> {
    let mut out: Vec<String> = (d.hypertables.rows().iter())
        .map(|h| {
            format!(
                "{}.{}: {} chunks, {} compressed",
                h.schema, h.name, h.chunks, h.compressed_chunks
            )
        })
        .chain(
            (d.indexes.rows().iter())
                .map(|i| format!("{}.{}: {} chunk indexes", i.schema, i.name, i.chunk_indexes)),
        )
        .chain((d.caggs.rows().iter()).map(|c| {
            format!(
                "{}.{}: {:?}, {} holes",
                c.schema,
                c.name,
                c.watermark_units(),
                c.holes.len()
            )
        }))
        .collect();
    out.sort();
    out
}

/// A transaction holding an xid, left open (a long report, a forgotten psql): what commits
/// meanwhile is below no bound a watch saw before it began.
async fn open_transaction(conninfo: &str) -> tokio_postgres::Client {
    let session = connector_for(conninfo).connect().await.unwrap();
    (session.client)
        .batch_execute("BEGIN; SELECT pg_catalog.pg_current_xact_id()")
        .await
        .unwrap();
    session.client
}

async fn every_change_shows_within_two_cycles_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    psql(conninfo, FIXTURE);
    psql(
        conninfo,
        "CALL refresh_continuous_aggregate('fresh.m_daily', '2024-01-01', '2024-01-06')",
    );
    let mut console = Console::open(conninfo).await;
    let exporter = Exporter::open(conninfo);
    exporter.scrape().await;
    let mut kept = Vec::new();
    one_shot(conninfo, &mut kept).await;
    let mut open = None;
    for change in changes() {
        // on a native server, a transaction left open from before the aggregate's refresh to
        // after the rows written below its watermark (the chunk they make commits above what
        // the watches saw before it began)
        if server.native && change.kind == "a continuous aggregate refreshed" {
            open = Some(open_transaction(conninfo).await);
        }
        (change.make)(conninfo);
        let truth = truth_bytes(conninfo);
        let seen = |d: &Dataset| {
            (change.shows)(&Seen {
                data: d,
                truth_bytes: truth,
            })
        };
        if change.may_fail && !seen(&one_shot(conninfo, &mut Vec::new()).await) {
            eprintln!("{}: {} cannot be made here", server.label, change.kind);
            continue;
        }
        // the console: at the first cycle after the commit, or the second
        let mut cycles = 0;
        while !seen(&console.state.data) {
            cycles += 1;
            assert!(
                cycles <= 2,
                "{}: {}: not seen by the console after two refreshes",
                server.label,
                change.kind
            );
            console.cycle().await;
        }
        // the exporter at its next scrape; a one-shot read from what the last kept, at once
        assert!(
            seen(&*exporter.scrape().await),
            "{}: {}: not seen by the next scrape",
            server.label,
            change.kind
        );
        let from_kept = one_shot(conninfo, &mut kept).await;
        assert!(
            seen(&from_kept),
            "{}: {}: not seen by a one-shot read from what the last kept",
            server.label,
            change.kind
        );
        // nor anything an earlier change made lost from what is kept
        let cold = one_shot(conninfo, &mut Vec::new()).await;
        assert_eq!(
            shape(&from_kept),
            shape(&cold),
            "{}: after {}: a one-shot read from what the last kept differs from a cold one",
            server.label,
            change.kind
        );
        if change.kind.contains("(a hole)") {
            drop(open.take());
        }
    }
}

#[tokio::test]
async fn every_change_shows_within_two_refreshes_at_the_next_scrape_and_at_once_from_kept_state() {
    let engine = engine_with_files(&[]);
    let servers = engine_and_newest_natives(&engine, "fresh");
    on_each(servers, every_change_shows_within_two_cycles_on).await;
}

/// The watches a refresh runs every time keep one plan on their session (after PostgreSQL's
/// five runs planned for the values given), on every TimescaleDB version's catalog: planned
/// again at every refresh, a watch costs its planning beside its run (a watch that read the
/// chunks whole only when asked from no horizon had PostgreSQL plan it anew every time).
#[tokio::test]
async fn the_watches_and_the_segment_statistics_keep_one_plan() {
    let engine = Tsdb {
        label: "engine".into(),
        conninfo: action_engine().conninfo(),
        native: false,
    };
    let natives = native_tsdb_versions().iter().map(|v| Tsdb {
        label: v.label(),
        conninfo: native_tsdb_database(v, None, "planned"),
        native: true,
    });
    on_each(std::iter::once(engine).chain(natives), async |server| {
        let conninfo = &server.conninfo;
        in_fresh_schema(
            conninfo,
            "planned",
            "CREATE TABLE planned.m (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('planned.m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO planned.m SELECT '2024-01-01'::timestamptz + g * interval '1 day', g
               FROM generate_series(0, 4) g;
             ALTER TABLE planned.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'v');",
        );
        let session = connector_for(conninfo).connect().await.unwrap();
        let caps = Capabilities::detect(&session.client).await.unwrap();
        let mut kept = model::Cache::default();
        for i in 0..9 {
            // a chunk made between refreshes: the watches answer rows, not only counts
            psql(
                conninfo,
                &format!("INSERT INTO planned.m VALUES ('2025-01-01'::timestamptz + {i} * interval '1 day', {i})"),
            );
            model::fetch_with(QueryKind::Catalog, None, &session.client, None, &caps, &mut kept)
                .await
                .unwrap();
        }
        let plans: Vec<(String, i64, i64)> = (session.client)
            .query(
                "SELECT split_part(statement, E'\\n', 1), generic_plans, custom_plans
                   FROM pg_catalog.pg_prepared_statements
                  WHERE statement LIKE '-- The catalog pass''s watch over%'
                     -- read again for a segmented hypertable whose chunks moved: at every
                     -- refresh here (planned for its ids, each read was planned anew)
                     OR statement LIKE '-- Each compressed hypertable''s segmentby columns%'",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        assert_eq!(plans.len(), 3, "both watches and the segment statistics: {plans:?}");
        for (statement, generic, custom) in plans {
            // the segment statistics' first read is of every hypertable, the next eight of one
            let runs = match statement.starts_with("-- Each compressed") {
                true => 3,
                false => 4,
            };
            assert!(
                custom <= 5 && generic >= runs,
                "{statement}: {generic} runs on its one plan, {custom} planned for their values"
            );
        }
    })
    .await;
}

/// A console's watches rest every other refresh when the statistics count nothing written into
/// their tables. A change whose session has not reported its counts yet (it reported less
/// than a second before: it holds them for up to 10 s) is then missed by the refresh that
/// rests, and seen by the next, which scans whatever the counts say: within two refreshes.
/// The exporter's and a one-shot read's watches never rest. Where the statistics count
/// nothing (the engine), every refresh scans.
#[tokio::test]
async fn a_change_not_yet_counted_is_seen_by_the_refresh_after_a_rest() {
    let engine = engine_with_files(&[]);
    let servers = engine_and_newest_natives(&engine, "resting");
    on_each(servers, async |server| {
        let conninfo = &server.conninfo;
        in_fresh_schema(
            conninfo,
            "resting",
            "CREATE TABLE resting.m (t timestamptz NOT NULL, d int, v float8);
             SELECT create_hypertable('resting.m', 't', chunk_time_interval => interval '1 day');
             INSERT INTO resting.m SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g % 4, g
               FROM generate_series(0, 71) g;
             ALTER TABLE resting.m SET (timescaledb.compress, timescaledb.compress_segmentby = 'd');
             CREATE PROCEDURE resting.tock(job_id int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;
             SELECT add_job('resting.tock', '1 day', initial_start => now() + interval '1 day');",
        );
        let session = connector_for(conninfo).connect().await.unwrap();
        let caps = Capabilities::detect(&session.client).await.unwrap();
        let mut caches = [QueryKind::Catalog, QueryKind::Jobs].map(|kind| {
            let cache = model::Cache {
                rests: true,
                ..model::Cache::default()
            };
            (kind, cache)
        });
        let mut data = Dataset::new(Some(caps.clone()));
        let mut refresh = async |data: &mut Dataset| {
            for (kind, cache) in &mut caches {
                let read =
                    model::fetch_with(*kind, None, &session.client, None, &caps, cache).await;
                let read = read.map_err(|e| hypertop::model::ReadError::of(&e));
                data.apply(*kind, read, chrono::Utc::now(), Duration::ZERO);
            }
            let [(_, catalog), (_, jobs)] = &caches;
            (catalog.catalog.watch_rests, jobs.jobs.rests)
        };
        let compressed = |d: &Dataset| {
            (d.compression.rows().iter())
                .find(|c| &*c.schema == "resting" && &*c.name == "m")
                .map(|c| c.compressed_chunks)
        };
        let paused = |d: &Dataset| {
            (d.jobs.rows().iter())
                .find(|j| &*j.proc_name == "tock")
                .map(|j| !j.scheduled)
        };
        // the first refresh scans, the second rests (nothing was written), the third scans
        let first = refresh(&mut data).await;
        let second = refresh(&mut data).await;
        let third = refresh(&mut data).await;
        assert_eq!((compressed(&data), paused(&data)), (Some(0), Some(false)));
        let counted = server.native;
        match counted {
            true => {
                assert_eq!(first, (0, 0), "{}: the first refresh scans", server.label);
                assert_eq!(second, (1, 1), "{}: the second rests", server.label);
                assert_eq!(third, (1, 1), "{}: never twice in a row", server.label);
            }
            false => assert_eq!(third, (0, 0), "{}: nothing counted: no rest", server.label),
        }
        // a session that reported its counts a moment ago (a row written, then idle) compresses
        // a chunk and pauses the job: it holds their counts
        let writer = connector_for(conninfo).connect().await.unwrap();
        let write = async |sql: &str| writer.client.batch_execute(sql).await.unwrap();
        write("INSERT INTO resting.m VALUES ('2024-01-02 00:30', 1, 1)").await;
        write(
            "SELECT public.compress_chunk(c) FROM public.show_chunks('resting.m') c ORDER BY c LIMIT 1;
             SELECT public.alter_job(id, scheduled => false) FROM _timescaledb_config.bgw_job
              WHERE proc_name = 'tock';",
        )
        .await;
        let mut refreshes = 0;
        while compressed(&data) != Some(1) || paused(&data) != Some(true) {
            refreshes += 1;
            assert!(
                refreshes <= 2,
                "{}: not seen after two refreshes: compressed {:?}, paused {:?}",
                server.label,
                compressed(&data),
                paused(&data)
            );
            let rests = refresh(&mut data).await;
            if counted && refreshes == 1 {
                // the change made relations (the compressed chunk's): the catalog's watch,
                // which rested, scanned at once; the jobs' rested, its counts not reported
                assert_eq!(rests, (1, 2), "{}: the refresh after the change", server.label);
                assert_eq!(paused(&data), Some(false), "{}: rested, not seen", server.label);
            }
        }
        drop(writer);
    })
    .await;
}
