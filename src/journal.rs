//! The action journal: JSON Lines, one `intent` line written before an action runs and one
//! `outcome` line after, sharing an id. A crash between the two leaves the intent visible.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actions::{Plan, Step};

/// Where the journal lives: `--journal`, else `$XDG_STATE_HOME/hypertop/journal.jsonl`
/// (default `~/.local/state/hypertop/journal.jsonl`).
pub fn default_path() -> Option<PathBuf> {
    let state = match std::env::var_os("XDG_STATE_HOME") {
        Some(v) if !v.is_empty() && Path::new(&v).is_absolute() => PathBuf::from(v),
        _ => {
            PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".local/state")
        }
    };
    Some(state.join("hypertop/journal.jsonl"))
}

/// Who acted where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Origin {
    pub os_user: String,
    pub role: String,
    pub host: String,
    pub port: String,
    pub database: String,
}

impl Origin {
    pub fn same_database(&self, other: &Origin) -> bool {
        (&self.host, &self.port, &self.database) == (&other.host, &other.port, &other.database)
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub time: DateTime<Utc>,
    /// `intent` or `outcome`.
    pub event: String,
    #[serde(flatten)]
    pub origin: Origin,
    pub command: String,
    /// Intent: the statements as previewed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// The entry this one rolls back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_of: Option<String>,
    /// Outcome: `ok`, `failed` or `cancelled`, how many steps completed, and the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_steps: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An action: its intent and, unless it never finished, its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub intent: Line,
    pub outcome: Option<Line>,
}

impl Entry {
    pub fn id(&self) -> &str {
        &self.intent.id
    }

    pub fn status(&self) -> &str {
        self.outcome
            .as_ref()
            .and_then(|o| o.outcome.as_deref())
            .unwrap_or("unfinished (no outcome recorded)")
    }

    pub fn completed(&self) -> usize {
        self.outcome
            .as_ref()
            .and_then(|o| o.completed_steps)
            .unwrap_or(0)
    }

    /// The statements that undo what this entry did (empty when there is nothing to undo).
    pub fn undo(&self) -> Vec<Step> {
        self.intent
            .plan
            .as_ref()
            .map(|p| p.undo_for(self.completed()))
            .unwrap_or_default()
    }
}

pub struct Journal {
    pub path: PathBuf,
}

impl Journal {
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    fn append(&self, line: &Line) -> Result<(), String> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut text = serde_json::to_string(line).map_err(|e| e.to_string())?;
        text.push('\n');
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("cannot open the journal {}: {e}", self.path.display()))?;
        // One write per line, and synced: an intent must survive a crash of what follows.
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| format!("cannot write the journal {}: {e}", self.path.display()))
    }

    /// Records that `plan` is about to run; returns the entry id.
    pub fn intent(
        &self,
        origin: &Origin,
        plan: &Plan,
        rollback_of: Option<&str>,
    ) -> Result<String, String> {
        let now = Utc::now();
        let id = format!(
            "{}-{:04x}",
            now.format("%Y%m%d-%H%M%S"),
            (now.timestamp_subsec_nanos() ^ std::process::id()) & 0xffff
        );
        self.append(&Line {
            id: id.clone(),
            time: now,
            event: "intent".into(),
            origin: origin.clone(),
            command: plan.command.clone(),
            sql: plan.steps.iter().map(|s| s.display()).collect(),
            plan: Some(plan.clone()),
            rollback_of: rollback_of.map(String::from),
            outcome: None,
            completed_steps: None,
            error: None,
        })?;
        Ok(id)
    }

    pub fn outcome(
        &self,
        id: &str,
        origin: &Origin,
        command: &str,
        status: &str,
        completed: usize,
        error: Option<&str>,
    ) -> Result<(), String> {
        self.append(&Line {
            id: id.into(),
            time: Utc::now(),
            event: "outcome".into(),
            origin: origin.clone(),
            command: command.into(),
            sql: Vec::new(),
            plan: None,
            rollback_of: None,
            outcome: Some(status.into()),
            completed_steps: Some(completed),
            error: error.map(String::from),
        })
    }

    /// Every entry, oldest first (a missing journal is empty; unreadable lines are skipped).
    pub fn entries(&self) -> Result<Vec<Entry>, String> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(format!(
                    "cannot read the journal {}: {e}",
                    self.path.display()
                ))
            }
        };
        let mut out: Vec<Entry> = Vec::new();
        for line in text
            .lines()
            .filter_map(|l| serde_json::from_str::<Line>(l).ok())
        {
            if line.event == "intent" {
                out.push(Entry {
                    intent: line,
                    outcome: None,
                });
            } else if let Some(e) = out.iter_mut().rev().find(|e| e.intent.id == line.id) {
                e.outcome = Some(line);
            }
        }
        Ok(out)
    }

    /// The entries for this database, oldest first.
    pub fn history(&self, origin: &Origin) -> Result<Vec<Entry>, String> {
        Ok(self
            .entries()?
            .into_iter()
            .filter(|e| e.intent.origin.same_database(origin))
            .collect())
    }

    /// The entry to roll back: `id`, or the latest reversible one not yet rolled back.
    pub fn rollback_target(&self, origin: &Origin, id: Option<&str>) -> Result<Entry, String> {
        let all = self.history(origin)?;
        let rolled_back = |e: &Entry| {
            all.iter()
                .any(|r| r.intent.rollback_of.as_deref() == Some(e.id()) && r.status() == "ok")
        };
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
                    .unwrap_or_else(|| format!("nothing of it was applied ({})", e.status()));
                return Err(format!(
                    "{} ({}) cannot be rolled back: {why}",
                    e.id(),
                    e.intent.command
                ));
            }
            Ok(())
        };
        match id {
            Some(id) => {
                let e = all.iter().find(|e| e.id() == id).ok_or_else(|| {
                    format!("no journal entry {id} for this database (see history)")
                })?;
                check(e)?;
                Ok(e.clone())
            }
            None => all
                .iter()
                .rev()
                .find(|e| check(e).is_ok())
                .cloned()
                .ok_or_else(|| "nothing to roll back for this database".to_string()),
        }
    }
}

