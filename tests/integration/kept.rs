//! A one-shot read (`snapshot`, `check`) starts from what the last one kept in the target's
//! recording (the sizes, the catalog's structure, the relations' rows, the aggregates' probes),
//! checked as a refresh checks its own: the second read lists no files, reads no structure and
//! measures only what moved, and no change — writes, ANALYZE, a rewrite, a statistics reset, a
//! restart, a restored backup, DDL, another role — ever lets a stale value through.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engines::{
    engine_and_newest_natives, engine_with_files, native_database, native_tsdb_database,
};
use crate::engines::{native_tsdb_versions, on_each, psql, PrivateCluster, Tsdb};

/// Every relation's forks, as `server.database_bytes` adds them up.
const DATABASE_BYTES: &str = "SELECT sum(pg_relation_size(oid, 'main') + pg_relation_size(oid, 'fsm')
                                  + pg_relation_size(oid, 'vm') + pg_relation_size(oid, 'init'))::bigint
                             FROM pg_class WHERE relkind IN ('r', 't', 'i', 'm', 'S') AND relpersistence <> 't'";

fn snapshot(state: &std::path::Path, conninfo: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["snapshot", conninfo])
        .stdin(Stdio::null())
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn shown(state: &std::path::Path, conninfo: &str) -> i64 {
    snapshot(state, conninfo)["server"]["database_bytes"]
        .as_i64()
        .unwrap()
}

fn truth(conninfo: &str) -> i64 {
    psql(conninfo, DATABASE_BYTES).trim().parse().unwrap()
}

/// One-shot reads until the database's size equals what PostgreSQL's functions say (a backend
/// reports its writes to the statistics within seconds): a size kept stale would never.
fn agrees(state: &std::path::Path, conninfo: &str, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (ours, theirs) = (shown(state, conninfo), truth(conninfo));
        if ours == theirs {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{when}: shown {ours} against {theirs}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// Forgets what was counted in this database only (tests on other databases count at once).
pub(crate) const RESET: &str = "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database
                                                      WHERE datname = current_database()), 0)";

/// The statements of this database's reads that listed its files, and the server's time for
/// every statement of the read, from pg_stat_statements (None where it is not loaded).
struct Counted {
    listings: i64,
    server_ms: f64,
    statements: i64,
}

pub(crate) fn counting(conninfo: &str) -> bool {
    let loaded = psql(conninfo, "SHOW shared_preload_libraries").contains("pg_stat_statements");
    if loaded {
        psql(
            conninfo,
            &format!("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; {RESET}"),
        );
    }
    loaded
}

fn counted(conninfo: &str) -> Counted {
    let row = psql(
        conninfo,
        "SELECT coalesce(sum(calls) FILTER (WHERE query LIKE '%pg_ls_dir%'), 0),
                coalesce(sum(total_exec_time), 0), coalesce(sum(calls), 0)
           FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND query NOT LIKE '%pg_stat_statements%'",
    );
    let v: Vec<&str> = row.split('|').map(str::trim).collect();
    let counted = Counted {
        listings: v[0].parse().unwrap(),
        server_ms: v[1].parse().unwrap(),
        statements: v[2].parse().unwrap(),
    };
    psql(conninfo, RESET);
    counted
}

/// kept_t's rows and index, after the table is made.
macro_rules! kept_rows {
    () => {
        "INSERT INTO kept_t SELECT i, repeat('x', 200) FROM generate_series(1, 20000) i;
         CREATE INDEX ON kept_t (id);"
    };
}

const TABLE: &str = concat!(
    "DROP TABLE IF EXISTS kept_t; CREATE TABLE kept_t (id int, pad text);",
    kept_rows!()
);

/// The same table, left alone by autovacuum. A process watches the tables it has seen written;
/// a VACUUM of one written before it started (autovacuum's first adds the table's visibility
/// map, a page, and counts no row written) is measured by its full read every 10 minutes
/// (docs/architecture.md), not by its watches: a VACUUM is not what this test is about.
const TABLE_NOT_VACUUMED: &str = concat!(
    "DROP TABLE IF EXISTS kept_t;
     CREATE TABLE kept_t (id int, pad text) WITH (autovacuum_enabled = off);",
    kept_rows!()
);

