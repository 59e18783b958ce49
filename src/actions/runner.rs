//! One way to plan and run a command, shared by the console and `hypertop run`: [`plan`] reads
//! the catalog (or the journal, for a rollback) and builds the plan; [`Running`] executes a
//! confirmed plan on its own session and reports each step, then the outcome, with a cancel
//! that stops it on the server.

use crate::command::spec::family;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::execute::{self, Cancel, Outcome, Progress};
use super::journal::{Journal, Origin};
use super::parse::Command;
use super::{plan as planner, resolve, rollback, Plan};
use crate::capabilities::Capabilities;
use crate::connect::Connector;

/// Why there is no plan for a command.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanningError {
    /// The journal (for a rollback) could not be read.
    Journal(super::journal::JournalError),
    /// No entry to roll back.
    Rollback(rollback::RollbackError),
    /// A statement of the entry is not one hypertop writes.
    NotRolledBack {
        entry: String,
        why: super::recognise::Unrecognised,
    },
    /// What the entry changed could not be read as it is now.
    StateUnread {
        entry: String,
        why: super::state::StateError,
    },
    /// `history`, which the journal answers.
    History,
    /// The catalog read waited too long for a lock; who holds it, in words.
    LockTimeout { error: String, holders: String },
    /// The command's objects could not be resolved.
    Resolve(resolve::ResolveError),
    /// The planner refused.
    Plan(planner::PlanError),
    /// The console's link to the server is down.
    NotConnected,
}

impl std::fmt::Display for PlanningError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlanningError::Journal(e) => e.fmt(f),
            PlanningError::Rollback(e) => e.fmt(f),
            PlanningError::NotRolledBack { entry, why } => {
                write!(f, "{entry} is not rolled back: {why}")
            }
            PlanningError::StateUnread { entry, why } => {
                write!(f, "cannot read what {entry} changed, as it is now: {why}")
            }
            PlanningError::History => {
                write!(f, "history is read from the journal, not planned")
            }
            PlanningError::LockTimeout { error, holders } => write!(f, "{error} — {holders}"),
            PlanningError::Resolve(e) => e.fmt(f),
            PlanningError::Plan(e) => e.fmt(f),
            PlanningError::NotConnected => {
                write!(f, "not connected: try again when the link is back")
            }
        }
    }
}

impl std::error::Error for PlanningError {}

impl From<planner::PlanError> for PlanningError {
    fn from(e: planner::PlanError) -> Self {
        PlanningError::Plan(e)
    }
}

/// The plan for `cmd` (a rollback's names the entry it undoes).
pub async fn plan(
    client: &tokio_postgres::Client,
    caps: &Capabilities,
    journal: &Journal,
    origin: &Origin,
    cmd: &Command,
) -> Result<Plan, PlanningError> {
    match cmd {
        Command::Journal(family::Journal::Rollback { entry }) => {
            let mut all = journal
                .history(origin)
                .map_err(PlanningError::Journal)?
                .entries;
            // An atomic entry killed after its statements ran: the server says whether its
            // transaction committed (all of it) or not (none of it).
            for e in all.iter_mut() {
                if let Some(xid) = e.pending_commit() {
                    e.committed = client
                        .query_one(
                            "SELECT pg_catalog.txid_status($1::pg_catalog.int8)",
                            &[&xid],
                        )
                        .await
                        .ok()
                        .and_then(|r| r.get::<_, Option<String>>(0))
                        .and_then(|s| match s.as_str() {
                            "committed" => Some(true),
                            "aborted" => Some(false),
                            _ => None,
                        });
                }
            }
            let rollback::Undoing {
                entry: target,
                mut later,
            } = rollback::undoing_in(all, entry.as_deref()).map_err(PlanningError::Rollback)?;
            // Only statements hypertop writes are run back, whatever the journal says.
            for step in target.undo() {
                super::recognise::check(&step).map_err(|why| PlanningError::NotRolledBack {
                    entry: target.id().to_string(),
                    why,
                })?;
            }
            let now = super::state::read(client, target.changes())
                .await
                .map_err(|why| PlanningError::StateUnread {
                    entry: target.id().to_string(),
                    why,
                })?;
            later.extend(rollback::changed_on_server(&target, &now));
            Ok(rollback::plan(&target, later))
        }
        Command::Journal(family::Journal::History) => Err(PlanningError::History),
        _ => {
            let mut cmd = cmd.clone();
            let facts = match planner::facts(client, caps, &mut cmd).await {
                Ok(f) => f,
                Err(resolve::ResolveError::LockTimeout(error)) => {
                    return Err(PlanningError::LockTimeout {
                        error,
                        holders: execute::lock_holders(client).await,
                    })
                }
                Err(e) => return Err(PlanningError::Resolve(e)),
            };
            let mut facts = facts;
            if let (Some(w), Some(r)) = (facts.chunk_work.as_mut(), facts.relation.as_ref()) {
                let verb = match cmd {
                    Command::Chunks(family::Chunks::Decompress { .. }) => "decompress",
                    _ => "compress",
                };
                w.rate = journal
                    .history(origin)
                    .ok()
                    .and_then(|h| super::journal::pace(&h.entries, verb, r.oid));
            }
            Ok(planner::plan(&cmd, &facts)?)
        }
    }
}

