//! Why a read failed: what the store keeps for a dataset whose last read did not come back.

use std::fmt;

/// Why a read failed. Its text is the one the footer, the tabs and `snapshot` show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// The server refused the query: its message and SQLSTATE (`42501`).
    Server { code: String, message: String },
    /// The session went away during the read (closed, or the socket failed): the link
    /// reconnects. The driver's words and their causes.
    ConnectionLost(String),
    /// The client could not read the answer (a column of an unexpected type, …): the driver's
    /// words and their causes.
    Client(String),
    /// No answer within the bound on a query (the session is taken for broken).
    Timeout { seconds: u64 },
}

impl ReadError {
    /// What a failed query says, by reason.
    pub fn of(e: &tokio_postgres::Error) -> ReadError {
        if let Some(db) = e.as_db_error() {
            return ReadError::Server {
                code: db.code().code().to_string(),
                message: db.message().to_string(),
            };
        }
        let text = crate::connect::full_message(e);
        // a closed session, or the socket failing under a query
        if e.is_closed() || crate::connect::cause_in::<std::io::Error>(e).is_some() {
            ReadError::ConnectionLost(text)
        } else {
            ReadError::Client(text)
        }
    }

    /// Whether the session is gone with it (the link is told, and reconnects).
    pub fn lost_the_session(&self) -> bool {
        matches!(
            self,
            ReadError::ConnectionLost(_) | ReadError::Timeout { .. }
        )
    }
}

impl From<&tokio_postgres::Error> for ReadError {
    fn from(e: &tokio_postgres::Error) -> ReadError {
        ReadError::of(e)
    }
}

impl From<tokio_postgres::Error> for ReadError {
    fn from(e: tokio_postgres::Error) -> ReadError {
        ReadError::of(&e)
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Server { code, message } => write!(f, "{message} (SQLSTATE {code})"),
            ReadError::ConnectionLost(text) | ReadError::Client(text) => f.write_str(text),
            ReadError::Timeout { seconds } => {
                write!(f, "no answer from the server within {seconds}s")
            }
        }
    }
}

impl std::error::Error for ReadError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_reason_says_what_it_said_before() {
        let server = ReadError::Server {
            code: "42501".into(),
            message: "permission denied for table t".into(),
        };
        assert_eq!(
            server.to_string(),
            "permission denied for table t (SQLSTATE 42501)"
        );
        assert_eq!(
            ReadError::Timeout { seconds: 30 }.to_string(),
            "no answer from the server within 30s"
        );
        assert_eq!(
            ReadError::ConnectionLost("connection closed".into()).to_string(),
            "connection closed"
        );
        assert!(!server.lost_the_session());
        assert!(ReadError::Timeout { seconds: 1 }.lost_the_session());
    }
}
