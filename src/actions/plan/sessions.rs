//! Plans for sessions: cancel a session's query, or end the session. Neither can be undone;
//! both are journaled with the session as it was.

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// The session a cancel or terminate is about, as pg_stat_activity shows it (I/O).
pub(super) async fn facts(db: Reading<'_, family::Sessions>) -> Result<(), ResolveError> {
    match db.cmd {
        family::Sessions::CancelBackend { pid } | family::Sessions::TerminateBackend { pid } => {
            let row = db
                .client
                .query_opt(sql!("session.sql"), &[&pid.to_string()])
                .await
                .map_err(read::db)?;
            db.facts.session = row.map(|r| SessionFacts {
                pid: r.get("pid"),
                backend_type: r.get("backend_type"),
                username: r.get("username"),
                application: r.get("application"),
                database: r.get("database"),
                state: r.get("state"),
                query: r.get("query"),
                state_seconds: r.get("state_seconds"),
                is_self: r.get("is_self"),
                backend_start: r.get("backend_start"),
                role_oid: r.get("role_oid"),
            });
        }
    }
    Ok(())
}

/// Backend types a DBA may signal from here: clients, TimescaleDB's job workers (their type
/// ends in `[job id]`), autovacuum and parallel workers. PostgreSQL's own processes, and
/// TimescaleDB's launcher and schedulers (stopped with stop_background_workers()), are not.
fn signalable(backend_type: &str) -> bool {
    matches!(
        backend_type,
        "client backend" | "autovacuum worker" | "parallel worker"
    ) || (backend_type.ends_with(']') && backend_type.contains(" ["))
}

/// What the journal keeps of a signalled session: who it was, and a fingerprint of its
/// statement (to tell two entries' statements apart), never the text — it is another role's,
/// and may carry a password.
#[derive(Debug, Serialize)]
struct Signalled<'a> {
    pid: i32,
    username: Option<&'a str>,
    application: Option<&'a str>,
    database: Option<&'a str>,
    backend_type: &'a str,
    state: Option<&'a str>,
    statement_fingerprint: Option<String>,
}

impl<'a> Signalled<'a> {
    fn of(s: &'a SessionFacts) -> Signalled<'a> {
        Signalled {
            pid: s.pid,
            username: s.username.as_deref(),
            application: s.application.as_deref(),
            database: s.database.as_deref(),
            backend_type: &s.backend_type,
            state: s.state.as_deref(),
            statement_fingerprint: s.query.as_deref().filter(|q| !q.is_empty()).map(|q| {
                format!(
                    "{:016x}",
                    crate::hash::fnv1a(crate::format::one_line(q).as_bytes())
                )
            }),
        }
    }
}

pub(super) fn plan(cmd: &family::Sessions, facts: &Facts) -> Result<Plan, PlanError> {
    let (pid, terminate) = match cmd {
        family::Sessions::CancelBackend { pid } => (*pid, false),
        family::Sessions::TerminateBackend { pid } => (*pid, true),
    };
    let s = facts
        .session
        .as_ref()
        .ok_or(PlanError::NoSuchSession { pid })?;
    if s.is_self {
        return Err(PlanError::OwnSession { pid });
    }
    let Some(started) = s.backend_start.clone() else {
        return Err(PlanError::StartHidden { pid });
    };
    if !signalable(&s.backend_type) {
        return Err(PlanError::NotSignalable {
            pid,
            backend_type: s.backend_type.clone(),
        });
    }
    let who = format!(
        "pid {pid} ({}@{}, {}{})",
        s.username.as_deref().unwrap_or("?"),
        s.database.as_deref().unwrap_or("?"),
        s.application
            .as_deref()
            .filter(|a| !a.is_empty())
            .unwrap_or(&s.backend_type),
        match (&s.state, s.state_seconds) {
            (Some(st), Some(secs)) => format!(", {st} for {}", crate::format::seconds(secs)),
            (Some(st), None) => format!(", {st}"),
            _ => String::new(),
        }
    );
    let (summary, locks, file, undo, failed) = if terminate {
        (
            format!("terminate {who}: the session ends and its open transaction rolls back"),
            "none taken; the locks the session holds are released when it ends",
            Template::TerminateBackend,
            "a terminated session is gone: its client has to reconnect and redo what rolled back",
            format!("pid {pid} did not end within 5 s (or is not this role's to signal)"),
        )
    } else {
        (
            format!("cancel the running statement of {who}; the session stays"),
            "none taken; the statement's transaction rolls back and its locks go",
            Template::CancelBackend,
            "a cancelled statement is not run again by hypertop",
            format!("pid {pid} was not signalled: it has ended"),
        )
    };
    let mut p = Plan::new(cmd.to_string(), summary, vec![format!("pid {pid}")], locks);
    p.steps = vec![Step {
        expect_true: Some(failed),
        ..Step::new(
            format!("{} pid {pid}", cmd.name()),
            file,
            &[],
            vec![
                text(pid.to_string()),
                text(started),
                s.role_oid.map(|o| o.to_string()),
            ],
        )
    }];
    let query = s.query.as_deref().filter(|q| !q.is_empty());
    p.statement = query.map(|q| crate::format::one_line(q).chars().take(200).collect());
    p.irreversible = Some(undo.into());
    p.previous = serde_json::to_value(Signalled::of(s)).ok();
    if terminate {
        p.confirm = Confirm::TypeName(pid.to_string());
    }
    Ok(p)
}