/// What a running plan reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Step `index` (0-based) of `total` started.
    Step {
        index: usize,
        total: usize,
        label: String,
    },
    /// It ended (and was journaled, unless the outcome says otherwise).
    Done(Outcome),
}

/// Where a running plan goes: the journal, who acts, and the action sessions' settings.
#[derive(Clone)]
pub struct Runner {
    pub connector: Connector,
    pub journal: Arc<Journal>,
    pub origin: Origin,
    pub lock_timeout: Duration,
}

/// A confirmed plan running off the caller's path.
pub struct Running {
    progress: mpsc::UnboundedReceiver<Progress>,
    task: Option<JoinHandle<Outcome>>,
    cancel: Cancel,
    token: Option<tokio_postgres::CancelToken>,
    connector: Connector,
}

impl Runner {
    /// Starts `plan` (journaled before and after).
    pub fn spawn(&self, plan: Plan) -> Running {
        let (tx, progress) = mpsc::unbounded_channel();
        let cancel = Cancel::default();
        let runner = self.clone();
        let stop = cancel.clone();
        let task = tokio::spawn(async move {
            execute::run(
                &runner.connector,
                runner.lock_timeout,
                &plan,
                &runner.journal,
                &runner.origin,
                Some(tx),
                stop,
            )
            .await
        });
        Running {
            progress,
            task: Some(task),
            cancel,
            token: None,
            connector: self.connector.clone(),
        }
    }
}

impl Running {
    /// The next step, or the outcome. Safe to race against other events: nothing is lost when
    /// it is dropped unfinished.
    pub async fn next(&mut self) -> Event {
        loop {
            tokio::select! {
                Some(p) = self.progress.recv() => match p {
                    Progress::Session(t) => self.token = Some(t),
                    Progress::Step { index, total, label } => {
                        return Event::Step { index, total, label }
                    }
                },
                outcome = async { self.task.as_mut().expect("polled after Done").await }, if self.task.is_some() => {
                    self.task = None;
                    return Event::Done(outcome.unwrap_or_else(|e| Outcome {
                        status: super::journal::Status::Unknown,
                        completed: 0,
                        error: Some(format!("the action's task ended abnormally: {e}")),
                        journal_id: None,
                        journal_error: None,
                    }));
                }
                // Only after Done: nothing more will come.
                else => std::future::pending::<()>().await,
            }
        }
    }

    /// Stops after the current statement, which is cancelled on the server (the request is
    /// sent in the background: a caller drawing a screen never waits for the network).
    pub fn cancel(&self) {
        self.cancel.request();
        if let Some(t) = self.token.clone() {
            let connector = self.connector.clone();
            tokio::spawn(async move {
                let _ = connector.cancel(&t).await;
            });
        }
    }
}
