//! Rolling back a journal entry: which entry (the latest reversible one, or the one named),
//! which later entries it would overwrite, and its undo statements as a plan.

use super::journal::{rolled_back_by, Entry, Journal, JournalError, Origin};
use super::parse::Command;
use super::state::{changed_since, State};
use super::{Confirm, Plan};
use crate::command::spec::family;

/// Why there is no entry to roll back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackError {
    /// The journal could not be read.
    Journal(JournalError),
    /// The entry is itself a rollback.
    IsRollback { id: String },
    /// The entry was rolled back already.
    AlreadyRolledBack { id: String, command: String },
    /// The entry has no undo.
    CannotRollBack {
        id: String,
        command: String,
        why: NoUndo,
    },
    /// No entry of that id for this database.
    NoSuchEntry { id: String },
    /// No entry to roll back; with why the latest change is not one, when there is one.
    NothingToRollBack { latest: Option<Box<RollbackError>> },
}

/// Why an entry has no undo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoUndo {
    /// Its plan said why it cannot be undone.
    Irreversible(String),
    /// None of it was applied (its status, as history says it).
    NothingApplied { status: String },
}

impl std::fmt::Display for RollbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RollbackError::Journal(e) => e.fmt(f),
            RollbackError::IsRollback { id } => {
                write!(f, "{id} is itself a rollback; it is not undone")
            }
            RollbackError::AlreadyRolledBack { id, command } => {
                write!(f, "{id} ({command}) has already been rolled back")
            }
            RollbackError::CannotRollBack { id, command, why } => {
                write!(f, "{id} ({command}) cannot be rolled back: ")?;
                match why {
                    NoUndo::Irreversible(why) => f.write_str(why),
                    NoUndo::NothingApplied { status } => {
                        write!(f, "nothing of it was applied ({status})")
                    }
                }
            }
            RollbackError::NoSuchEntry { id } => {
                write!(f, "no journal entry {id} for this database (see history)")
            }
            RollbackError::NothingToRollBack { latest: Some(why) } => write!(
                f,
                "nothing to roll back for this database: the latest entry, {why}"
            ),
            RollbackError::NothingToRollBack { latest: None } => {
                write!(f, "nothing to roll back for this database")
            }
        }
    }
}

impl std::error::Error for RollbackError {}

impl From<JournalError> for RollbackError {
    fn from(e: JournalError) -> Self {
        RollbackError::Journal(e)
    }
}

/// What a rollback undoes: the entry, and the later entries that changed a setting it
/// restores (its rollback would undo those too), by id.
#[derive(Debug, Clone, PartialEq)]
pub struct Undoing {
    pub entry: Entry,
    pub later: Vec<String>,
}

/// The entry to roll back: `id`, or the latest reversible one not yet rolled back.
pub fn undoing(
    journal: &Journal,
    origin: &Origin,
    id: Option<&str>,
) -> Result<Undoing, RollbackError> {
    undoing_in(journal.history(origin)?.entries, id)
}

/// [`undoing`] among the entries of a journal already read (and told which of its atomic
/// entries without an outcome committed).
pub fn undoing_in(all: Vec<Entry>, id: Option<&str>) -> Result<Undoing, RollbackError> {
    let rolled_back = |e: &Entry| rolled_back_by(&all, e.id()).is_some();
    let check = |e: &Entry| -> Result<(), RollbackError> {
        if e.intent.rollback_of.is_some() {
            return Err(RollbackError::IsRollback {
                id: e.id().to_string(),
            });
        }
        if rolled_back(e) {
            return Err(RollbackError::AlreadyRolledBack {
                id: e.id().to_string(),
                command: e.intent.command.clone(),
            });
        }
        if e.undo().is_empty() {
            let why = e
                .intent
                .plan
                .as_ref()
                .and_then(|p| p.irreversible.clone())
                .map_or_else(
                    || NoUndo::NothingApplied {
                        status: e.status_text().to_string(),
                    },
                    NoUndo::Irreversible,
                );
            return Err(RollbackError::CannotRollBack {
                id: e.id().to_string(),
                command: e.intent.command.clone(),
                why,
            });
        }
        Ok(())
    };
    let target = match id {
        Some(id) => {
            let e = all
                .iter()
                .find(|e| e.id() == id)
                .ok_or_else(|| RollbackError::NoSuchEntry { id: id.to_string() })?;
            check(e)?;
            e
        }
        None => all.iter().rev().find(|e| check(e).is_ok()).ok_or_else(|| {
            // why the latest change is not it, said rather than left to guess
            RollbackError::NothingToRollBack {
                latest: all
                    .iter()
                    .rev()
                    .find(|e| e.intent.rollback_of.is_none())
                    .and_then(|last| check(last).err())
                    .map(Box::new),
            }
        })?,
    };
    let later = all
        .iter()
        .skip_while(|e| e.id() != target.id())
        .skip(1)
        .filter(|e| {
            e.intent.rollback_of.is_none()
                && !rolled_back(e)
                && (e.unfinished() || e.completed() > 0)
        })
        .filter_map(|e| {
            let shared: Vec<String> = target
                .changes()
                .iter()
                .filter(|c| e.changes().iter().any(|d| c.overlaps(d)))
                .map(ToString::to_string)
                .collect();
            (!shared.is_empty()).then(|| {
                format!(
                    "{} ({}) changed the same setting later ({}): this rollback overwrites it",
                    e.id(),
                    e.intent.command,
                    shared.join(", ")
                )
            })
        })
        .collect();
    Ok(Undoing {
        entry: target.clone(),
        later,
    })
}

