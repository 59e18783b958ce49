//! The action journal: JSON Lines, one `intent` line written before an action runs and one
//! `outcome` line after, sharing an id. A crash between the two leaves the intent visible, and
//! rollable back: every undo statement is safe to replay. Only a regular file is used; each line
//! starts on its own line even after a torn write; a line that cannot be read is skipped and
//! counted, never the reason the rest cannot be read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use strum::{Display, IntoStaticStr};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Plan, Step};

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
    /// The server's system identifier (`pg_control_system()`), when the role could read it.
    pub system_id: Option<String>,
    /// The database's oid (entries before it was journaled have none).
    pub database_oid: Option<i64>,
}

impl Origin {
    /// Who is acting where: the OS user, the role, the address and the database's identity.
    pub fn of(
        connector: &crate::connect::Connector,
        caps: &crate::capabilities::Capabilities,
    ) -> Origin {
        let r = connector.resolved();
        Origin {
            // Who ran it, as the system knows them: from the user id, not $USER.
            os_user: crate::conninfo::account_name()
                .unwrap_or_else(|| format!("uid {}", crate::paths::own_uid())),
            role: caps.role.clone(),
            host: r.host().to_string(),
            port: r.port().to_string(),
            database: caps.database.clone(),
            system_id: caps.system_identifier.clone(),
            database_oid: caps.database_oid,
        }
    }

    /// The same database: the same cluster (by system identifier, whatever address or tunnel
    /// reached it) and database name. Where either side has no identifier, host, port and name
    /// must match and the other side must lack one too (an identified entry is never applied to
    /// a server that cannot show it is the same).
    pub fn same_database(&self, other: &Origin) -> bool {
        // Dropped and created again under its name: another database, whose job 1000 is not
        // the one an entry changed.
        if let (Some(a), Some(b)) = (self.database_oid, other.database_oid) {
            if a != b {
                return false;
            }
        }
        match (&self.system_id, &other.system_id) {
            (Some(a), Some(b)) => a == b && self.database == other.database,
            (None, None) => {
                (&self.host, &self.port, &self.database)
                    == (&other.host, &other.port, &other.database)
            }
            _ => false,
        }
    }
}

/// The journal's entries and how many lines could not be read.
#[derive(Debug, Default)]
pub struct Contents {
    pub entries: Vec<Entry>,
    pub unreadable: usize,
}

/// How an action ended, as journaled and reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, Display)]
#[strum(serialize_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Failed,
    Cancelled,
    /// The server stopped answering mid-statement: whether it completed is not known.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Which half of an entry a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineKind {
    /// Written before the first statement runs.
    Intent,
    /// Written after the last one ran (or failed, or was cancelled).
    Outcome,
    /// An atomic plan's statements all ran in their transaction, which is about to commit: its
    /// transaction id (whether it committed can be asked later) and what it leaves.
    Committing,
}

/// How an action ended: its status, how many steps completed, the error, and (when it changed
/// anything) what the settings it changes stand at after it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub status: Status,
    pub completed: usize,
    pub error: Option<String>,
    pub after: Option<super::state::State>,
}

impl Ending {
    pub fn new(status: Status, completed: usize, error: Option<&str>) -> Ending {
        Ending {
            status,
            completed,
            error: error.map(String::from),
            after: None,
        }
    }
}

/// One line of the journal.
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub id: String,
    pub time: DateTime<Utc>,
    pub event: LineKind,
    #[serde(flatten)]
    pub origin: Origin,
    pub command: String,
    /// Intent: the statements as previewed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sql: Vec<String>,
    pub plan: Option<Plan>,
    /// The entry this one rolls back.
    pub rollback_of: Option<String>,
    /// Outcome: how it ended, how many steps completed, and the error.
    pub outcome: Option<Status>,
    pub completed_steps: Option<usize>,
    pub error: Option<String>,
    /// What the settings it changes stood at on the server: before its steps (intent), after
    /// them (outcome, committing). See [`super::state`].
    pub state: Option<super::state::State>,
    /// Committing: the transaction's id (`txid_current()`).
    pub xid: Option<i64>,
}