/// Kept sizes against every change that moves a relation's files, on one database.
fn never_stale(conninfo: &str) {
    let _counting = crate::engines::counting_statements();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    psql(conninfo, TABLE);
    let pgss = counting(conninfo);
    agrees(state, conninfo, "a first read");
    let cold = pgss.then(|| counted(conninfo));
    agrees(state, conninfo, "a read from what was kept");
    if let (Some(cold), true) = (cold, pgss) {
        let warm = counted(conninfo);
        eprintln!(
            "cold: {} statements, {:.1} ms of the server's; from what was kept: {} statements, {:.1} ms",
            cold.statements, cold.server_ms, warm.statements, warm.server_ms
        );
        assert!(cold.listings >= 1, "the first read lists the files");
        assert_eq!(warm.listings, 0, "nothing moved: no file is listed");
    }
    for (change, sql) in [
        (
            "writes",
            "INSERT INTO kept_t SELECT i, repeat('y', 300) FROM generate_series(1, 5000) i",
        ),
        ("ANALYZE", "ANALYZE kept_t"),
        ("a rewrite", "VACUUM FULL kept_t"),
        ("deletes", "DELETE FROM kept_t WHERE id % 3 = 0"),
        ("a VACUUM", "VACUUM kept_t"),
    ] {
        psql(conninfo, sql);
        agrees(state, conninfo, change);
    }
    // A reset sets the counters back to what they were when the size was kept: right after an
    // ANALYZE (nothing changed since, nothing dead), the version then equals the one kept.
    // (one table's first: the database's leaves the catalog's changes uncounted, and nothing
    // is kept until they are counted again)
    for reset in [
        "SELECT pg_stat_reset_single_table_counters('kept_t'::regclass)",
        "SELECT pg_stat_reset()",
    ] {
        psql(conninfo, "VACUUM ANALYZE kept_t");
        agrees(state, conninfo, "after VACUUM ANALYZE");
        // the writes reported (their session ended), then the reset
        psql(
            conninfo,
            "INSERT INTO kept_t SELECT i, repeat('z', 500) FROM generate_series(1, 4000) i",
        );
        psql(conninfo, reset);
        agrees(state, conninfo, reset);
    }
}

/// Each native server's newest TimescaleDB, and plain PostgreSQL.
#[tokio::test]
async fn what_a_one_shot_read_keeps_is_never_stale() {
    let mut servers = crate::engines::newest_native_servers("kept", None);
    servers.push(Tsdb {
        label: "native PostgreSQL".into(),
        conninfo: native_database("kept"),
        native: true,
    });
    on_each(servers, async |s: &Tsdb| never_stale(&s.conninfo)).await;
}

/// A restart, and a backup restored over the data kept sizes were measured on: the server's
/// start makes what was kept another server's, and the read measures everything again.
#[test]
fn a_restart_or_a_restored_backup_starts_from_nothing_kept() {
    let cluster = PrivateCluster::plain();
    let conninfo = cluster.admin_conninfo();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    psql(&conninfo, TABLE);
    agrees(state, &conninfo, "a first read");
    cluster.stop();
    let data = cluster.dir.join("data");
    let backup = cluster.dir.join("backup");
    let copy = |from: &std::path::Path, to: &std::path::Path| {
        let _ = std::fs::remove_dir_all(to);
        let ok = Command::new("cp")
            .args(["-a", from.to_str().unwrap(), to.to_str().unwrap()])
            .status()
            .unwrap();
        assert!(ok.success());
    };
    copy(&data, &backup);
    cluster.start();
    psql(
        &conninfo,
        "INSERT INTO kept_t SELECT i, repeat('w', 900) FROM generate_series(1, 30000) i",
    );
    agrees(state, &conninfo, "after a restart and writes");
    // the backup back in place: smaller files, the same relations
    cluster.stop();
    copy(&backup, &data);
    cluster.start();
    agrees(state, &conninfo, "after a restored backup");
}