/// What changed on the server since `entry`, whoever changed it (psql, another tool, a
/// colleague): each setting it restores compared with the state it left — or, when it has no
/// outcome (it was killed), with the state it found, where a difference may be its own work or
/// another's, so the operator decides. Entries journaled before states were kept say nothing.
pub fn changed_on_server(entry: &Entry, now: &State) -> Vec<String> {
    let (then, left) = match (entry.state_after(), entry.state_before()) {
        (Some(after), _) => (after, true),
        (None, Some(before)) if entry.unfinished() => (before, false),
        _ => return Vec::new(),
    };
    let shown = |v: &serde_json::Value| {
        let s = v.to_string();
        match s.char_indices().nth(120) {
            Some((cut, _)) => format!("{}…", &s[..cut]),
            None => s,
        }
    };
    changed_since(then, now)
        .into_iter()
        .map(|(key, was, is)| {
            if left {
                format!(
                    "{key} is {} on the server, not the {} {} left: someone changed it since, and this rollback overwrites that",
                    shown(&is),
                    shown(&was),
                    entry.id()
                )
            } else {
                format!(
                    "{key} is {} on the server, not the {} it was before {}, which has no outcome: whether it or someone else changed it is unknown, and this rollback may undo another's change",
                    shown(&is),
                    shown(&was),
                    entry.id()
                )
            }
        })
        .collect()
}

/// The rollback of `entry` as a plan: its undo statements, journaled as a new entry. `later`
/// are the later changes it would overwrite (entries of the journal, changes on the server):
/// then the operator must type the entry's id (and a script must say `--force`).
pub fn plan(entry: &Entry, later: Vec<String>) -> Plan {
    let steps = entry.undo();
    let mut warnings = later;
    let conflicting = !warnings.is_empty();
    let atomic = entry.intent.plan.as_ref().is_some_and(|p| p.atomic);
    match (entry.unfinished(), atomic, entry.committed) {
        (true, true, Some(true)) => warnings.push(format!(
            "{} has no outcome (hypertop was killed after it committed): the server says its transaction committed, so all of it is undone",
            entry.id()
        )),
        (true, true, _) => warnings.push(format!(
            "{} has no outcome and the server cannot say whether its transaction committed: every undo statement is replayed; each skips what was not done",
            entry.id()
        )),
        (true, false, _) => warnings.push(format!(
            "{} has no outcome (hypertop was killed, or it still runs elsewhere): every undo statement is replayed; each skips what was not done",
            entry.id()
        )),
        _ => {}
    }
    let original = entry.intent.plan.as_ref();
    let mut plan = Plan::new(
        Command::Journal(family::Journal::Rollback {
            entry: Some(entry.id().to_string()),
        })
        .to_string(),
        format!(
            "undo {} ({}): {}",
            entry.id(),
            entry.intent.command,
            original
                .and_then(|p| p.restores.clone())
                .map(|r| format!("brings back {r}"))
                .unwrap_or_else(|| format!("{} statement(s)", steps.len()))
        ),
        original.map(|p| p.affects.clone()).unwrap_or_default(),
        &original
            .map(|p| p.undo_locks.clone().unwrap_or_else(|| p.locks.clone()))
            .unwrap_or_default(),
    );
    plan.steps = steps;
    // undone as it was done: an atomic plan's rollback is one transaction too
    plan.atomic = original.is_some_and(|p| p.atomic);
    plan.irreversible =
        Some("a rollback is not itself undone; run the original command again".into());
    if conflicting {
        plan.confirm = Confirm::TypeName(entry.id().to_string());
        plan.needs_force = true;
    }
    plan.warnings = warnings;
    plan.rollback_of = Some(entry.id().to_string());
    plan
}