/// An action: its intent and, unless it never finished, its outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub intent: Line,
    pub outcome: Option<Line>,
    /// An atomic plan's line before its commit.
    pub committing: Option<Line>,
    /// An atomic entry without an outcome: whether its transaction committed, as the server
    /// said when asked (None: not asked, or it could not tell).
    pub committed: Option<bool>,
}

impl Entry {
    pub fn id(&self) -> &str {
        &self.intent.id
    }

    /// How it ended; `None` while no outcome is recorded.
    pub fn status(&self) -> Option<Status> {
        self.outcome.as_ref().and_then(|o| o.outcome)
    }

    /// [`status`](Self::status) as the history shows it.
    pub fn status_text(&self) -> &'static str {
        self.status()
            .map_or("unfinished (no outcome recorded)", Status::as_str)
    }

    /// No outcome was written: the process died (or still runs) between intent and outcome.
    pub fn unfinished(&self) -> bool {
        self.outcome.is_none()
    }

    pub fn completed(&self) -> usize {
        self.outcome
            .as_ref()
            .and_then(|o| o.completed_steps)
            .unwrap_or(0)
    }

    /// The statements that undo what this entry did (empty when there is nothing to undo). An
    /// unfinished entry may have done any part of its work: its whole undo is replayed (each
    /// undo statement is a no-op where there is nothing to undo) — but an atomic one did all or
    /// nothing: nothing when it never reached its commit or its transaction did not commit.
    pub fn undo(&self) -> Vec<Step> {
        self.intent
            .plan
            .as_ref()
            .map(|p| {
                let done = match (self.unfinished(), p.atomic) {
                    (false, _) => self.completed(),
                    (true, false) => p.steps.len(),
                    (true, true) => match (&self.committing, self.committed) {
                        (None, _) | (Some(_), Some(false)) => 0,
                        (Some(_), _) => p.steps.len(),
                    },
                };
                p.undo_for(done)
            })
            .unwrap_or_default()
    }

    /// An atomic entry without an outcome whose transaction reached its commit: its id, for
    /// the server to say whether it committed.
    pub fn pending_commit(&self) -> Option<i64> {
        let atomic = self.intent.plan.as_ref().is_some_and(|p| p.atomic);
        (atomic && self.unfinished())
            .then(|| self.committing.as_ref().and_then(|c| c.xid))
            .flatten()
    }

    /// The settings it changes as they stood before it ran, and as it left them.
    pub fn state_before(&self) -> Option<&super::state::State> {
        self.intent.state.as_ref()
    }

    /// What it left: its outcome's, or the state its transaction was about to commit when it
    /// did commit.
    pub fn state_after(&self) -> Option<&super::state::State> {
        self.outcome
            .as_ref()
            .and_then(|o| o.state.as_ref())
            .or_else(|| match self.committed {
                Some(true) => self.committing.as_ref().and_then(|c| c.state.as_ref()),
                _ => None,
            })
    }

    pub fn changes(&self) -> &[super::change::Change] {
        self.intent
            .plan
            .as_ref()
            .map(|p| p.changes.as_slice())
            .unwrap_or_default()
    }
}

pub struct Journal {
    pub path: PathBuf,
}

/// Why the journal could not be read or written. An I/O error is carried as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JournalError {
    /// Its path is a symlink.
    Symlink { path: PathBuf },
    /// It could not be opened.
    Open { path: PathBuf, error: String },
    /// It (or its metadata) could not be read.
    Read { path: PathBuf, error: String },
    /// Not a regular file (a directory, a FIFO).
    NotRegular { path: PathBuf },
    /// Another user's.
    OtherOwner { path: PathBuf, uid: u32, own: u32 },
    /// Writable by others (`mode`, its permission bits).
    WritableByOthers { path: PathBuf, mode: u32 },
    /// Its permissions could not be made the owner's only.
    Restrict { path: PathBuf, error: String },
    /// Its directory could not be created.
    CreateDir { dir: PathBuf, error: String },
    /// A line could not be written as JSON.
    Encode(String),
    /// Opened for writing, yet no file.
    NoJournal,
    /// A line could not be written.
    Write { path: PathBuf, error: String },
}

impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use JournalError::*;
        match self {
            Symlink { path } => write!(
                f,
                "the journal {} is a symlink; give --journal the file itself",
                path.display()
            ),
            Open { path, error } => {
                write!(f, "cannot open the journal {}: {error}", path.display())
            }
            Read { path, error } => {
                write!(f, "cannot read the journal {}: {error}", path.display())
            }
            NotRegular { path } => write!(
                f,
                "the journal {} is not a regular file; give --journal a file path",
                path.display()
            ),
            OtherOwner { path, uid, own } => write!(
                f,
                "the journal {} belongs to another user (uid {uid}): hypertop reads and writes only a journal of its own user's (uid {own}); give --journal a file of yours",
                path.display()
            ),
            WritableByOthers { path, mode } => write!(
                f,
                "the journal {} can be written by others (mode {mode:o}): what it holds may not be what hypertop wrote; make it private (chmod 600) after checking it",
                path.display()
            ),
            Restrict { path, error } => {
                write!(f, "cannot restrict the journal {}: {error}", path.display())
            }
            CreateDir { dir, error } => write!(f, "cannot create {}: {error}", dir.display()),
            Encode(error) => f.write_str(error),
            NoJournal => f.write_str("no journal"),
            Write { path, error } => {
                write!(f, "cannot write the journal {}: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for JournalError {}

impl Journal {
    pub fn new(path: PathBuf) -> Journal {
        Journal { path }
    }

    /// Opens the journal without blocking (a FIFO would block an ordinary open) and refuses
    /// anything but a regular file.
    fn open(&self, write: bool) -> Result<Option<File>, JournalError> {
        let path = || self.path.clone();
        let mut options = std::fs::OpenOptions::new();
        // Never through a symlink: one planted at its path would have it write elsewhere.
        options
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW);
        if write {
            // Owner only: it names servers, roles and what was done to them.
            options.append(true).create(true).mode(0o600);
        }
        let f = match options.open(&self.path) {
            Ok(f) => f,
            Err(e) if !write && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(JournalError::Symlink { path: path() })
            }
            Err(e) => {
                return Err(JournalError::Open {
                    path: path(),
                    error: e.to_string(),
                })
            }
        };
        let meta = f.metadata().map_err(|e| JournalError::Read {
            path: path(),
            error: e.to_string(),
        })?;
        if !meta.is_file() {
            return Err(JournalError::NotRegular { path: path() });
        }
        // A rollback runs what the journal says: it must be this user's, and no one else's to
        // write. (Root too: a journal of another account is that account's word, not root's.)
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        match crate::paths::own_word(&meta) {
            Ok(()) => {}
            Err(crate::paths::NotOwn::OtherOwner { uid, own }) => {
                return Err(JournalError::OtherOwner {
                    path: path(),
                    uid,
                    own,
                })
            }
            Err(crate::paths::NotOwn::WritableByOthers { mode }) => {
                return Err(JournalError::WritableByOthers { path: path(), mode })
            }
        }
        // A journal an older hypertop (or a umask) left readable by others is closed to them
        // at the next write.
        if write && meta.mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| JournalError::Restrict {
                    path: path(),
                    error: e.to_string(),
                })?;
        }
        Ok(Some(f))
    }

    fn append(&self, line: &Line) -> Result<(), JournalError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Directories it creates are the owner's only (an existing one is left as it is).
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| JournalError::CreateDir {
                    dir: dir.to_path_buf(),
                    error: e.to_string(),
                })?;
        }
        let mut text =
            serde_json::to_string(line).map_err(|e| JournalError::Encode(e.to_string()))?;
        text.push('\n');
        let write_error = |e: std::io::Error| JournalError::Write {
            path: self.path.clone(),
            error: e.to_string(),
        };
        let mut f = self.open(true)?.ok_or(JournalError::NoJournal)?;
        // A line cut off by an earlier crash must not swallow this one: start on a new line.
        let len = f.metadata().map_err(write_error)?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            f.seek(SeekFrom::Start(len - 1))
                .and_then(|_| f.read_exact(&mut last))
                .map_err(write_error)?;
            if last[0] != b'\n' {
                text.insert(0, '\n');
            }
        }
        // One write per line, and synced: an intent must survive a crash of what follows.
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(write_error)
    }

    /// Records that `plan` is about to run; returns the entry id.
    pub fn intent(&self, origin: &Origin, plan: &Plan) -> Result<String, JournalError> {
        self.intent_with(origin, plan, None)
    }

    /// [`intent`](Self::intent), with what the settings it changes stand at before it runs.
    pub fn intent_with(
        &self,
        origin: &Origin,
        plan: &Plan,
        before: Option<super::state::State>,
    ) -> Result<String, JournalError> {
        let now = Utc::now();
        let id = entry_id(now);
        self.append(&Line {
            id: id.clone(),
            time: now,
            event: LineKind::Intent,
            origin: origin.clone(),
            command: plan.command.clone(),
            sql: plan.steps.iter().map(|s| s.display()).collect(),
            plan: Some(plan.clone()),
            rollback_of: plan.rollback_of.clone(),
            outcome: None,
            completed_steps: None,
            error: None,
            state: before,
            xid: None,
        })?;
        Ok(id)
    }

    /// The line an atomic plan writes when every statement ran, just before its transaction
    /// commits: the transaction's id and what the settings stand at in it.
    pub fn committing(
        &self,
        id: &str,
        origin: &Origin,
        command: &str,
        xid: i64,
        after: Option<super::state::State>,
    ) -> Result<(), JournalError> {
        self.append(&Line {
            id: id.into(),
            time: Utc::now(),
            event: LineKind::Committing,
            origin: origin.clone(),
            command: command.into(),
            sql: Vec::new(),
            plan: None,
            rollback_of: None,
            outcome: None,
            completed_steps: None,
            error: None,
            state: after,
            xid: Some(xid),
        })
    }

    /// The line that closes entry `id`: how it ended.
    pub fn outcome(
        &self,
        id: &str,
        origin: &Origin,
        command: &str,
        ending: Ending,
    ) -> Result<(), JournalError> {
        self.append(&Line {
            id: id.into(),
            time: Utc::now(),
            event: LineKind::Outcome,
            origin: origin.clone(),
            command: command.into(),
            sql: Vec::new(),
            plan: None,
            rollback_of: None,
            outcome: Some(ending.status),
            completed_steps: Some(ending.completed),
            error: ending.error,
            state: ending.after,
            xid: None,
        })
    }

    /// Every entry, oldest first (a missing journal is empty); lines that are not valid UTF-8
    /// JSON of a journal line are skipped and counted.
    pub fn read(&self) -> Result<Contents, JournalError> {
        let Some(mut f) = self.open(false)? else {
            return Ok(Contents::default());
        };
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).map_err(|e| JournalError::Read {
            path: self.path.clone(),
            error: e.to_string(),
        })?;
        let mut out: Vec<Entry> = Vec::new();
        let mut unreadable = 0;
        for raw in bytes.split(|b| *b == b'\n') {
            if raw.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let parsed = std::str::from_utf8(raw)
                .ok()
                .and_then(|t| serde_json::from_str::<Line>(t).ok());
            let Some(line) = parsed else {
                unreadable += 1;
                continue;
            };
            if line.event == LineKind::Intent {
                out.push(Entry {
                    intent: line,
                    outcome: None,
                    committing: None,
                    committed: None,
                });
            } else if let Some(e) = out.iter_mut().rev().find(|e| e.intent.id == line.id) {
                match line.event {
                    LineKind::Committing => e.committing = Some(line),
                    _ => e.outcome = Some(line),
                }
            }
        }
        Ok(Contents {
            entries: out,
            unreadable,
        })
    }

    /// The entries for this database, oldest first, and how many lines could not be read.
    pub fn history(&self, origin: &Origin) -> Result<Contents, JournalError> {
        let mut read = self.read()?;
        read.entries
            .retain(|e| e.intent.origin.same_database(origin));
        Ok(read)
    }
}

