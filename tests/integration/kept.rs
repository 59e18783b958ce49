//! A one-shot read (`snapshot`, `check`) starts from the sizes the last one kept in the
//! target's recording, checked as a refresh checks its own: the second read lists no files and
//! measures only what moved, and no change — writes, ANALYZE, a rewrite, a statistics reset, a
//! restart or a restored backup — ever lets a stale size through.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::engines::{native_database, native_tsdb_database, native_tsdb_versions};
use crate::engines::{on_each, psql, PrivateCluster, Tsdb};

/// Every relation's forks, as `server.database_bytes` adds them up.
const DATABASE_BYTES: &str = "SELECT sum(pg_relation_size(oid, 'main') + pg_relation_size(oid, 'fsm')
                                  + pg_relation_size(oid, 'vm') + pg_relation_size(oid, 'init'))::bigint
                             FROM pg_class WHERE relkind IN ('r', 't', 'i', 'm', 'S')";

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

/// The statements of this database's reads that listed its files, and the server's time for
/// every statement of the read, from pg_stat_statements (None where it is not loaded).
struct Counted {
    listings: i64,
    server_ms: f64,
    statements: i64,
}

fn counting(conninfo: &str) -> bool {
    let loaded = psql(conninfo, "SHOW shared_preload_libraries").contains("pg_stat_statements");
    if loaded {
        psql(
            conninfo,
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()",
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
    psql(conninfo, "SELECT pg_stat_statements_reset()");
    counted
}

const TABLE: &str = "DROP TABLE IF EXISTS kept_t; CREATE TABLE kept_t (id int, pad text);
    INSERT INTO kept_t SELECT i, repeat('x', 200) FROM generate_series(1, 20000) i;
    CREATE INDEX ON kept_t (id);";

/// Kept sizes against every change that moves a relation's files, on one database.
fn never_stale(conninfo: &str) {
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
    let mut servers = crate::engines::newest_native_servers("kept");
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

/// A new exporter starts from the sizes `check` kept: its first scrape lists no file, and its
/// database size is PostgreSQL's.
#[test]
fn a_new_exporter_starts_from_what_check_kept() {
    let Some(v) = native_tsdb_versions().iter().rev().find(|v| {
        psql(
            &format!("{} dbname=postgres", v.base),
            "SHOW shared_preload_libraries",
        )
        .contains("pg_stat_statements")
    }) else {
        eprintln!("no native server with pg_stat_statements: nothing to count with");
        return;
    };
    let conninfo = native_tsdb_database(v, None, "kept_exporter");
    psql(&conninfo, TABLE);
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
    let start = Instant::now();
    let body = loop {
        let got = std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .and_then(|mut s| {
                use std::io::{Read, Write};
                s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").ok()?;
                let mut body = String::new();
                s.read_to_string(&mut body).ok()?;
                Some(body)
            });
        if let Some(body) = got.filter(|b| b.contains("hypertop_database_size_bytes")) {
            break body;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no scrape");
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = child.kill();
    let _ = child.wait();
    let size: i64 = body
        .lines()
        .find(|l| l.starts_with("hypertop_database_size_bytes"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap() as i64;
    let listed = counted(&conninfo);
    assert_eq!(
        listed.listings, 0,
        "the exporter's first read listed the files"
    );
    assert_eq!(size, truth(&conninfo));
}
