//! Why a recording could not be written or read back, by reason.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// What the file system was asked when it refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doing {
    Create,
    Open,
    Read,
    MakePrivate,
    Move,
}

#[derive(Debug)]
pub enum RecordError {
    /// SQLite failed at `what` on the recording at `path`.
    Sqlite {
        path: PathBuf,
        what: &'static str,
        error: rusqlite::Error,
    },
    /// The file system refused `doing` on `path`.
    Io {
        path: PathBuf,
        doing: Doing,
        error: std::io::Error,
    },
    NotRegular {
        path: PathBuf,
    },
    /// Written by a newer hypertop, whose schema this one does not know.
    NewerSchema {
        path: PathBuf,
        version: i64,
        /// The newest this hypertop knows (the error names it, so it need not import the store).
        known: i64,
    },
    NoWriteAhead {
        path: PathBuf,
        mode: String,
    },
    /// Another user's file: its frames are that user's word, not this one's (root's neither).
    OtherOwner {
        path: PathBuf,
        uid: u32,
        own: u32,
    },
    /// Others may write it: what it says could be anyone's.
    WritableByOthers {
        path: PathBuf,
        mode: u32,
    },
    /// The recording holds another server's or database's frames (`recorded`), this read is
    /// of `now`'s: one file never mixes two.
    OtherServer {
        path: PathBuf,
        recorded: String,
        now: String,
    },
    /// The snapshot could not be made into a frame.
    Serialize(serde_json::Error),
    NotAnObject,
    /// No session to read with (the daemon tries again at its next interval).
    NoConnection,
    /// The recording's thread could not be started.
    Thread(std::io::Error),
    /// Nothing to print back: no recording, none before the time asked, or an empty one.
    NoRecording {
        target: String,
        path: PathBuf,
    },
    BeforeStart {
        target: String,
        at: DateTime<Utc>,
        first: DateTime<Utc>,
    },
    Empty {
        target: String,
        /// The recording's file, or the team store, as said.
        place: String,
    },
    /// The team store failed at `what`.
    Team {
        store: String,
        what: &'static str,
        error: String,
    },
    /// The team store cannot be reached.
    TeamDown {
        store: String,
        why: String,
    },
    /// The team store cannot be used as it is (no store, another version, this login's rights).
    TeamStore {
        store: String,
        why: String,
    },
    /// The team store holds nothing of this target.
    NotInStore {
        target: String,
        store: String,
    },
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use RecordError::*;
        match self {
            Sqlite { path, what, error } => {
                write!(f, "the recording {}: {what}: {error}", path.display())
            }
            Io { path, doing, error } => {
                let p = path.display();
                match doing {
                    Doing::Create => write!(f, "cannot create {p}: {error}"),
                    Doing::Open => write!(f, "cannot open the recording {p}: {error}"),
                    Doing::Read => write!(f, "cannot read {p}: {error}"),
                    Doing::MakePrivate => write!(f, "cannot make {p} private: {error}"),
                    Doing::Move => write!(f, "cannot move {p} aside: {error}"),
                }
            }
            Thread(error) => write!(f, "cannot start the recording: {error}"),
            NotRegular { path } => {
                write!(f, "the recording {} is not a regular file", path.display())
            }
            NewerSchema {
                path,
                version,
                known,
            } => write!(
                f,
                "the recording {} has schema version {version}, newer than this hypertop's ({}): read it with a newer hypertop",
                path.display(),
                known
            ),
            NoWriteAhead { path, mode } => write!(
                f,
                "the recording {}: cannot use write-ahead logging (journal mode {mode})",
                path.display()
            ),
            OtherOwner { path, uid, own } => write!(
                f,
                "the recording {} belongs to another user (uid {uid}): hypertop reads and writes only its own user's recordings (uid {own})",
                path.display()
            ),
            WritableByOthers { path, mode } => write!(
                f,
                "the recording {} may be written by other users (mode {mode:o}): not read; `chmod go-w` it if its content is trusted",
                path.display()
            ),
            OtherServer { path, recorded, now } => write!(
                f,
                "the recording {} holds frames of server {recorded}, this connection reaches server {now}: the same address now leads to another server or database",
                path.display()
            ),
            Serialize(e) => write!(f, "cannot serialize the snapshot: {e}"),
            NotAnObject => f.write_str("the snapshot is not a JSON object"),
            NoConnection => f.write_str("no connection: trying again at the next interval"),
            NoRecording { target, path } => write!(
                f,
                "nothing was recorded for {target}: there is no recording {} (`hypertop record` makes one)",
                path.display()
            ),
            BeforeStart { target, at, first } => write!(
                f,
                "nothing was recorded for {target} at or before {}: the recording starts at {}",
                super::stamp(*at),
                super::stamp(*first)
            ),
            Empty { target, place } => write!(
                f,
                "nothing was recorded for {target}: {place} holds no frame"
            ),
            Team { store, what, error } => write!(f, "the team store {store}: {what}: {error}"),
            TeamDown { store, why } => write!(f, "the team store {store} cannot be reached: {why}"),
            TeamStore { store, why } => write!(f, "the team store {store}: {why}"),
            NotInStore { target, store } => write!(
                f,
                "nothing was recorded for {target} in the team store {store} (`hypertop record --into` records there)"
            ),
        }
    }
}

impl std::error::Error for RecordError {}

/// The file system's refusal of `doing` on `path`.
pub fn io(path: &std::path::Path, doing: Doing) -> impl Fn(std::io::Error) -> RecordError + '_ {
    move |error| RecordError::Io {
        path: path.to_path_buf(),
        doing,
        error,
    }
}

/// Why `--at` names no moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    TooLongAgo { text: String },
    NotATime { text: String },
}

impl std::fmt::Display for TimeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TimeError::TooLongAgo { text } => write!(f, "--at {text}: too long ago"),
            TimeError::NotATime { text } => write!(
                f,
                "--at {text:?}: not a time (examples: 2026-11-27T03:12:00Z, 03:12 for today in local time, 10m for ten minutes ago)"
            ),
        }
    }
}

impl std::error::Error for TimeError {}
