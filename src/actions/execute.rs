//! Runs a plan on its own session: `lock_timeout` so a conflicting lock fails fast, no
//! statement timeout (the operator cancels instead), each statement on its own (so what cannot
//! run in a transaction block runs), progress reported per step, journaled before and after.

use crate::command::spec::family;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::connect::sqlstate::{known, Known};
use tokio::sync::mpsc;

use super::parse::{Command, ObjectName};
use super::{Plan, Step};
use crate::actions::journal::{Ending, Journal, Origin, Status};
use crate::connect::describe_error;
use crate::connect::{Connector, Session, SessionSettings};

/// What a running action reports.
#[derive(Clone)]
pub enum Progress {
    /// Step `index` (0-based) of `total` started.
    Step {
        index: usize,
        total: usize,
        label: String,
    },
    /// The cancel token, once the session is open (the UI keeps it to cancel).
    Session(tokio_postgres::CancelToken),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    pub completed: usize,
    pub error: Option<String>,
    pub journal_id: Option<String>,
    /// The outcome could not be journaled (the action itself may have succeeded).
    pub journal_error: Option<String>,
}

/// A request to stop: checked between steps; the running statement is cancelled on the server.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn request(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The session settings actions run with.
pub fn action_settings(read_only: bool, lock_timeout: Duration) -> SessionSettings {
    SessionSettings {
        statement_timeout: Duration::ZERO,
        lock_timeout: Some(lock_timeout),
        read_only,
        ..SessionSettings::default()
    }
}

/// Adds what to do about common failures.
fn explain(e: &tokio_postgres::Error) -> String {
    let text = describe_error(e);
    match known(e) {
        Some(Known::LockNotAvailable) => format!("{text} — another session holds a conflicting lock; try again later or raise --lock-timeout"),
        Some(Known::QueryCanceled) => format!("{text} — cancelled"),
        Some(Known::ReadOnly) => format!("{text} — the session is read-only"),
        Some(Known::InsufficientPrivilege) => format!("{text} — this role lacks the privilege (often: it must own the object)"),
        _ => text,
    }
}

pub use crate::model::activity::lock_holders;

