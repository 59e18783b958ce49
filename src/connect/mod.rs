//! Opening sessions: resolved settings → tokio-postgres config, TLS by `sslmode`, a password
//! prompt when the server asks for one, session settings, and errors a DBA can act on.

use std::io::IsTerminal;
use std::net::IpAddr;
use std::time::Duration;

use postgres_native_tls::MakeTlsConnector;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use crate::conninfo::{PasswordSource, Resolved};

mod errors;
mod probe;
pub mod sqlstate;
mod tls;

pub use errors::*;
pub use tls::TlsError;
use tls::*;

/// Session settings applied after connecting.
#[derive(Debug, Clone)]
pub struct SessionSettings {
    /// Zero: no limit (actions, which the operator can cancel).
    pub statement_timeout: Duration,
    /// How long a statement waits for a lock (None: the server's setting).
    pub lock_timeout: Option<Duration>,
    pub idle_in_transaction_timeout: Duration,
    pub read_only: bool,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            statement_timeout: Duration::from_secs(5),
            lock_timeout: None,
            idle_in_transaction_timeout: Duration::from_secs(60),
            read_only: false,
        }
    }
}

impl SessionSettings {
    /// A monitoring or planning session's: it waits for a lock no longer than an action would,
    /// and always less than its statement timeout, so that a wait behind a lock ends as a lock
    /// timeout (55P03, whose holder is then named), not as a statement timeout that names no one.
    pub fn monitoring(
        statement_timeout: Duration,
        lock_timeout: Duration,
        read_only: bool,
    ) -> SessionSettings {
        let below = statement_timeout.mul_f64(0.8).max(Duration::from_millis(1));
        SessionSettings {
            statement_timeout,
            lock_timeout: Some(lock_timeout.min(below)),
            read_only,
            ..SessionSettings::default()
        }
    }
}

/// An open session: the client, and a receiver that yields why the connection ended.
pub struct Session {
    pub client: Client,
    pub ended: tokio::sync::oneshot::Receiver<String>,
}

impl Session {
    /// Ends the session and waits (a second at most) for its connection to end on this side:
    /// tokio-postgres ends it once it has sent Terminate and shut its half of the socket, not
    /// when the server's backend has exited, which can take a moment longer (pg_stat_activity
    /// may show it beside a session opened right after).
    pub async fn close(self) {
        drop(self.client);
        let _ = tokio::time::timeout(Duration::from_secs(1), self.ended).await;
    }
}

/// Why a connection failed, each with its own wording and hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    UnknownHost,
    Refused,
    Timeout,
    NoSocket,
    /// Out of file descriptors (EMFILE, ENFILE): this side's limit, not the server's.
    NoDescriptors,
    BadPassword,
    PasswordRequired,
    AuthRejected,
    NoSuchDatabase,
    Tls,
    ServerNoTls,
    Config,
    Server,
    Other,
}

