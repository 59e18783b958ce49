//! One way to plan and run a command, shared by the console and `hypertop run`: [`plan`] reads
//! the catalog (or the journal, for a rollback) and builds the plan; [`Running`] executes a
//! confirmed plan on its own session and reports each step, then the outcome, with a cancel
//! that stops it on the server.

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

/// The plan for `cmd` (a rollback's names the entry it undoes).
pub async fn plan(
    client: &tokio_postgres::Client,
    caps: &Capabilities,
    journal: &Journal,
    origin: &Origin,
    cmd: &Command,
) -> Result<Plan, String> {
    match cmd {
        Command::Rollback { entry } => {
            let mut all = journal.history(origin)?.entries;
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
            let (target, mut later) = rollback::target_in(all, entry.as_deref())?;
            // Only statements hypertop writes are run back, whatever the journal says.
            for step in target.undo() {
                super::derive::check(&step)
                    .map_err(|e| format!("{} is not rolled back: {e}", target.id()))?;
            }
            let now = super::state::read(client, target.changes())
                .await
                .map_err(|e| {
                    format!(
                        "cannot read what {} changed, as it is now: {e}",
                        target.id()
                    )
                })?;
            later.extend(rollback::changed_on_server(&target, &now));
            Ok(rollback::plan(&target, later))
        }
        Command::History => Err("history is read from the journal, not planned".into()),
        _ => {
            let mut cmd = cmd.clone();
            let facts = match resolve::facts(client, caps, &mut cmd).await {
                Ok(f) => f,
                Err(resolve::ResolveError::LockTimeout(e)) => {
                    return Err(format!("{e} — {}", execute::lock_holders(client).await))
                }
                Err(e) => return Err(e.into()),
            };
            let mut facts = facts;
            if let (Some(w), Some(r)) = (facts.chunk_work.as_mut(), facts.relation.as_ref()) {
                let verb = match cmd {
                    Command::Decompress { .. } => "decompress",
                    _ => "compress",
                };
                w.rate = journal
                    .history(origin)
                    .ok()
                    .and_then(|h| super::journal::pace(&h.entries, verb, r.oid));
            }
            planner::plan(&cmd, &facts)
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
