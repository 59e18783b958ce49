//! Rolling back a journal entry: which entry (the latest reversible one, or the one named),
//! which later entries it would overwrite, and its undo statements as a plan.

use super::journal::{rolled_back_by, Entry, Journal, Origin};
use super::state::{changed_since, State};
use super::{Confirm, Plan};

/// The entry to roll back: `id`, or the latest reversible one not yet rolled back; with
/// the later entries that changed a setting it restores (its rollback would undo those too).
pub fn target(
    journal: &Journal,
    origin: &Origin,
    id: Option<&str>,
) -> Result<(Entry, Vec<String>), String> {
    target_in(journal.history(origin)?.entries, id)
}

/// [`target`] among the entries of a journal already read (and told which of its atomic
/// entries without an outcome committed).
pub fn target_in(all: Vec<Entry>, id: Option<&str>) -> Result<(Entry, Vec<String>), String> {
    let rolled_back = |e: &Entry| rolled_back_by(&all, e.id()).is_some();
    let check = |e: &Entry| -> Result<(), String> {
        if e.intent.rollback_of.is_some() {
            return Err(format!("{} is itself a rollback; it is not undone", e.id()));
        }
        if rolled_back(e) {
            return Err(format!(
                "{} ({}) has already been rolled back",
                e.id(),
                e.intent.command
            ));
        }
        if e.undo().is_empty() {
            let why = e
                .intent
                .plan
                .as_ref()
                .and_then(|p| p.irreversible.clone())
                .unwrap_or_else(|| format!("nothing of it was applied ({})", e.status_text()));
            return Err(format!(
                "{} ({}) cannot be rolled back: {why}",
                e.id(),
                e.intent.command
            ));
        }
        Ok(())
    };
    let target = match id {
        Some(id) => {
            let e = all
                .iter()
                .find(|e| e.id() == id)
                .ok_or_else(|| format!("no journal entry {id} for this database (see history)"))?;
            check(e)?;
            e
        }
        None => all.iter().rev().find(|e| check(e).is_ok()).ok_or_else(|| {
            // why the latest change is not it, said rather than left to guess
            match all.iter().rev().find(|e| e.intent.rollback_of.is_none()) {
                Some(last) => format!(
                    "nothing to roll back for this database: the latest entry, {}",
                    check(last).err().unwrap_or_default()
                ),
                None => "nothing to roll back for this database".to_string(),
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
    Ok((target.clone(), later))
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
        format!("rollback {}", entry.id()),
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
