//! Where hypertop disagreed with TimescaleDB's own figures on databases built by TimescaleDB's
//! regression scripts, each case built the way the script builds it, on every version: hypertop
//! says what TimescaleDB's views and functions say.

use hypertop::capabilities::Capabilities;
use hypertop::connect::Session;
use hypertop::model::catalog::RelationRows;
use hypertop::model::hypertables::Chunk;
use hypertop::model::tables::Tables;
use hypertop::model::{Bound, DrillTarget, Payload, QueryKind};

use crate::engines::{
    fetch, has_job_history, in_fresh_schema, job_stat_row, on_own_empty_servers, open_at, psql,
    Tsdb,
};

/// The hypertables of a catalog pass.
async fn hypertables(s: &(Session, Capabilities)) -> Tables {
    let Payload::Catalog(catalog) = fetch(s, QueryKind::Catalog, None).await else {
        panic!("a catalog pass")
    };
    let Ok(RelationRows::Hypertables(t)) = catalog.relations else {
        panic!("hypertables")
    };
    t
}

/// The chunks of hypertable `schema`.`name`.
async fn chunks(s: &(Session, Capabilities), schema: &str, name: &str) -> Vec<Chunk> {
    let relation = DrillTarget::Relation {
        schema: schema.into(),
        name: name.into(),
    };
    let Payload::Chunks(_, chunks) = fetch(s, QueryKind::Chunks, Some(relation)).await else {
        panic!("chunks")
    };
    chunks
}

#[tokio::test]
async fn a_float_column_partitioned_by_an_integer_function_is_integer_time() {
    on_own_empty_servers("partfunc", float_partitioned).await;
}

/// bgw_policy's `part_time_now_func`: a float8 time column, an IMMUTABLE function making it a
/// bigint, chunks one unit wide. TimescaleDB calls its interval the integer 1 and its chunks'
/// ranges integers (2 to 4 here); hypertop showed 1e-06 s and ranges in 1970.
async fn float_partitioned(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "pf",
        "CREATE FUNCTION pf.time_partfunc(unixtime float8) RETURNS bigint
           LANGUAGE plpgsql IMMUTABLE AS $$ BEGIN RETURN unixtime::bigint; END $$;
         CREATE TABLE pf.part_time_now_func (time float8 NOT NULL, temp float8);
         SELECT create_hypertable('pf.part_time_now_func', 'time',
                                  time_partitioning_func => 'pf.time_partfunc',
                                  chunk_time_interval => 1);
         INSERT INTO pf.part_time_now_func VALUES (2.1, 23.4), (3, 21.3), (4, 27.1);",
    );
    let theirs: String = psql(
        c,
        "SELECT coalesce(integer_interval::text, 'time ' || time_interval)
           FROM timescaledb_information.dimensions WHERE hypertable_schema = 'pf'",
    );
    assert_eq!(theirs, "1");
    let ranges = psql(
        c,
        "SELECT string_agg(range_start_integer || '..' || range_end_integer, ' '
                           ORDER BY range_start_integer)
           FROM timescaledb_information.chunks WHERE hypertable_schema = 'pf'",
    );
    assert_eq!(ranges, "2..3 3..4 4..5");
    let s = open_at(c).await;
    let t = hypertables(&s).await;
    let h = t
        .hypertables
        .iter()
        .find(|h| &*h.schema == "pf")
        .expect("pf.part_time_now_func");
    assert_eq!((h.interval_integer, h.interval_seconds), (Some(1), None));
    assert_eq!(
        (h.range_start, h.range_end),
        (Some(Bound::Int(2)), Some(Bound::Int(5)))
    );
    let chunks = chunks(&s, "pf", "part_time_now_func").await;
    let mut ours: Vec<String> = chunks
        .iter()
        .map(|c| match (c.range_start, c.range_end) {
            (Some(Bound::Int(a)), Some(Bound::Int(b))) => format!("{a}..{b}"),
            other => format!("{other:?}"),
        })
        .collect();
    ours.sort();
    assert_eq!(ours.join(" "), ranges);
}

#[tokio::test]
async fn an_unqualified_integer_now_counts_as_the_policy_job_counts() {
    on_own_empty_servers("intnow", unqualified_integer_now).await;
}