/// The rollback of `entry` as a plan: its undo statements, journaled as a new entry.
pub fn rollback_plan(entry: &Entry) -> Plan {
    let steps = entry.undo();
    Plan {
        command: format!("rollback {}", entry.id()),
        summary: format!(
            "undo {} ({}): {} statement(s)",
            entry.id(),
            entry.intent.command,
            steps.len()
        ),
        affects: entry
            .intent
            .plan
            .as_ref()
            .map(|p| p.affects.clone())
            .unwrap_or_default(),
        locks: entry
            .intent
            .plan
            .as_ref()
            .map(|p| format!("as for the original action: {}", p.locks))
            .unwrap_or_default(),
        steps,
        inverse: None,
        inverse_per_step: false,
        irreversible: Some(
            "a rollback is not itself undone; run the original command again".into(),
        ),
        previous: None,
        confirm: crate::actions::Confirm::Choose,
        mutating: true,
    }
}

/// `history` as text: one line per entry, newest last.
pub fn format_history(entries: &[Entry], utc: bool) -> Vec<String> {
    entries
        .iter()
        .map(|e| {
            let undo = match (&e.intent.rollback_of, e.undo().is_empty()) {
                (Some(of), _) => format!("rollback of {of}"),
                (None, true) => "irreversible".into(),
                (None, false) => "reversible".into(),
            };
            let error = e
                .outcome
                .as_ref()
                .and_then(|o| o.error.clone())
                .map(|x| format!(": {x}"))
                .unwrap_or_default();
            format!(
                "{}  {}  {}@{}  {}  [{}{}]  {}",
                e.id(),
                crate::format::timestamp(e.intent.time, utc),
                e.intent.origin.os_user,
                e.intent.origin.role,
                e.intent.command,
                e.status(),
                error,
                undo
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::parse::parse;
    use crate::actions::plan::{plan, Facts, JobSettings};

    fn origin(db: &str) -> Origin {
        Origin {
            os_user: "me".into(),
            role: "postgres".into(),
            host: "h".into(),
            port: "5432".into(),
            database: db.into(),
        }
    }

    fn pause_plan() -> Plan {
        let facts = Facts {
            job: Some(JobSettings {
                job_id: 7,
                proc_name: "policy_retention".into(),
                scheduled: true,
                schedule_interval: "1 day".into(),
                max_runtime: "00:00:00".into(),
                max_retries: -1,
                retry_period: "00:05:00".into(),
                config: None,
            }),
            ..Default::default()
        };
        plan(&parse("pause-job 7").unwrap(), &facts).unwrap()
    }

    #[test]
    fn intent_outcome_and_rollback_once() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("sub/journal.jsonl"));
        let o = origin("metrics");
        assert!(j
            .rollback_target(&o, None)
            .unwrap_err()
            .contains("nothing to roll back"));
        let p = pause_plan();
        let id = j.intent(&o, &p, None).unwrap();
        // A crash here: the intent is visible, nothing to undo.
        let e = &j.history(&o).unwrap()[0];
        assert_eq!(e.status(), "unfinished (no outcome recorded)");
        assert!(j
            .rollback_target(&o, Some(&id))
            .unwrap_err()
            .contains("nothing of it was applied"));
        j.outcome(&id, &o, &p.command, "ok", 1, None).unwrap();
        let target = j.rollback_target(&o, None).unwrap();
        assert_eq!(target.id(), id);
        let rb = rollback_plan(&target);
        assert_eq!(
            rb.steps[0].params[2].as_deref(),
            Some("true"),
            "resumes the job"
        );
        let rid = j.intent(&o, &rb, Some(&id)).unwrap();
        j.outcome(&rid, &o, &rb.command, "ok", 1, None).unwrap();
        let err = j.rollback_target(&o, Some(&id)).unwrap_err();
        assert!(err.contains("already been rolled back"), "{err}");
        assert!(j
            .rollback_target(&o, Some(&rid))
            .unwrap_err()
            .contains("itself a rollback"));
        // Other databases' entries are not this database's history.
        assert!(j.history(&origin("other")).unwrap().is_empty());
        let lines = format_history(&j.history(&o).unwrap(), true);
        assert!(
            lines[0].contains("pause-job 7")
                && lines[0].contains("[ok]")
                && lines[0].contains("reversible"),
            "{lines:?}"
        );
        assert!(lines[1].contains(&format!("rollback of {id}")), "{lines:?}");
    }
}
