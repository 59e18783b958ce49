//! The SQLSTATEs hypertop decides on, named once: a caller asks which one an error is, none
//! compares codes itself (the codes a connection is refused with are `errors`' own). Decided on
//! the code, never on the message, which the server words in its `lc_messages`.

use tokio_postgres::error::SqlState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// 55P03: a lock not granted within `lock_timeout` (or under NOWAIT).
    LockNotAvailable,
    /// 57014: cancelled, by a cancel request or `statement_timeout`.
    QueryCanceled,
    /// 25006: a write in a read-only transaction (a standby, `default_transaction_read_only`).
    ReadOnly,
    /// 42501: the role lacks the privilege.
    InsufficientPrivilege,
    /// 42601: the text does not parse.
    SyntaxError,
    /// 55000: an object not ready for it (pg_stat_statements created, not preloaded).
    NotInPrerequisiteState,
}

/// Which of the codes hypertop decides on `code` is.
pub fn of(code: &SqlState) -> Option<Known> {
    let known = [
        (SqlState::LOCK_NOT_AVAILABLE, Known::LockNotAvailable),
        (SqlState::QUERY_CANCELED, Known::QueryCanceled),
        (SqlState::READ_ONLY_SQL_TRANSACTION, Known::ReadOnly),
        (
            SqlState::INSUFFICIENT_PRIVILEGE,
            Known::InsufficientPrivilege,
        ),
        (SqlState::SYNTAX_ERROR, Known::SyntaxError),
        (
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            Known::NotInPrerequisiteState,
        ),
    ];
    known.into_iter().find(|(c, _)| c == code).map(|(_, k)| k)
}

/// Which of them the server answered `e` with (None: another, or not the server's).
pub fn known(e: &tokio_postgres::Error) -> Option<Known> {
    e.code().and_then(of)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_is_named_by_its_sqlstate() {
        for (code, known) in [
            ("55P03", Known::LockNotAvailable),
            ("57014", Known::QueryCanceled),
            ("42501", Known::InsufficientPrivilege),
            ("55000", Known::NotInPrerequisiteState),
        ] {
            assert_eq!(of(&SqlState::from_code(code)), Some(known), "{code}");
        }
        assert_eq!(of(&SqlState::from_code("23505")), None);
    }
}