/// A new entry's id: its second, then a number this process counts up from a start drawn from
/// its pid and the clock. Drawn afresh for each entry, two entries of one process in one second
/// shared an id now and then (1 in 65,536 per pair, more on a coarse clock), and the later one
/// then read as rolled back by the earlier one's rollback.
fn entry_id(now: DateTime<Utc>) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::OnceLock;
    static NEXT: OnceLock<AtomicU32> = OnceLock::new();
    let next = NEXT.get_or_init(|| {
        AtomicU32::new(now.timestamp_subsec_nanos() ^ std::process::id().rotate_left(12))
    });
    format!(
        "{}-{:06x}",
        now.format("%Y%m%d-%H%M%S"),
        next.fetch_add(1, Ordering::Relaxed) & 0xff_ffff
    )
}

/// Bytes per second of the `verb` work done on relation `oid` that ended well, and how many
/// runs that is (None: none).
pub fn pace(entries: &[Entry], verb: &str, oid: u32) -> Option<(f64, usize)> {
    let (mut bytes, mut secs, mut runs) = (0i64, 0f64, 0usize);
    for e in entries {
        let (Some(w), Some(out)) = (
            e.intent.plan.as_ref().and_then(|p| p.work.as_ref()),
            &e.outcome,
        ) else {
            continue;
        };
        if w.verb != verb || w.relation != oid || e.status() != Some(Status::Ok) {
            continue;
        }
        let took = (out.time - e.intent.time).as_seconds_f64();
        if took > 0.0 && w.bytes > 0 {
            bytes += w.bytes;
            secs += took;
            runs += 1;
        }
    }
    (runs > 0).then(|| (bytes as f64 / secs, runs))
}