/// continuous_agg_test's `SELECT coalesce(max(timeval), 0) FROM continuous_agg_test`: an
/// integer_now naming its table without a schema. TimescaleDB's policy jobs call it with their
/// owner's search_path and find the table; hypertop's own search_path (pg_catalog, pg_temp)
/// did not, so backlog, overdue and lag stayed empty. And where "now" cannot be had (a
/// function hypertop may not call), the backlog is unknown, not 0 chunks / 0 B.
async fn unqualified_integer_now(server: &Tsdb) {
    let c = &server.conninfo;
    let tenant = format!("intnow_tenant_{}", std::process::id());
    psql(
        c,
        &format!(
            "CREATE EXTENSION IF NOT EXISTS timescaledb;
             DROP TABLE IF EXISTS public.int_t; DROP TABLE IF EXISTS public.int_u;
             DO $$ BEGIN CREATE ROLE {tenant}; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
             CREATE TABLE public.int_t (timeval int NOT NULL, v int);
             SELECT create_hypertable('public.int_t', 'timeval', chunk_time_interval => 10);
             CREATE OR REPLACE FUNCTION public.int_t_now() RETURNS int LANGUAGE sql STABLE
               AS $$ SELECT coalesce(max(timeval), 0) FROM int_t $$;
             SELECT set_integer_now_func('public.int_t', 'public.int_t_now');
             INSERT INTO public.int_t SELECT g, g FROM generate_series(0, 99) g;
             ALTER TABLE public.int_t SET (timescaledb.compress);
             SELECT add_compression_policy('public.int_t', 30);
             SELECT add_retention_policy('public.int_t', 60);
             -- the same, its integer_now a tenant's: not called by a superuser's monitoring
             CREATE TABLE public.int_u (timeval int NOT NULL, v int);
             SELECT create_hypertable('public.int_u', 'timeval', chunk_time_interval => 10);
             CREATE OR REPLACE FUNCTION public.int_u_now() RETURNS int LANGUAGE sql STABLE
               AS $$ SELECT 99 $$;
             ALTER FUNCTION public.int_u_now() OWNER TO {tenant};
             SELECT set_integer_now_func('public.int_u', 'public.int_u_now');
             INSERT INTO public.int_u SELECT g, g FROM generate_series(0, 99) g;
             ALTER TABLE public.int_u SET (timescaledb.compress);
             SELECT add_compression_policy('public.int_u', 30);
             SELECT add_retention_policy('public.int_u', 60);"
        ),
    );
    // what the policies' next runs take, by TimescaleDB's own "now"
    let count = |upto: &str| -> i64 {
        psql(
            c,
            &format!(
                "SELECT count(*) FROM timescaledb_information.chunks
                  WHERE hypertable_name = 'int_t' AND range_end_integer <= public.int_t_now() - {upto}
                    AND NOT is_compressed"
            ),
        )
        .parse()
        .unwrap()
    };
    let (backlog, overdue) = (count("30"), count("60"));
    assert_eq!((backlog, overdue), (6, 3));
    let s = open_at(c).await;
    let t = hypertables(&s).await;
    let compression = |name: &str| {
        t.compression
            .iter()
            .find(|r| &*r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    let retention = |name: &str| {
        t.retention
            .iter()
            .find(|r| &*r.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .clone()
    };
    assert_eq!(compression("int_t").backlog_chunks, Some(backlog));
    assert_eq!(retention("int_t").overdue_chunks, Some(overdue));
    assert_eq!(compression("int_u").backlog_chunks, None, "unknown, not 0");
    assert_eq!(compression("int_u").backlog_bytes, None);
    assert_eq!(retention("int_u").overdue_chunks, None);
    // the monitoring session's own search_path is as it was
    let path: String =
        s.0.client
            .query_one("SELECT current_setting('search_path')", &[])
            .await
            .unwrap()
            .get(0);
    assert_eq!(path, "pg_catalog, pg_temp");
    psql(c, "DROP TABLE public.int_t; DROP TABLE public.int_u");
}

#[tokio::test]
async fn an_osm_chunk_counts_in_its_hypertables_size_and_nowhere_else() {
    on_own_empty_servers("osmsize", osm_chunk_sizes).await;
}

/// chunk_utils and compression_errors mark a chunk as an OSM chunk (tiered data, or a foreign
/// table attached as one) with `UPDATE _timescaledb_catalog.chunk SET osm_chunk = true`.
/// hypertable_detailed_size counts its bytes, show_chunks does not list it; hypertop left its
/// bytes out of the size.
async fn osm_chunk_sizes(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "osm",
        "CREATE TABLE osm.t (ts timestamptz NOT NULL, v int);
         CREATE INDEX ON osm.t (v);
         SELECT create_hypertable('osm.t', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO osm.t SELECT '2024-01-01'::timestamptz + g * interval '1 minute', g
           FROM generate_series(0, 2 * 1440 - 1) g;
         UPDATE _timescaledb_catalog.chunk SET osm_chunk = true
          WHERE id = (SELECT min(ch.id) FROM _timescaledb_catalog.chunk ch
                        JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                       WHERE h.schema_name = 'osm');",
    );
    // its chunks, the OSM one apart as the hypertables view counts them from 2.10 on (2.9's
    // view, and show_chunks up to 2.14, counted it with them)
    let theirs: Vec<i64> = psql(
        c,
        "SELECT (SELECT total_bytes FROM hypertable_detailed_size('osm.t')) || ' ' ||
                (SELECT count(*) FROM _timescaledb_catalog.chunk ch
                   JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                  WHERE h.schema_name = 'osm' AND NOT ch.osm_chunk)",
    )
    .split(' ')
    .map(|n| n.parse().unwrap())
    .collect();
    let s = open_at(c).await;
    let t = hypertables(&s).await;
    let h = t
        .hypertables
        .iter()
        .find(|h| &*h.schema == "osm")
        .expect("osm.t listed");
    assert_eq!(
        (h.total_bytes, h.chunks),
        (theirs[0], theirs[1]),
        "{}: total bytes as hypertable_detailed_size says, the OSM chunk not a chunk",
        server.label
    );
}

#[tokio::test]
async fn a_crash_record_has_no_start_and_a_crashed_job_is_not_one_that_never_ran() {
    on_own_empty_servers("crashrec", crash_record).await;
}

/// The bgw scripts' crash: a job started twice, its last run never marked ended (last_finish
/// and next_start -infinity, as mark_start leaves them), and the record the scheduler writes
/// when it reports the crash after a restart, which starts at zero (2000-01-01). hypertop said
/// Last "never", took the record for a 27-year run (9826d in the run picture's median and
/// longest) and turned the unset next start into an unknown one.
async fn crash_record(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "cr",
        "CREATE PROCEDURE cr.noop(job int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;",
    );
    let job: i32 = psql(
        c,
        "SELECT add_job('cr.noop', '1 day', scheduled => false, initial_start => now() + interval '1 day')",
    )
    .parse()
    .unwrap();
    let history = has_job_history(c);
    let crash = if history {
        format!(
            "INSERT INTO _timescaledb_internal.bgw_job_stat_history
                    (job_id, pid, execution_start, execution_finish, succeeded, data)
             VALUES ({job}, NULL, now() - interval '1 day', now() - interval '1 day' + interval '3 seconds', true, NULL),
                    ({job}, pg_backend_pid(), '2000-01-01 00:00:00+00', now(), false,
                     jsonb_build_object('job', jsonb_build_object('proc_schema', 'cr', 'proc_name', 'noop')));"
        )
    } else {
        format!(
            "INSERT INTO _timescaledb_internal.job_errors (job_id, pid, start_time, finish_time, error_data)
             VALUES ({job}, pg_backend_pid(), '2000-01-01 00:00:00+00', now(), NULL);"
        )
    };
    psql(
        c,
        &format!(
            "{crash}
             {}",
            job_stat_row(
                &job.to_string(),
                "now() - interval '1 hour', '-infinity', '-infinity',
                 now() - interval '1 day', false, 2, '3 seconds', '0', 1, 0, 1, 0, 1"
            )
        ),
    );
    let s = open_at(c).await;
    let Payload::Jobs(jobs) = fetch(&s, QueryKind::Jobs, None).await else {
        panic!("jobs")
    };
    let j = jobs
        .iter()
        .find(|j| j.job_id == job)
        .expect("the job listed");
    assert_eq!(j.total_runs, 2);
    assert_eq!(
        j.last_run_status.as_deref(),
        Some("Crashed"),
        "{}: a run started and never ended, no worker on it",
        server.label
    );
    assert!(j.last_run_started.is_some(), "{}", server.label);
    // the crash is a run in a row that did not succeed: the row said "Fails in row 0" beside it
    assert_eq!(j.consecutive_failures, 1, "{}", server.label);
    assert!(
        j.next_start.is_none() && j.next_start_unset,
        "{}: -infinity is a next start not set, not an unknown one",
        server.label
    );
    let Payload::JobRuns(_, runs) =
        fetch(&s, QueryKind::JobRuns, Some(DrillTarget::Job(job))).await
    else {
        panic!("runs")
    };
    let crash = runs
        .iter()
        .find(|r| r.crash_reported)
        .unwrap_or_else(|| panic!("{}: the crash record marked: {runs:?}", server.label));
    assert!(crash.start_time.is_none() && crash.finish_time.is_some());
    assert!(
        std::ptr::eq(crash, &runs[0]),
        "{}: the crash, newest by its end, comes first: {runs:?}",
        server.label
    );
    let picture = hypertop::pictures::job_runs(&runs, false).expect("a picture");
    let hypertop::pictures::Picture::Bars(bars) = picture else {
        panic!("bars")
    };
    // the crash has no duration: the one run with a start and an end sets the figures (before
    // 2.15 only errors are kept, and the crash is the only record)
    let figures = if history {
        " · median 3s · longest 3s"
    } else {
        ""
    };
    assert!(
        bars.legend.ends_with(&format!("x failed: 1{figures}")),
        "{}: {}",
        server.label,
        bars.legend
    );
}

#[tokio::test]
async fn no_figure_is_not_zero_bytes_and_a_frozen_chunk_says_so() {
    on_own_empty_servers("nofigure", no_figure_and_frozen).await;
}

/// compression_bgw's hypertables with compression enabled and nothing compressed yet:
/// hypertable_compression_stats says NULL before and after, hypertop said 0 B. And chunk_utils'
/// frozen chunk (freeze_chunk) was an ordinary one in the drill-down.
async fn no_figure_and_frozen(server: &Tsdb) {
    let c = &server.conninfo;
    in_fresh_schema(
        c,
        "nf",
        "CREATE TABLE nf.t (ts timestamptz NOT NULL, v int);
         SELECT create_hypertable('nf.t', 'ts', chunk_time_interval => interval '1 day');
         INSERT INTO nf.t SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g
           FROM generate_series(0, 47) g;
         ALTER TABLE nf.t SET (timescaledb.compress);
         DO $$ DECLARE c regclass := (SELECT min(s) FROM show_chunks('nf.t') s);
         BEGIN
           IF to_regproc('_timescaledb_functions.freeze_chunk') IS NOT NULL THEN
             PERFORM _timescaledb_functions.freeze_chunk(c);
           ELSE
             PERFORM _timescaledb_internal.freeze_chunk(c);
           END IF;
         END $$;",
    );
    let theirs = psql(
        c,
        "SELECT coalesce(before_compression_total_bytes::text, 'NULL') || ' ' ||
                coalesce(after_compression_total_bytes::text, 'NULL')
           FROM hypertable_compression_stats('nf.t')",
    );
    assert_eq!(theirs, "NULL NULL", "{}", server.label);
    let s = open_at(c).await;
    let t = hypertables(&s).await;
    let row = t
        .compression
        .iter()
        .find(|r| &*r.schema == "nf")
        .expect("nf.t on the Compression tab");
    assert_eq!(
        (row.before_bytes, row.after_bytes),
        (None, None),
        "{}: no figure, as hypertable_compression_stats says",
        server.label
    );
    let chunks = chunks(&s, "nf", "t").await;
    let frozen: Vec<bool> = chunks.iter().map(|c| c.frozen).collect();
    assert_eq!(
        frozen.iter().filter(|f| **f).count(),
        1,
        "{}: the frozen chunk marked: {chunks:?}",
        server.label
    );
}