/// Invalid `*_ccnew` indexes a failed `REINDEX … CONCURRENTLY` of `target` (an index or a
/// table) left behind: they slow every write until dropped.
async fn reindex_leftovers(
    client: &tokio_postgres::Client,
    target: &super::Object,
) -> Vec<ObjectName> {
    client
        .query(
            include_str!("../../queries/actions/reindex_leftovers.sql"),
            &[&target.oid.to_string()],
        )
        .await
        .map(|rows| {
            rows.iter()
                .map(|r| {
                    ObjectName::qualified(
                        &r.get::<_, String>("schema"),
                        &r.get::<_, String>("name"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What to add to a failed step's error: who holds the lock it waited for; what a failed
/// concurrent reindex left behind, and the command that removes it.
async fn after_failure(
    client: &tokio_postgres::Client,
    step: &Step,
    e: &tokio_postgres::Error,
) -> String {
    let mut extra = String::new();
    if known(e) == Some(Known::LockNotAvailable) {
        extra.push_str(&format!(" ({})", lock_holders(client).await));
    }
    if let (true, Some(target)) = (step.concurrent_reindex, &step.guard) {
        for index in reindex_leftovers(client, target).await {
            let shown =
                crate::format::qualified(index.schema.as_deref().unwrap_or_default(), &index.name);
            let drop = Command::Indexes(family::Indexes::DropIndex { index });
            extra.push_str(&format!(
                "; REINDEX CONCURRENTLY left the invalid index {shown} behind (it slows writes): remove it with {drop}"
            ));
        }
    }
    extra
}

/// Why a step did not run or failed.
enum StepError {
    Db(tokio_postgres::Error),
    /// Its object is no longer the one planned (renamed, dropped, or the oid reused).
    Moved(String),
}

/// A statement that names its object in its text runs only while the planned oid still has
/// the planned name: a rename between plan and execution cannot redirect it.
async fn check_guard(
    client: &tokio_postgres::Client,
    guard: Option<&super::Object>,
) -> Result<(), StepError> {
    let Some(target) = guard else {
        return Ok(());
    };
    let row = client
        .query_opt(
            include_str!("../../queries/actions/object.sql"),
            &[&target.oid.to_string()],
        )
        .await
        .map_err(StepError::Db)?;
    let now: Option<(String, String)> = row.map(|r| (r.get("schema"), r.get("name")));
    match now {
        Some((schema, name)) if schema == target.schema && name == target.name => Ok(()),
        Some((schema, name)) => Err(StepError::Moved(format!(
            "not run: {} (oid {}) is now named {}; plan again",
            target.shown(),
            target.oid,
            crate::format::qualified(&schema, &name)
        ))),
        None => Err(StepError::Moved(format!(
            "not run: {} (oid {}) no longer exists",
            target.shown(),
            target.oid
        ))),
    }
}

async fn run_step(client: &tokio_postgres::Client, step: &Step) -> Result<(), StepError> {
    check_guard(client, step.guard.as_ref()).await?;
    if let Some(failed) = &step.expect_true {
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = step
            .params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        let row = client
            .query_one(step.sql.as_str(), &params)
            .await
            .map_err(StepError::Db)?;
        return match row.try_get::<_, Option<bool>>(0) {
            Ok(Some(true)) => Ok(()),
            // NULL: what it acts on is no longer the one planned (a pid given to a new session)
            Ok(None) => Err(StepError::Moved(
                "not run: the session the plan showed has ended; its pid is another session's now, or no one's — nothing was signalled".into(),
            )),
            _ => Err(StepError::Moved(failed.clone())),
        };
    }
    exec_step(client, step).await.map_err(StepError::Db)?;
    if let Some(target) = &step.analyze {
        // Best effort: the step is done whether or not its statistics could be refreshed.
        if check_guard(client, Some(target)).await.is_ok() {
            let _ = client
                .batch_execute(&format!("ANALYZE {}", target.quoted()))
                .await;
        }
    }
    Ok(())
}

async fn exec_step(
    client: &tokio_postgres::Client,
    step: &Step,
) -> Result<(), tokio_postgres::Error> {
    if step.params.is_empty() {
        // Simple protocol, one statement: REINDEX CONCURRENTLY and the like run outside a block.
        client.batch_execute(&step.sql).await
    } else {
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = step
            .params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        client.query(step.sql.as_str(), &params).await.map(|_| ())
    }
}

/// Watches that the server still answers while a step runs: a second session asks `SELECT 1`
/// every `every`; two probes without a reply within `every` mean the server stopped answering
/// (a frozen host or process keeps TCP alive, so keepalives alone never tell).
struct Watchdog {
    probe: Option<Session>,
    every: Duration,
}

impl Watchdog {
    /// No probe on an embedded engine (pid 0): its one session answers probes only between
    /// statements, so a long step would look like a dead server.
    async fn start(connector: &Connector, action: &tokio_postgres::Client) -> Watchdog {
        let every = connector.connect_timeout();
        let embedded = action
            .query_one("SELECT pg_catalog.pg_backend_pid() = 0", &[])
            .await
            .map(|r| r.get::<_, bool>(0))
            .unwrap_or(true);
        let probe = if embedded {
            None
        } else {
            connector.connect().await.ok()
        };
        Watchdog { probe, every }
    }

    /// Resolves only when the server has stopped answering.
    async fn silent(&self) -> Duration {
        let Some(probe) = &self.probe else {
            return std::future::pending().await;
        };
        let mut missed = 0;
        loop {
            tokio::time::sleep(self.every).await;
            let reply =
                tokio::time::timeout(self.every, probe.client.simple_query("SELECT 1")).await;
            missed = match reply {
                Ok(Ok(_)) => 0,
                _ => missed + 1,
            };
            if missed >= 2 {
                return self.every * 4;
            }
        }
    }
}

/// Journals the intent, runs every step (stopping at the first error or a cancel), journals
/// the outcome.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    connector: &Connector,
    lock_timeout: Duration,
    plan: &Plan,
    journal: &Journal,
    origin: &Origin,
    progress: Option<mpsc::UnboundedSender<Progress>>,
    cancel: Cancel,
) -> Outcome {
    let failed = |error: String, journal_id: Option<String>| Outcome {
        status: Status::Failed,
        completed: 0,
        error: Some(error),
        journal_id,
        journal_error: None,
    };
    if connector.settings().read_only && plan.mutating {
        return failed(super::READ_ONLY_REFUSAL.into(), None);
    }
    let actions = connector.with_settings(action_settings(
        connector.settings().read_only,
        lock_timeout,
    ));
    let session = match actions.connect().await {
        Ok(s) => s,
        Err(e) => return failed(e.to_string(), None),
    };
    if let Some(p) = &progress {
        let _ = p.send(Progress::Session(session.client.cancel_token()));
    }
    // What the settings it changes stand at, before and after: a later rollback compares them
    // with the server's (a state that cannot be read is left out, not guessed).
    let before = super::state::read(&session.client, &plan.changes)
        .await
        .ok();
    let id = match journal.intent_with(origin, plan, before) {
        Ok(id) => id,
        Err(e) => return failed(format!("not run: {e}"), None),
    };
    let watchdog = Watchdog::start(&actions, &session.client).await;
    let total = plan.steps.len();
    let mut completed = 0;
    let mut error = None;
    let mut status = Status::Ok;
    let client = &session.client;
    // An atomic plan: every statement in one transaction, committed only when all ran.
    let atomic_failure = |what: &str| {
        format!("{what}; nothing was applied (every statement is one transaction, rolled back)")
    };
    if plan.atomic {
        if let Err(e) = client.batch_execute("BEGIN").await {
            error = Some(explain(&e));
            status = Status::Failed;
        }
    }
    for (index, step) in plan.steps.iter().enumerate() {
        if status != Status::Ok {
            break;
        }
        if cancel.requested() {
            status = Status::Cancelled;
            break;
        }
        if let Some(p) = &progress {
            let _ = p.send(Progress::Step {
                index,
                total,
                label: step.label.clone(),
            });
        }
        let result = tokio::select! {
            r = run_step(client, step) => r,
            quiet = watchdog.silent() => {
                // The step may or may not have completed on the server: its undo is kept.
                status = Status::Unknown;
                completed += 1;
                error = Some(format!(
                    "{}: the server stopped answering (nothing for about {}); whether this statement completed is unknown — check the catalog before acting again (rollback undoes it if it did)",
                    step.label,
                    crate::format::duration(quiet)
                ));
                break;
            }
        };
        match result {
            Ok(()) => completed += 1,
            Err(StepError::Db(e)) => {
                status = if cancel.requested() || known(&e) == Some(Known::QueryCanceled) {
                    Status::Cancelled
                } else {
                    Status::Failed
                };
                let extra = after_failure(client, step, &e).await;
                error = Some(format!("{}: {}{extra}", step.label, explain(&e)));
                break;
            }
            Err(StepError::Moved(why)) => {
                status = Status::Failed;
                error = Some(format!("{}: {why}", step.label));
                break;
            }
        }
    }
    if plan.atomic && status != Status::Unknown {
        if status == Status::Ok {
            // What it leaves, and its transaction's id, journaled before the commit: killed
            // between the two, a rollback asks the server whether it committed.
            let committed = async {
                let xid: i64 = client
                    .query_one("SELECT pg_catalog.txid_current()", &[])
                    .await
                    .map_err(|e| explain(&e))?
                    .get(0);
                let after = super::state::read(client, &plan.changes).await.ok();
                journal
                    .committing(&id, origin, &plan.command, xid, after)
                    .map_err(|e| e.to_string())?;
                client
                    .batch_execute("COMMIT")
                    .await
                    .map_err(|e| explain(&e))
            }
            .await;
            if let Err(e) = committed {
                status = Status::Failed;
                error = Some(format!("not committed: {e}"));
            }
        }
        if status != Status::Ok {
            let _ = client.batch_execute("ROLLBACK").await;
            completed = 0;
            error = error.map(|e| atomic_failure(&e));
        }
    }
    let after = match completed {
        0 => None,
        _ => super::state::read(&session.client, &plan.changes)
            .await
            .ok(),
    };
    let journal_error = journal
        .outcome(
            &id,
            origin,
            &plan.command,
            Ending {
                status,
                completed,
                error: error.clone(),
                after,
            },
        )
        .err()
        .map(|e| e.to_string());
    Outcome {
        status,
        completed,
        error,
        journal_id: Some(id),
        journal_error,
    }
}