/// The entry whose completed rollback undid entry `id`, if any.
pub(crate) fn rolled_back_by<'a>(entries: &'a [Entry], id: &str) -> Option<&'a str> {
    entries
        .iter()
        .find(|r| r.intent.rollback_of.as_deref() == Some(id) && r.status() == Some(Status::Ok))
        .map(Entry::id)
}

/// `history` as text: one line per entry, newest last (control characters escaped), and how
/// many lines were skipped.
pub fn format_history(contents: &Contents, utc: bool) -> Vec<String> {
    let mut lines: Vec<String> = contents
        .entries
        .iter()
        .map(|e| {
            let irreversible = e.intent.plan.as_ref().is_some_and(|p| p.inverse.is_none());
            let undo = match (
                &e.intent.rollback_of,
                rolled_back_by(&contents.entries, e.id()),
            ) {
                (Some(of), _) => format!("rollback of {of}"),
                (None, Some(by)) => format!("rolled back by {by}"),
                (None, None)
                    if e.status() != Some(Status::Ok) && !e.unfinished() && e.completed() == 0 =>
                {
                    "nothing was changed".into()
                }
                (None, None) if !e.undo().is_empty() => "reversible".into(),
                (None, None) if irreversible => "irreversible".into(),
                (None, None) => "nothing to undo".into(),
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
                e.status_text(),
                error,
                undo
            )
        })
        .map(|l| crate::format::printable(&l))
        .collect();
    if contents.unreadable > 0 {
        lines.push(format!(
            "({} unreadable journal line(s) skipped)",
            contents.unreadable
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::parse::parse;
    use crate::actions::plan::{plan, Facts, JobSettings};
    use crate::actions::rollback;

    fn origin(db: &str) -> Origin {
        Origin {
            os_user: "me".into(),
            role: "postgres".into(),
            host: "h".into(),
            port: "5432".into(),
            database: db.into(),
            system_id: Some("7301234567890123456".into()),
            database_oid: Some(16384),
        }
    }

    #[test]
    fn entries_of_one_process_in_one_second_have_distinct_ids() {
        // The same instant for all: only the counter can tell them apart (the old id, drawn
        // from the clock's nanoseconds, repeated by chance within a second).
        let now = Utc::now();
        let ids: std::collections::HashSet<String> = (0..100_000).map(|_| entry_id(now)).collect();
        assert_eq!(ids.len(), 100_000);
        let id = entry_id(now);
        assert!(
            id.starts_with(&now.format("%Y%m%d-%H%M%S-").to_string()),
            "{id}"
        );
    }

    #[test]
    fn a_database_made_again_under_its_name_is_another() {
        let then = origin("metrics");
        let again = Origin {
            database_oid: Some(16999),
            ..origin("metrics")
        };
        assert!(then.same_database(&origin("metrics")));
        assert!(!then.same_database(&again), "its job 1000 is another job");
        // An entry journaled before oids were: known by cluster and name, as it was.
        let old = Origin {
            database_oid: None,
            ..origin("metrics")
        };
        assert!(old.same_database(&again));
    }

    fn job_plan(line: &str) -> Plan {
        let facts = Facts {
            ts: "\"public\"".into(),
            job: Some(JobSettings {
                job_id: 7,
                proc_name: "policy_compression".into(),
                proc_schema: "_timescaledb_functions".into(),
                owner: None,
                scheduled: true,
                schedule_interval: "1 day".into(),
                max_runtime: "00:00:00".into(),
                max_retries: -1,
                retry_period: "00:05:00".into(),
                config: Some(serde_json::json!({"compress_after": "7 days"})),
                next_start: None,
                fixed_schedule: false,
                initial_start: None,
                timezone: None,
                owner_role: None,
            }),
            ..Default::default()
        };
        plan(&parse(line).unwrap(), &facts).unwrap()
    }

    fn journal() -> (tempfile::TempDir, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::new(dir.path().join("sub/journal.jsonl"));
        (dir, j)
    }

    /// A fresh journal, the origin `metrics` and a plan pausing job 7.
    fn pause_job_7() -> (tempfile::TempDir, Journal, Origin, Plan) {
        let (dir, j) = journal();
        (dir, j, origin("metrics"), job_plan("pause-job 7"))
    }

    /// Bytes written to the journal's file as they are (a torn or foreign line).
    fn append_raw(j: &Journal, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&j.path)
            .unwrap();
        f.write_all(bytes).unwrap();
    }

    #[test]
    fn intent_outcome_and_rollback_once() {
        let (_dir, j) = journal();
        let o = origin("metrics");
        assert_eq!(
            rollback::undoing(&j, &o, None),
            Err(rollback::RollbackError::NothingToRollBack { latest: None })
        );
        let p = job_plan("pause-job 7");
        let id = j.intent(&o, &p).unwrap();
        j.outcome(&id, &o, &p.command, Ending::new(Status::Ok, 1, None))
            .unwrap();
        // The typed events are written as the words journals have always held.
        let text = std::fs::read_to_string(&j.path).unwrap();
        assert!(text.contains(r#""event":"intent""#), "{text}");
        assert!(
            text.contains(r#""event":"outcome""#) && text.contains(r#""outcome":"ok""#),
            "{text}"
        );
        let rollback::Undoing {
            entry: target,
            later,
        } = rollback::undoing(&j, &o, None).unwrap();
        assert_eq!(target.id(), id);
        assert!(later.is_empty());
        let rb = rollback::plan(&target, later);
        assert_eq!(
            rb.steps[0].params[2].as_deref(),
            Some("true"),
            "resumes the job"
        );
        assert_eq!(rb.steps[0].params[1], None, "and leaves the schedule alone");
        let rid = j.intent(&o, &rb).unwrap();
        j.outcome(&rid, &o, &rb.command, Ending::new(Status::Ok, 1, None))
            .unwrap();
        let err = rollback::undoing(&j, &o, Some(&id)).unwrap_err();
        assert!(
            matches!(err, rollback::RollbackError::AlreadyRolledBack { .. }),
            "{err}"
        );
        // with nothing left, it says why the latest change is not it
        let err = rollback::undoing(&j, &o, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("nothing to roll back for this database: the latest entry, {id} (pause-job 7) has already been rolled back")
        );
        assert!(matches!(
            rollback::undoing(&j, &o, Some(&rid)),
            Err(rollback::RollbackError::IsRollback { .. })
        ));
        // Other databases' entries are not this database's history.
        assert!(j.history(&origin("other")).unwrap().entries.is_empty());
        let lines = format_history(&j.history(&o).unwrap(), true);
        assert!(
            lines[0].contains("pause-job 7")
                && lines[0].contains("[ok]")
                && lines[0].contains(&format!("rolled back by {rid}")),
            "{lines:?}"
        );
        assert!(lines[1].contains(&format!("rollback of {id}")), "{lines:?}");
        // A command naming an object with terminal escapes is shown escaped.
        let mut evil = job_plan("pause-job 7");
        evil.command = "compress \"x\u{1b}]0;pwned\u{7}\"".into();
        j.intent(&o, &evil).unwrap();
        let lines = format_history(&j.history(&o).unwrap(), true);
        let last = lines.last().unwrap();
        assert!(
            !last.contains('\u{1b}') && last.contains("\\x1b]0;pwned\\x07"),
            "{last}"
        );
    }

    #[test]
    fn an_unfinished_entry_is_rolled_back_by_replaying_its_whole_undo() {
        let (_dir, j, o, p) = pause_job_7();
        let id = j.intent(&o, &p).unwrap();
        // Killed here: no outcome.
        let rollback::Undoing {
            entry: target,
            later,
        } = rollback::undoing(&j, &o, Some(&id)).unwrap();
        assert!(target.unfinished());
        let rb = rollback::plan(&target, later);
        assert_eq!(rb.steps.len(), 1);
        assert!(rb.warnings[0].contains("no outcome"), "{:?}", rb.warnings);
        // A failure before the first statement leaves nothing to undo.
        let id2 = j.intent(&o, &p).unwrap();
        j.outcome(
            &id2,
            &o,
            &p.command,
            Ending::new(Status::Failed, 0, Some("x")),
        )
        .unwrap();
        assert!(matches!(
            rollback::undoing(&j, &o, Some(&id2)),
            Err(rollback::RollbackError::CannotRollBack {
                why: rollback::NoUndo::NothingApplied { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_torn_last_line_does_not_swallow_the_next_entry() {
        let (_dir, j, o, p) = pause_job_7();
        let id = j.intent(&o, &p).unwrap();
        // A crash in the middle of writing the outcome: half a line, no newline.
        append_raw(&j, b"{\"id\":\"x\",\"ev");
        let id2 = j.intent(&o, &p).unwrap();
        j.outcome(&id2, &o, &p.command, Ending::new(Status::Ok, 1, None))
            .unwrap();
        let read = j.history(&o).unwrap();
        let ids: Vec<&str> = read.entries.iter().map(Entry::id).collect();
        assert_eq!(ids, [id.as_str(), id2.as_str()]);
        assert_eq!(read.entries[1].status(), Some(Status::Ok));
        assert_eq!(read.unreadable, 1);
        let lines = format_history(&read, true);
        assert!(
            lines.last().unwrap().contains("1 unreadable journal line"),
            "{lines:?}"
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_skipped_and_counted() {
        let (_dir, j, o, p) = pause_job_7();
        j.intent(&o, &p).unwrap();
        append_raw(&j, b"\xff\xfe not json\n");
        let id2 = j.intent(&o, &p).unwrap();
        let read = j.history(&o).unwrap();
        assert_eq!(read.entries.len(), 2);
        assert_eq!(read.entries[1].id(), id2);
        assert_eq!(read.unreadable, 1);
    }

    #[test]
    fn the_journal_is_its_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // New: 0600 in a new 0700 directory, whatever the umask.
        let j = Journal::new(dir.path().join("state/hypertop/journal.jsonl"));
        j.intent(&origin("metrics"), &job_plan("pause-job 7"))
            .unwrap();
        assert_eq!(mode(&j.path), 0o600);
        assert_eq!(mode(j.path.parent().unwrap()), 0o700);
        // Left world-readable by an older version: closed at the next write.
        std::fs::set_permissions(&j.path, std::fs::Permissions::from_mode(0o644)).unwrap();
        j.intent(&origin("metrics"), &job_plan("pause-job 7"))
            .unwrap();
        assert_eq!(mode(&j.path), 0o600);
    }

    #[test]
    fn a_journal_is_never_written_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "mine\n").unwrap();
        let link = dir.path().join("journal.jsonl");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let j = Journal::new(link);
        let err = j
            .intent(&origin("metrics"), &job_plan("pause-job 7"))
            .unwrap_err();
        assert!(matches!(err, JournalError::Symlink { .. }), "{err}");
        assert!(err.to_string().contains("is a symlink"), "{err}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine\n");
    }

    #[test]
    fn only_a_regular_file_is_a_journal() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid, NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let j = Journal::new(fifo);
        let o = origin("metrics");
        let err = j.intent(&o, &job_plan("pause-job 7")).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        assert!(matches!(
            j.read().unwrap_err(),
            JournalError::NotRegular { .. }
        ));
        let j = Journal::new(dir.path().to_path_buf());
        assert!(j.read().is_err(), "a directory");
    }

    #[test]
    fn rollback_restores_only_its_setting_and_names_later_changes_of_it() {
        let (_dir, j) = journal();
        let o = origin("metrics");
        let done = |line: &str| {
            let p = job_plan(line);
            let id = j.intent(&o, &p).unwrap();
            j.outcome(&id, &o, &p.command, Ending::new(Status::Ok, 1, None))
                .unwrap();
            id
        };
        let schedule = done("set-schedule 7 6h");
        done("pause-job 7");
        // Another setting changed later: no conflict, and the undo leaves it alone.
        let rollback::Undoing {
            entry: target,
            later,
        } = rollback::undoing(&j, &o, Some(&schedule)).unwrap();
        assert!(later.is_empty(), "{later:?}");
        let undo = &rollback::plan(&target, later).steps[0];
        assert_eq!(undo.params[1].as_deref(), Some("1 day"));
        assert_eq!(undo.params[2], None, "the paused flag is not touched");
        assert_eq!(undo.params[3], None, "the config is not touched");
        // The same setting changed later: named, and the rollback must be forced.
        let again = done("set-schedule 7 2h");
        let rollback::Undoing {
            entry: target,
            later,
        } = rollback::undoing(&j, &o, Some(&schedule)).unwrap();
        assert_eq!(later.len(), 1, "{later:?}");
        assert!(later[0].contains(&again), "{later:?}");
        let rb = rollback::plan(&target, later);
        assert!(rb.needs_force);
        assert_eq!(rb.confirm, crate::actions::Confirm::TypeName(schedule));
    }

    #[test]
    fn a_database_is_known_by_its_cluster_identity() {
        let a = origin("metrics");
        let mut moved = a.clone();
        moved.port = "6543".into();
        assert!(
            a.same_database(&moved),
            "another port or tunnel, same cluster"
        );
        let mut other = a.clone();
        other.system_id = Some("7300000000000000000".into());
        assert!(!a.same_database(&other), "same address, another cluster");
        let mut unknown = a.clone();
        unknown.system_id = None;
        assert!(!a.same_database(&unknown), "cannot show it is the same");
        let mut plain = unknown.clone();
        plain.role = "x".into();
        assert!(unknown.same_database(&plain));
    }
}