/// A database with `fixture` on the newest TimescaleDB of a native server that counts
/// statements (pg_stat_statements loaded); None, said, where none does.
fn counted_database(fixture: Option<&str>, tag: &str) -> Option<String> {
    let counts = |v: &&crate::engines::NativeVersion| {
        let conninfo = format!("{} dbname=postgres", v.base);
        psql(&conninfo, "SHOW shared_preload_libraries").contains("pg_stat_statements")
    };
    let Some(v) = native_tsdb_versions().iter().rev().find(counts) else {
        eprintln!("no native server with pg_stat_statements: nothing to count with");
        return None;
    };
    Some(native_tsdb_database(v, fixture, tag))
}

/// A new exporter starts from the sizes `check` kept: its first scrape lists no file, and its
/// database size is PostgreSQL's.
#[test]
fn a_new_exporter_starts_from_what_check_kept() {
    let Some(conninfo) = counted_database(None, "kept_exporter") else {
        return;
    };
    let _counting = crate::engines::counting_statements();
    psql(&conninfo, TABLE_NOT_VACUUMED);
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    let check = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args(["check", &conninfo])
        .stdin(Stdio::null())
        .env("XDG_STATE_HOME", state)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&check.stdout).starts_with("HYPERTOP "),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(counting(&conninfo));
    let port = crate::engines::free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
        .args([
            "exporter",
            "--listen",
            &format!("127.0.0.1:{port}"),
            &conninfo,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env("XDG_STATE_HOME", state)
        .spawn()
        .unwrap();
    // scraped until the size is what PostgreSQL's functions say (another test's session or an
    // autovacuum may write between a scrape and the truth read after it)
    let start = Instant::now();
    let size = |body: &str| -> Option<i64> {
        body.lines()
            .find(|l| l.starts_with("hypertop_database_size_bytes"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .map(|v| v as i64)
    };
    loop {
        let got = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut s| {
                use std::io::{Read, Write};
                s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").ok()?;
                let mut body = String::new();
                s.read_to_string(&mut body).ok()?;
                Some(body)
            });
        let shown = got.as_deref().and_then(size);
        let truth = truth(&conninfo);
        if shown == Some(truth) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "exported {shown:?}, PostgreSQL says {truth}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let _ = child.kill();
    let _ = child.wait();
    let listed = counted(&conninfo);
    assert_eq!(
        listed.listings, 0,
        "the exporter's first read listed the files"
    );
}

/// The tabs the catalog's structure and the relations' rows make, and the aggregates' (their
/// holes come from the probes kept; their lag moves with the clock).
pub(crate) fn structured(v: &Value) -> Value {
    let mut caggs = v["caggs"].clone();
    for c in caggs.as_array_mut().into_iter().flatten() {
        c.as_object_mut().unwrap().remove("lag_seconds");
    }
    let keys = ["hypertables", "compression", "retention", "indexes"];
    let tabs = keys.iter().map(|k| (k.to_string(), v[k].clone()));
    tabs.chain([("caggs".to_string(), caggs)]).collect()
}

/// Counts statements from a read that keeps (the extension made before: that is DDL too).
fn counting_kept(state: &std::path::Path, conninfo: &str) -> bool {
    let pgss = counting(conninfo);
    snapshot(state, conninfo);
    if pgss {
        psql(conninfo, RESET);
    }
    pgss
}

/// A read from what `state` keeps shows what a read from nothing shows, once the statistics
/// have caught up with `when` (a structure kept stale never would).
fn same_as_cold(state: &std::path::Path, conninfo: &str, when: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let kept = structured(&snapshot(state, conninfo));
        let cold = structured(&snapshot(tempfile::tempdir().unwrap().path(), conninfo));
        if kept == cold {
            return;
        }
        if Instant::now() > deadline {
            for (k, v) in cold.as_object().unwrap() {
                assert_eq!(
                    kept[k], *v,
                    "{when}: {k} from what was kept, against a cold read"
                );
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// How many of the counted statements read the catalog's structure (`table_chunks.sql`,
/// `chunk_indexes.sql`) or the relations' rows (`tables.sql`), told by their own text
/// (PostgreSQL 18 keeps no leading comment).
pub(crate) fn structure_reads(conninfo: &str) -> i64 {
    psql(
        conninfo,
        "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
          WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND (query LIKE '%array_agg(ch.hypertable_id) AS hypertable_ids%'
                 OR query LIKE '%array_agg(x.indexrelid) AS indexes%'
                 OR query LIKE '%AS compress_after_interval%')",
    )
    .trim()
    .parse()
    .unwrap()
}

/// DDL of every kind the structure or the relations' rows hold, on `tests/fixtures/scenario.sql`.
const CHANGES: [(&str, &str); 8] = [
    ("an index made", "CREATE INDEX kept_logs_msg ON scn.logs (msg)"),
    (
        "a hypertable made over rows",
        "CREATE TABLE scn.kept_new (ts timestamptz NOT NULL, v int);
         INSERT INTO scn.kept_new SELECT now() - i * interval '1 hour', i FROM generate_series(0, 47) i;
         SELECT create_hypertable('scn.kept_new', 'ts', chunk_time_interval => interval '1 day',
                                  migrate_data => true)",
    ),
    ("a hypertable renamed", "ALTER TABLE scn.logs RENAME TO logs_kept"),
    (
        "a retention policy added",
        "SELECT add_retention_policy('scn.metrics', interval '400 days')",
    ),
    (
        "a chunk made after a column was dropped",
        "ALTER TABLE scn.logs_kept ADD COLUMN gone int; ALTER TABLE scn.logs_kept DROP COLUMN gone;
         INSERT INTO scn.logs_kept VALUES (now() + interval '3 days', 'later')",
    ),
    (
        "chunks dropped",
        "SELECT count(*) FROM drop_chunks('scn.logs_kept', older_than => now() - interval '5 days')",
    ),
    ("an index dropped", "DROP INDEX scn.metrics_time_dup"),
    ("a hypertable dropped", "DROP TABLE scn.kept_new"),
];

fn structure_kept(conninfo: &str) {
    let _counting = crate::engines::counting_statements();
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    let pgss = counting_kept(state, conninfo);
    snapshot(state, conninfo);
    if pgss {
        assert_eq!(
            structure_reads(conninfo),
            0,
            "nothing changed, and the structure or the rows were read again"
        );
    }
    same_as_cold(state, conninfo, "nothing changed");
    for (change, sql) in CHANGES {
        psql(conninfo, sql);
        // what was kept shows the change (a structure kept stale never would) ...
        same_as_cold(state, conninfo, change);
        // ... and so does the next read, from what that one kept (patched in place)
        same_as_cold(state, conninfo, &format!("{change}, read again"));
        // ... and what was read again is kept in its place: the next reads nothing again
        if pgss {
            snapshot(state, conninfo);
            psql(conninfo, RESET);
            snapshot(state, conninfo);
            assert_eq!(structure_reads(conninfo), 0, "{change}: not kept again");
        }
    }
}

/// The structure, the rows and the probes kept by one read are used by the next while the
/// catalog is the same, and read again at any DDL: every read from what was kept shows what a
/// read from nothing shows. On the engine, and each native server's newest TimescaleDB (there
/// counted: no structure read when nothing changed).
#[tokio::test]
async fn a_kept_structure_shows_what_a_cold_read_shows_through_any_ddl() {
    let engine = engine_with_files(&["tests/fixtures/scenario.sql"]);
    let mut servers = vec![Tsdb {
        label: "engine".into(),
        conninfo: engine.conninfo(),
        native: false,
    }];
    let scenario = Some("tests/fixtures/scenario.sql");
    servers.extend(crate::engines::newest_native_servers(
        "kept_structure",
        scenario,
    ));
    on_each(servers, async |s: &Tsdb| structure_kept(&s.conninfo)).await;
}

/// What one role's read kept is not another's: a role reading the same database into the same
/// recording reads the structure itself (one role may see what another may not).
#[test]
fn another_role_reads_for_itself() {
    let Some(conninfo) = counted_database(Some("tests/fixtures/scenario.sql"), "kept_role") else {
        return;
    };
    psql(
        &conninfo,
        "DO $$ BEGIN CREATE ROLE kept_reader LOGIN; EXCEPTION WHEN duplicate_object THEN END $$;
         GRANT pg_monitor TO kept_reader",
    );
    let _counting = crate::engines::counting_statements();
    let reader = conninfo.replace("user=postgres", "user=kept_reader");
    assert_ne!(reader, conninfo);
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    assert!(counting_kept(state, &conninfo));
    snapshot(state, &conninfo);
    assert_eq!(
        structure_reads(&conninfo),
        0,
        "the same role: what was kept is used"
    );
    snapshot(state, &reader);
    assert!(
        structure_reads(&conninfo) > 0,
        "another role's read took what the first kept"
    );
}

/// The aggregates' holes as a read from what `state` kept shows them.
fn holes_kept(state: &std::path::Path, conninfo: &str) -> usize {
    let v = snapshot(state, conninfo);
    (v["caggs"].as_array().into_iter().flatten())
        .filter(|c| c["schema"] == "kh" && c["name"] == "m_daily")
        .map(|c| c["holes"].as_array().map_or(0, Vec::len))
        .sum()
}

fn backfilled_hole_shown(conninfo: &str) {
    psql(
        conninfo,
        "CREATE EXTENSION IF NOT EXISTS timescaledb;
         DROP SCHEMA IF EXISTS kh CASCADE; CREATE SCHEMA kh;
         CREATE TABLE kh.m (t timestamptz NOT NULL, v float8);
         SELECT create_hypertable('kh.m', 't', chunk_time_interval => interval '1 day');
         INSERT INTO kh.m SELECT '2024-03-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 239) g;
         CREATE MATERIALIZED VIEW kh.m_daily WITH (timescaledb.continuous) AS
           SELECT time_bucket('1 day', t) AS b, avg(v) FROM kh.m GROUP BY 1 WITH NO DATA;",
    );
    psql(
        conninfo,
        "CALL refresh_continuous_aggregate('kh.m_daily', NULL, '2024-03-11')",
    );
    let state = tempfile::tempdir().unwrap();
    let state = state.path();
    // a full refresh, and two reads that keep their probes
    assert_eq!(holes_kept(state, conninfo), 0);
    assert_eq!(holes_kept(state, conninfo), 0);
    // rows written 30 days back, below the watermark probed
    psql(
        conninfo,
        "INSERT INTO kh.m SELECT '2024-01-31'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 23) g",
    );
    assert_eq!(
        holes_kept(state, conninfo),
        1,
        "a read from what was kept shows the hole at once"
    );
    // the watermark moves on as a refresh policy moves it, from above the old one
    psql(
        conninfo,
        "INSERT INTO kh.m SELECT '2024-03-11'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g",
    );
    psql(
        conninfo,
        "CALL refresh_continuous_aggregate('kh.m_daily', '2024-03-10', '2024-03-13')",
    );
    for read in ["after the watermark moved", "the read after"] {
        assert_eq!(
            holes_kept(state, conninfo),
            1,
            "{read}: the hole is still shown"
        );
    }
    let cold = tempfile::tempdir().unwrap();
    assert_eq!(
        holes_kept(cold.path(), conninfo),
        1,
        "as a cold read shows it"
    );
}

/// Rows backfilled below an aggregate's watermark that its kept probes had passed: `check` and
/// `snapshot` from what the last read kept show the hole at once, and still after the
/// watermark moves on from above (a probe kept as "nothing missing up to W" hid it for good).
#[tokio::test]
async fn a_hole_backfilled_below_kept_probes_shows_at_once_and_after_the_watermark_moves() {
    let engine = engine_with_files(&[]);
    let servers = engine_and_newest_natives(&engine, "kept_hole");
    on_each(servers, async |s: &Tsdb| backfilled_hole_shown(&s.conninfo)).await;
}

/// The tabs' definitions of `c`: each hypertable's, compression's (with its settings) and
/// retention's with its job's runs, as the tabs show them (their numbers left out: they move
/// with time).
fn definitions(c: &hypertop::model::catalog::Catalog) -> Vec<String> {
    let Ok(hypertop::model::catalog::RelationRows::Hypertables(t)) = &c.relations else {
        panic!("{:?}", c.relations)
    };
    (t.hypertables.iter().map(|h| format!("{:?}", h.definition)))
        .chain(
            t.compression
                .iter()
                .map(|c| format!("{:?} {:?} {:?}", c.definition, c.segmentby, c.orderby)),
        )
        .chain(t.retention.iter().map(|r| {
            format!(
                "{:?} ran {:?} {:?}, next {:?}",
                r.definition, r.last_run, r.last_run_status, r.next_start
            )
        }))
        .collect()
}

async fn catalog_read(
    s: &(
        hypertop::connect::Session,
        hypertop::capabilities::Capabilities,
    ),
    kept: &mut hypertop::model::Cache,
) -> hypertop::model::catalog::Catalog {
    use hypertop::model::{self, Payload, QueryKind};
    match model::fetch_with(QueryKind::Catalog, None, &s.0.client, None, &s.1, kept)
        .await
        .unwrap()
    {
        Payload::Catalog(c) => c,
        other => panic!("the catalog pass expected, got {other:?}"),
    }
}

/// Policies and definitions changed between two refreshes of a console: the tabs' rows of the
/// hypertables they name are read again and put in place of the kept ones (a job that names no
/// hypertable reads none; a row deleted is told by every row's id; a hypertable made or renamed
/// goes to its place in the server's order) — and what the tabs show is what a read from nothing
/// shows, each time.
#[tokio::test]
async fn the_rows_of_the_hypertables_a_change_names_are_read_again_and_only_theirs() {
    on_each(
        crate::engines::action_servers("rows_moved"),
        the_rows_of_the_hypertables_a_change_names_are_read_again_on,
    )
    .await;
}

async fn the_rows_of_the_hypertables_a_change_names_are_read_again_on(server: &Tsdb) {
    let conninfo = &server.conninfo;
    crate::engines::in_fresh_schema(
        conninfo,
        "rm",
        "CREATE TABLE rm.a (t timestamptz NOT NULL, d int, v float8);
         SELECT create_hypertable('rm.a', 't', chunk_time_interval => interval '1 day');
         ALTER TABLE rm.a SET (timescaledb.compress);
         CREATE TABLE rm.b (t timestamptz NOT NULL, d int, v float8);
         SELECT create_hypertable('rm.b', 't', chunk_time_interval => interval '1 day');
         INSERT INTO rm.a SELECT now() - g * interval '1 hour', g % 3, g FROM generate_series(0, 99) g;
         INSERT INTO rm.b SELECT now() - g * interval '1 hour', g % 3, g FROM generate_series(0, 99) g;
         CREATE PROCEDURE rm.noop(job int, config jsonb) LANGUAGE plpgsql AS $$ BEGIN END $$;",
    );
    let s = crate::engines::open_at(conninfo).await;
    let mut kept = hypertop::model::Cache::default();
    catalog_read(&s, &mut kept).await;
    let job = |proc: &str, table: &str| {
        psql(
            conninfo,
            &format!(
                "SELECT job_id FROM timescaledb_information.jobs
                  WHERE proc_name = '{proc}' AND hypertable_name = '{table}'"
            ),
        )
    };
    // (what changes, whether only the rows it names are read again)
    let mut changes: Vec<(&str, String, bool)> = vec![
        (
            "a compression policy added",
            "SELECT add_compression_policy('rm.a', interval '7 days')".into(),
            true,
        ),
        (
            "a retention policy added",
            "SELECT add_retention_policy('rm.b', interval '30 days')".into(),
            true,
        ),
    ];
    for (what, sql, by_hypertable) in changes.drain(..) {
        changed(&s, &mut kept, conninfo, what, &sql, Some(by_hypertable)).await;
    }
    let compress = job("policy_compression", "a");
    let retain = job("policy_retention", "b");
    let changes: Vec<(&str, String, Option<bool>)> = vec![
        (
            "a policy paused",
            format!("SELECT alter_job({compress}, scheduled => false)"),
            Some(true),
        ),
        (
            "a policy's threshold changed",
            format!(
                "SELECT alter_job(j.job_id, config => jsonb_set(j.config, '{{drop_after}}', '\"45 days\"'))
                   FROM timescaledb_information.jobs j WHERE j.job_id = {retain}"
            ),
            Some(true),
        ),
        // the settings are the structure's, read again alone: no tab row moves, nothing whole
        // (but on 2.9, whose ALTER makes the internal compressed hypertable anew)
        (
            ORDER_CHANGED,
            "ALTER TABLE rm.a SET (timescaledb.compress, timescaledb.compress_orderby = 'v DESC')".into(),
            None,
        ),
        (
            COMPRESSION_ENABLED,
            "ALTER TABLE rm.b SET (timescaledb.compress, timescaledb.compress_segmentby = 'd')".into(),
            Some(true),
        ),
        // a job of no hypertable: nothing of the tabs' rows to read
        (
            "a job of its own added",
            "SELECT add_job('rm.noop', '1 hour')".into(),
            None,
        ),
        // deletions: every row's id and hypertable read, set against the rows kept, tell
        // whose rows moved
        (
            "a policy removed",
            "SELECT remove_retention_policy('rm.b')".into(),
            Some(true),
        ),
        // a hypertable made or renamed: its row put at its place in the server's order
        (
            "a hypertable made (between two kept)",
            "CREATE TABLE rm.ab (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('rm.ab', 't')"
                .into(),
            Some(true),
        ),
        (
            "a hypertable made (after every kept one)",
            "CREATE TABLE rm.zz (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('rm.zz', 't')"
                .into(),
            Some(true),
        ),
        (
            RENAMED,
            "ALTER TABLE rm.zz RENAME TO aa".into(),
            Some(true),
        ),
        (
            "a continuous aggregate made",
            "CREATE MATERIALIZED VIEW rm.daily WITH (timescaledb.continuous) AS
               SELECT time_bucket(interval '1 day', t) AS day, avg(v) AS v FROM rm.a GROUP BY 1
             WITH NO DATA"
                .into(),
            Some(true),
        ),
        (
            "a continuous aggregate dropped",
            "DROP MATERIALIZED VIEW rm.daily".into(),
            Some(true),
        ),
        (
            "a hypertable dropped",
            "DROP TABLE rm.ab".into(),
            Some(true),
        ),
        (
            "two hypertables and a policy dropped at once",
            "SELECT add_retention_policy('rm.aa', interval '9 days');
             DROP TABLE rm.aa; DROP TABLE rm.b"
                .into(),
            Some(true),
        ),
    ];
    for (what, sql, by_hypertable) in changes {
        changed(&s, &mut kept, conninfo, what, &sql, by_hypertable).await;
    }
}

const COMPRESSION_ENABLED: &str = "a hypertable's compression settings changed";
const RENAMED: &str = "a hypertable renamed (to the first place)";
const ORDER_CHANGED: &str = "a hypertable's compression order changed";
/// The changes that may read the structure whole (see [`changed`]).
const IN_PLACE: [&str; 3] = [COMPRESSION_ENABLED, RENAMED, ORDER_CHANGED];

/// Makes the change `sql` and refreshes `kept` once: the tabs show what a read from nothing
/// shows; `by_hypertable`: whether the rows of the hypertables it names alone were read again
/// (Some(true)), every row (Some(false)), or none (None).
async fn changed(
    s: &(
        hypertop::connect::Session,
        hypertop::capabilities::Capabilities,
    ),
    kept: &mut hypertop::model::Cache,
    conninfo: &str,
    what: &str,
    sql: &str,
    by_hypertable: Option<bool>,
) {
    psql(conninfo, sql);
    let patched = kept.catalog.rows_patched;
    let listed = kept.catalog.listed_key();
    let structure_read = kept.catalog.structure_read;
    let ours = definitions(&catalog_read(s, kept).await);
    // a hypertable's own catalog row changed in place (renamed; compression set up to 2.28,
    // which makes an internal hypertable, on 2.9 anew at each ALTER): the structure is read
    // whole, and the tabs' rows with it; no other change here may read it whole
    let by_hypertable = match kept.catalog.structure_read != structure_read {
        true => {
            assert!(IN_PLACE.contains(&what), "{what}: the structure read whole");
            Some(false)
        }
        false => by_hypertable,
    };
    let cold = definitions(&catalog_read(s, &mut hypertop::model::Cache::default()).await);
    assert_eq!(ours, cold, "{what}: the tabs against a read from nothing");
    let (patched, whole) = (
        kept.catalog.rows_patched - patched,
        kept.catalog.listed_key() != listed,
    );
    let expected = match by_hypertable {
        Some(true) => (1, false),
        Some(false) => (0, true),
        None => (0, false),
    };
    assert_eq!(
        (patched, whole),
        expected,
        "{what}: (read again by hypertable, read whole)"
    );
}