/// A connection failure: `target`, `reason`, `hint` make the one line printed before exiting.
#[derive(Debug, Clone)]
pub struct ConnectError {
    pub kind: FailureKind,
    pub target: String,
    pub reason: String,
    pub hint: String,
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot connect to {}: {}", self.target, self.reason)?;
        if !self.hint.is_empty() {
            write!(f, " (hint: {})", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for ConnectError {}

/// Builds sessions for one resolved target; cheap to clone and reused for every reconnect.
#[derive(Clone)]
pub struct Connector {
    resolved: Resolved,
    settings: SessionSettings,
    /// None with sslmode=disable: OpenSSL is then never initialised (a few megabytes of RSS).
    /// Shared by every connector with the same TLS settings ([`shared_tls`]).
    tls: Option<std::sync::Arc<MakeTlsConnector>>,
}

/// At most this many sessions to one server (host and port as given) are being opened by this
/// process at once, and as many one-shot reads (`check --all`) run on it: a fleet of 500
/// databases on one cluster opened 285 connections within two seconds, which can take a
/// server's max_connections from its own applications.
pub const PER_SERVER: usize = 8;

/// Per-server turns, by `host:port` (see [`Connector::turn`]).
pub struct Turns(
    std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Semaphore>>>,
    >,
);

impl Turns {
    const fn new() -> Turns {
        Turns(std::sync::LazyLock::new(Default::default))
    }
}

/// Sessions being opened.
static OPENING: Turns = Turns::new();
/// One-shot reads running (`check --all`), each on its own session.
pub static READING: Turns = Turns::new();

/// Seconds given to establishing a session when `connect_timeout` is not set.
const DEFAULT_CONNECT_TIMEOUT: u64 = 10;

impl Connector {
    pub fn new(resolved: Resolved, settings: SessionSettings) -> Result<Self, ConnectError> {
        let tls = match resolved.sslmode() {
            "disable" => None,
            _ => Some(shared_tls(&resolved).map_err(|reason| ConnectError {
                kind: FailureKind::Tls,
                target: resolved.target(),
                reason: reason.to_string(),
                hint: "check sslrootcert, sslcert and sslkey".into(),
            })?),
        };
        Ok(Connector {
            resolved,
            settings,
            tls,
        })
    }

    /// The same target with other session settings (e.g. the actions' session).
    pub fn with_settings(&self, settings: SessionSettings) -> Connector {
        Connector {
            settings,
            ..self.clone()
        }
    }

    /// The same target logged in as `user` (its password looked up for it), sharing this
    /// connector's TLS context.
    pub fn for_user(&self, user: &str, env: &crate::conninfo::Environment) -> Connector {
        Connector {
            resolved: self.resolved.for_user(user, env),
            ..self.clone()
        }
    }

    /// A turn among this process's [`PER_SERVER`] for this target's server in `turns`, held
    /// until the permit is dropped.
    pub async fn turn(&self, turns: &Turns) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let key = format!("{}:{}", self.resolved.host(), self.resolved.port());
        let gate = turns
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert_with(|| std::sync::Arc::new(tokio::sync::Semaphore::new(PER_SERVER)))
            .clone();
        // never closed: None is not reached
        gate.acquire_owned().await.ok()
    }

    pub fn settings(&self) -> &SessionSettings {
        &self.settings
    }

    /// Asks the server to cancel what `token`'s session is running (best effort).
    pub async fn cancel(
        &self,
        token: &tokio_postgres::CancelToken,
    ) -> Result<(), tokio_postgres::Error> {
        match &self.tls {
            Some(tls) => token.cancel_query(MakeTlsConnector::clone(tls)).await,
            None => token.cancel_query(tokio_postgres::NoTls).await,
        }
    }

    pub fn resolved(&self) -> &Resolved {
        &self.resolved
    }

    pub fn target(&self) -> String {
        self.resolved.target()
    }

    /// What the console says while it connects: where to, and how long it may take.
    pub fn connecting_note(&self) -> String {
        let per = self.connect_timeout().as_secs();
        match self.resolved.host().split(',').count() {
            1 => format!("connecting to {} (timeout {per} s)…", self.target()),
            n => format!(
                "connecting to {} (timeout {per} s for each address of {n} hosts)…",
                self.target()
            ),
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        let secs = self
            .resolved
            .get("connect_timeout")
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t > 0)
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        // libpq treats values below 2 as 2 seconds.
        Duration::from_secs(secs.max(2))
    }

    fn pg_config(&self) -> Result<tokio_postgres::Config, ConnectError> {
        let r = &self.resolved;
        let mut c = tokio_postgres::Config::new();
        for host in r.host().split(',') {
            c.host(host);
        }
        if let Some(addrs) = r.get("hostaddr") {
            for a in addrs.split(',') {
                let ip: IpAddr = a
                    .parse()
                    .map_err(|_| self.config_error(format!("invalid hostaddr \"{a}\"")))?;
                c.hostaddr(ip);
            }
        }
        for port in r.port().split(',') {
            c.port(port.parse().unwrap_or(5432));
        }
        c.user(r.user());
        c.dbname(r.dbname());
        if let Some(pw) = r.get("password") {
            c.password(pw);
        }
        if let Some(app) = r.get("application_name") {
            c.application_name(app);
        }
        if let Some(o) = r.get("options") {
            c.options(o);
        }
        c.ssl_mode(match r.sslmode() {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            _ => SslMode::Require,
        });
        c.connect_timeout(self.connect_timeout());
        // A dead peer (SSH dropped, host gone) must surface as an error, never a hang.
        c.keepalives(r.get("keepalives") != Some("0"));
        c.keepalives_idle(secs_setting(r, "keepalives_idle", 15));
        c.keepalives_interval(secs_setting(r, "keepalives_interval", 5));
        c.keepalives_retries(
            r.get("keepalives_count")
                .and_then(|v| v.parse().ok())
                .unwrap_or(3),
        );
        c.tcp_user_timeout(
            r.get("tcp_user_timeout")
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_millis)
                .unwrap_or(Duration::from_secs(30)),
        );
        if let Some(t) = r.get("target_session_attrs") {
            use tokio_postgres::config::TargetSessionAttrs;
            c.target_session_attrs(match t {
                "any" => TargetSessionAttrs::Any,
                "read-write" => TargetSessionAttrs::ReadWrite,
                "read-only" => TargetSessionAttrs::ReadOnly,
                other => {
                    return Err(self
                        .config_error(format!("invalid target_session_attrs value: \"{other}\"")))
                }
            });
        }
        Ok(c)
    }

    fn config_error(&self, reason: String) -> ConnectError {
        ConnectError {
            kind: FailureKind::Config,
            target: self.target(),
            reason,
            hint: String::new(),
        }
    }

    /// Opens a session and applies the session settings. The connection task is spawned on the
    /// current runtime; the returned [`Session::ended`] fires when the connection ends (the
    /// server closed it, it failed, or this side ended the session).
    pub async fn connect(&self) -> Result<Session, ConnectError> {
        // a turn among this process's sessions being opened to the same server
        let _opening = self.turn(&OPENING).await;
        let addresses = self.addresses().await?;
        let config = self.pg_config()?;
        let (client, ended) = match &self.tls {
            Some(tls) => {
                self.open(&config, MakeTlsConnector::clone(tls), addresses)
                    .await?
            }
            None => self.open(&config, tokio_postgres::NoTls, addresses).await?,
        };
        let s = &self.settings;
        // search_path: no object a less trusted role created (in public, say) can stand in for
        // a built-in that a query names without a schema.
        let mut setup = format!(
            "SET search_path = pg_catalog, pg_temp; SET statement_timeout = {}; SET idle_in_transaction_session_timeout = {}; SET default_transaction_read_only = {}",
            s.statement_timeout.as_millis(),
            s.idle_in_transaction_timeout.as_millis(),
            if s.read_only { "on" } else { "off" },
        );
        if let Some(l) = s.lock_timeout {
            setup.push_str(&format!("; SET lock_timeout = {}", l.as_millis()));
        }
        // A database owner can turn this off (ALTER DATABASE … SET); a literal's backslashes
        // would then escape its quotes. hypertop's literals read the same either way
        // (actions::literal); this is the second layer.
        setup.push_str("; SET standard_conforming_strings = on");
        // JIT compiles catalog queries whose row estimates look huge: seconds of server CPU per
        // refresh for milliseconds of work. Off for hypertop's own sessions (where it exists).
        setup.push_str(
            "; SELECT pg_catalog.set_config('jit', 'off', false) \
               WHERE pg_catalog.current_setting('jit', true) IS NOT NULL",
        );
        // No parallel workers: a catalog pass's Gather took two of the workload's worker slots
        // and two more backends' CPU for little (a snapshot was faster without them).
        setup.push_str("; SET max_parallel_workers_per_gather = 0");
        // A catalog pass reads two statistics of every index, once: kept per transaction (the
        // default, `cache`), each is also copied into a backend-local table first, which cost a
        // large share of index_numbers.sql's read. PG 15+.
        setup.push_str(
            "; SELECT pg_catalog.set_config('stats_fetch_consistency', 'none', false) \
               WHERE pg_catalog.current_setting('stats_fetch_consistency', true) IS NOT NULL",
        );
        // Catalog passes over 50,000 chunks sort and hash a few MB: at the default 4 MB they
        // spill to disk. Raised for hypertop's sessions only, never lowered.
        setup.push_str(
            "; SELECT pg_catalog.set_config('work_mem', '32MB', false) \
               WHERE pg_catalog.pg_size_bytes(pg_catalog.current_setting('work_mem')) < 33554432",
        );
        client
            .batch_execute(&setup)
            .await
            .map_err(|e| self.classify(&e))?;
        Ok(Session { client, ended })
    }

    /// The handshake within the time allowed, and the connection task spawned; `ended` fires
    /// with the reason when the connection ends.
    async fn open<T>(
        &self,
        config: &tokio_postgres::Config,
        tls: T,
        addresses: u32,
    ) -> Result<
        (
            tokio_postgres::Client,
            tokio::sync::oneshot::Receiver<String>,
        ),
        ConnectError,
    >
    where
        T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket>,
        T::Stream: Send + 'static,
    {
        // As libpq: connect_timeout bounds the attempt on each address in turn (tokio-postgres
        // bounds only the TCP connect; a server that accepts and never answers is bounded here).
        let limit = self.connect_timeout() * addresses;
        let attempt = config.connect(tls);
        let (client, connection) = match tokio::time::timeout(limit, attempt).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => {
                let e = self.classify(&e);
                if !matches!(e.kind, FailureKind::Other | FailureKind::Tls) {
                    return Err(e);
                }
                // told by no code or cause: ask the server's first answers again
                let seen = probe::look(&self.resolved, self.connect_timeout()).await;
                return Err(refine(seen, &self.resolved, e));
            }
            Err(_) => {
                return Err(ConnectError {
                    kind: FailureKind::Timeout,
                    target: self.target(),
                    reason: format!("timed out after {}s", limit.as_secs()),
                    hint: "is the host reachable? set connect_timeout to wait longer".into(),
                })
            }
        };
        let (ended_tx, ended) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let why = match connection.await {
                // tokio-postgres ends well only after this side sent Terminate; a server
                // that closes the connection ends it with an error
                Ok(()) => "the session was ended by this side".to_string(),
                Err(e) => full_message(&e),
            };
            let _ = ended_tx.send(why);
        });
        Ok((client, ended))
    }

    /// Like [`connect`](Self::connect), but asks for a password on the terminal when the server
    /// wants one and none is known (as psql does). The password is never echoed.
    pub async fn connect_interactive(&mut self) -> Result<Session, ConnectError> {
        match self.connect().await {
            Err(e) if e.kind == FailureKind::PasswordRequired && can_prompt() => {
                let user = self.resolved.user().to_string();
                let asked = tokio::task::spawn_blocking(move || {
                    crate::terminal::prompt_password(&format!("Password for user {user}: "))
                })
                .await;
                let password = match asked {
                    Ok(Ok(p)) => p,
                    // Ctrl-C (or end of input) at the prompt: the user's choice, said as such
                    Ok(Err(io))
                        if io.kind() == std::io::ErrorKind::Interrupted
                            || io.kind() == std::io::ErrorKind::UnexpectedEof =>
                    {
                        return Err(ConnectError {
                            reason: "cancelled at the password prompt".into(),
                            hint: String::new(),
                            ..e
                        })
                    }
                    _ => return Err(e),
                };
                self.resolved
                    .set_password(password.into_text(), PasswordSource::Prompt);
                self.connect().await
            }
            other => other,
        }
    }

    /// How many addresses a connection may try (each host's; a name as many as it resolves
    /// to), resolving names up front so that an unknown host gets its own message.
    async fn addresses(&self) -> Result<u32, ConnectError> {
        if let Some(addrs) = self.resolved.get("hostaddr") {
            return Ok(addrs.split(',').count() as u32);
        }
        let ports: Vec<&str> = self.resolved.port().split(',').collect();
        let (mut n, mut found, mut last) = (0, false, None);
        for (i, host) in self.resolved.host().split(',').enumerate() {
            let host = host.trim();
            if host.starts_with('/') || host.parse::<IpAddr>().is_ok() {
                (n, found) = (n + 1, true);
                continue;
            }
            let port: u16 = ports
                .get(i)
                .or(ports.first())
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(5432);
            let lookup = tokio::net::lookup_host((host, port));
            match tokio::time::timeout(self.connect_timeout(), lookup).await {
                Ok(Ok(addrs)) => (n, found) = (n + (addrs.count() as u32).max(1), true),
                Ok(Err(e)) => (n, last) = (n + 1, Some((host.to_string(), e.to_string()))),
                Err(_) => (n, last) = (n + 1, Some((host.to_string(), "timed out".into()))),
            }
        }
        match last {
            Some((host, e)) if !found => Err(ConnectError {
                kind: FailureKind::UnknownHost,
                target: self.target(),
                reason: format!("could not translate host name \"{host}\" to address: {e}"),
                hint: "check the host name (-h, PGHOST, host=) and DNS".into(),
            }),
            _ => Ok(n.max(1)),
        }
    }

    /// Maps a tokio-postgres error to a [`ConnectError`] with a specific reason and hint.
    pub fn classify(&self, e: &tokio_postgres::Error) -> ConnectError {
        let (kind, reason, hint) = classify_error(e, &self.resolved);
        ConnectError {
            kind,
            target: self.target(),
            reason,
            hint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(conninfo: &str) -> Connector {
        let inputs = crate::conninfo::ConnectionInputs {
            conninfo: Some(conninfo.into()),
            ..Default::default()
        };
        let env = crate::conninfo::Environment {
            os_user: "postgres".into(),
            ..Default::default()
        };
        let resolved = crate::conninfo::resolve(&inputs, &env).unwrap();
        Connector::new(resolved, SessionSettings::default()).unwrap()
    }

    fn tls(c: &Connector) -> &std::sync::Arc<MakeTlsConnector> {
        c.tls.as_ref().expect("a TLS context")
    }

    #[test]
    fn fifty_targets_with_the_same_tls_settings_share_one_context_and_two_settings_two() {
        let fifty: Vec<Connector> = (0..50)
            .map(|i| {
                connector(&format!(
                    "host=db{i}.example port=5432 dbname=m{i} sslmode=require"
                ))
            })
            .collect();
        assert!(fifty
            .iter()
            .all(|c| std::sync::Arc::ptr_eq(tls(c), tls(&fifty[0]))));
        // prefer encrypts without verifying, as require does: the same context
        let prefer = connector("host=other.example sslmode=prefer");
        assert!(std::sync::Arc::ptr_eq(tls(&prefer), tls(&fifty[0])));
        // verifying the server is another setting, another context, itself shared
        let full = connector("host=db1.example sslmode=verify-full");
        let full2 = connector("host=db2.example sslmode=verify-full");
        assert!(!std::sync::Arc::ptr_eq(tls(&full), tls(&fifty[0])));
        assert!(std::sync::Arc::ptr_eq(tls(&full), tls(&full2)));
        // no TLS, no context
        assert!(connector("host=db1.example sslmode=disable").tls.is_none());
    }
}
