//! What a failed connection or query says: its kind, its message, and a hint.

use super::*;

pub(super) fn secs_setting(r: &Resolved, key: &str, default: u64) -> Duration {
    Duration::from_secs(r.get(key).and_then(|v| v.parse().ok()).unwrap_or(default))
}

pub(super) fn can_prompt() -> bool {
    std::io::stdin().is_terminal() || std::fs::File::open("/dev/tty").is_ok()
}

/// The first cause of type `T` in an error's chain (the driver gives causes, not codes).
pub fn cause_in<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(found) = err.downcast_ref::<T>() {
            return Some(found);
        }
        cur = err.source();
    }
    None
}

/// A query error as one line: the server's message and SQLSTATE, or the client-side cause.
pub fn describe_error(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => full_message(e),
    }
}

/// An error and its causes as one line, without repeating a cause already in the text.
pub fn full_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

pub(super) fn classify_error(
    e: &tokio_postgres::Error,
    r: &Resolved,
) -> (FailureKind, String, String) {
    use FailureKind::*;
    if let Some(db) = e.as_db_error() {
        let msg = db.message().to_string();
        let code = db.code();
        return if *code == SqlState::INVALID_PASSWORD {
            let from = match &r.password_source {
                PasswordSource::None => "no password was given".to_string(),
                PasswordSource::ConnString => "the password came from the connection string".into(),
                PasswordSource::Service => "the password came from the service file".into(),
                PasswordSource::Environment => "the password came from PGPASSWORD".into(),
                PasswordSource::PasswordFile(p) => {
                    format!("the password came from {}", p.display())
                }
                PasswordSource::Prompt => "the password typed at the prompt was wrong".into(),
            };
            (BadPassword, msg, from)
        } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            (
                AuthRejected,
                msg,
                "check the user name and the server's pg_hba.conf".into(),
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            (
                NoSuchDatabase,
                msg,
                "check the database name (-d, PGDATABASE, dbname=)".into(),
            )
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            (
                Server,
                msg,
                "the server is out of connection slots; try again shortly".into(),
            )
        } else if *code == SqlState::CANNOT_CONNECT_NOW {
            (
                Server,
                msg,
                "the server is starting up or shutting down".into(),
            )
        } else {
            (
                Server,
                format!("{msg} (SQLSTATE {})", code.code()),
                String::new(),
            )
        };
    }
    let text = full_message(e);
    // the TLS library failed the handshake
    if let Some(tls) = cause_in::<native_tls::Error>(e) {
        let tls = full_message(tls);
        let hint = "check sslmode, sslrootcert and the server's certificate";
        return (Tls, format!("TLS handshake failed: {tls}"), hint.into());
    }
    if let Some(io) = cause_in::<std::io::Error>(e) {
        use std::io::ErrorKind as K;
        return match io.kind() {
            K::ConnectionRefused => (
                Refused,
                "connection refused".into(),
                format!(
                    "is the server running on host \"{}\" and accepting TCP/IP connections on port {}?",
                    r.host(),
                    r.port()
                ),
            ),
            K::NotFound if r.host().starts_with('/') => (
                NoSocket,
                format!("no such socket: {}/.s.PGSQL.{}", r.host(), r.port()),
                "is the server running locally? use -h HOST for a TCP connection".into(),
            ),
            // this process (EMFILE) or the system (ENFILE) is out of file descriptors
            _ if matches!(io.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => (
                NoDescriptors,
                "this process is out of file descriptors".into(),
                "raise its limit (ulimit -n, LimitNOFILE=) or close what holds them".into(),
            ),
            K::TimedOut => (
                Timeout,
                "timed out".into(),
                "is the host reachable? set connect_timeout to wait longer".into(),
            ),
            _ => (Other, text, String::new()),
        };
    }
    (Other, text, String::new())
}

/// A failure the driver names only in words, told instead by what the server answered to the
/// protocol's first steps (see [`probe`]).
pub(super) fn refine(seen: probe::Seen, r: &Resolved, e: ConnectError) -> ConnectError {
    use probe::Seen;
    let (kind, reason, hint) = match seen {
        Seen::AsksPassword if r.get("password").is_none() => (
            FailureKind::PasswordRequired,
            "the server requires a password and none was given".into(),
            "set PGPASSWORD, add it to ~/.pgpass, or run hypertop on a terminal to be prompted"
                .into(),
        ),
        Seen::NotPostgres => (
            FailureKind::Other,
            format!("something answered, but not in PostgreSQL's protocol ({})", e.reason),
            "is this port a PostgreSQL server (and not, say, a web server or pgbouncer's admin port)? check host and port"
                .into(),
        ),
        Seen::NoTls => (
            FailureKind::ServerNoTls,
            format!(
                "the server does not support SSL, but sslmode={} requires it",
                r.sslmode()
            ),
            "use sslmode=prefer or enable ssl on the server".into(),
        ),
        Seen::WrongHostName => (
            FailureKind::Tls,
            e.reason.clone(),
            "the certificate does not name this host; connect by the name in the certificate or use sslmode=verify-ca"
                .into(),
        ),
        Seen::UntrustedCertificate => (
            FailureKind::Tls,
            e.reason.clone(),
            "the server certificate is not signed by a trusted CA; set sslrootcert to the CA file"
                .into(),
        ),
        Seen::AsksPassword | Seen::Nothing => return e,
    };
    ConnectError {
        kind,
        reason,
        hint,
        ..e
    }
}
