//! The recording's file: an SQLite database (WAL, one transaction per frame) that several
//! writers may append to at once — the console, the exporter, `record` — and that a writer
//! killed mid-frame leaves whole. A frame is the time it was read and its sections, each a
//! serialized value; a value is stored once and referenced by every frame that saw it, so a
//! quiet database costs a few rows a frame. Nothing read from a database reaches SQL text:
//! every value goes in as a parameter.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use crate::history::{Sample, Series};

use super::bounds::Bounds;
use super::error::{io, Doing, RecordError};

/// The schema this build writes (`PRAGMA user_version`): 1 frames, 2 samples too, 3 what a
/// one-shot read keeps for the next, 4 that by identity.
pub const SCHEMA_VERSION: i64 = 4;

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- each distinct section value once
CREATE TABLE body (id INTEGER PRIMARY KEY, hash INTEGER NOT NULL, value TEXT NOT NULL);
CREATE INDEX body_hash ON body(hash);
CREATE TABLE frame (id INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL);
CREATE INDEX frame_at ON frame(at_ms);
CREATE TABLE section (
    frame INTEGER NOT NULL REFERENCES frame(id) ON DELETE CASCADE,
    pos INTEGER NOT NULL,
    name TEXT NOT NULL,
    body INTEGER NOT NULL REFERENCES body(id),
    PRIMARY KEY (frame, pos)
) WITHOUT ROWID;
CREATE INDEX section_body ON section(body);
";

/// Version 4: what a reader keeps for the next (`kept`), by the identity of the server, database
/// and role it holds for, and name (version 3 kept one identity's: two roles reading the same
/// database took each other's place; what it held is only a head start, and is let go).
const KEPT: &str = "
DROP TABLE IF EXISTS kept;
CREATE TABLE kept (
    identity TEXT NOT NULL,
    name TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (identity, name)
) WITHOUT ROWID;
";

/// Version 2: the history's samples (the console's pictures), each series' key once.
const SAMPLES: &str = "
CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE sample (
    series INTEGER NOT NULL REFERENCES series(id),
    at_s INTEGER NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (series, at_s)
) WITHOUT ROWID;
CREATE INDEX sample_at ON sample(at_s);
";

/// How long a writer waits for another's transaction before giving up on a frame.
pub const BUSY_WAIT: Duration = Duration::from_secs(10);

/// What a refresh saw: when it was read, and its sections in order (name, serialized value).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub at: DateTime<Utc>,
    pub sections: Vec<(String, String)>,
}

/// An open recording.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: PathBuf,
    bounds: Bounds,
}

/// The note naming the server the frames are of.
const SERVER: &str = "server";

/// A recording is its owner's word, as the journal is ([`crate::paths::own_word`]).
fn owned(path: &Path, meta: &std::fs::Metadata) -> Result<(), RecordError> {
    use crate::paths::NotOwn;
    let path = path.to_path_buf();
    crate::paths::own_word(meta).map_err(|why| match why {
        NotOwn::OtherOwner { uid, own } => RecordError::OtherOwner { path, uid, own },
        NotOwn::WritableByOthers { mode } => RecordError::WritableByOthers { path, mode },
    })
}

/// Whether SQLite found the file damaged (not a database, or corrupt): a writer moves it aside
/// and begins anew rather than failing on it at every start.
pub fn is_damaged(e: &RecordError) -> bool {
    let RecordError::Sqlite { error, .. } = e else {
        return false;
    };
    matches!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt)
    )
}

/// Moves the recording at `path` (and its write-ahead files, which belong to it) aside under a
/// name saying `why` and when; the new name. Nothing is deleted: what it held can still be read.
pub fn move_aside(path: &Path, why: &str) -> Result<PathBuf, RecordError> {
    let when = Utc::now().format("%Y%m%dT%H%M%SZ");
    let aside = |p: &Path| -> PathBuf {
        let mut name = p.as_os_str().to_owned();
        name.push(format!(".{why}-{when}"));
        PathBuf::from(name)
    };
    let moved = aside(path);
    std::fs::rename(path, &moved).map_err(io(path, Doing::Move))?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        match std::fs::rename(&side, aside(&side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(io(&side, Doing::Move)(e))
            }
            _ => {}
        }
    }
    Ok(moved)
}

fn newer(path: &Path, version: i64) -> RecordError {
    RecordError::NewerSchema {
        path: path.to_path_buf(),
        version,
        known: SCHEMA_VERSION,
    }
}

/// An SQLite error as said to a user: which recording, doing what.
pub(super) fn err<'a>(
    path: &'a Path,
    what: &'static str,
) -> impl Fn(rusqlite::Error) -> RecordError + 'a {
    move |error| RecordError::Sqlite {
        path: path.to_path_buf(),
        what,
        error,
    }
}

impl Store {
    /// Opens the recording at `path` for writing, creating it (and its folder) private to the
    /// owner when missing.
    pub fn create(path: &Path, bounds: Bounds) -> Result<Store, RecordError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            super::place::make_private_dir(dir)?;
        }
        // Made here first with mode 0600: SQLite gives its -wal and -shm files the mode of the
        // database file, and would create that one with the umask's.
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            let f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(path)
                .map_err(io(path, Doing::Open))?;
            let meta = f.metadata().map_err(io(path, Doing::Read))?;
            if !meta.is_file() {
                return Err(RecordError::NotRegular {
                    path: path.to_path_buf(),
                });
            }
            owned(path, &meta)?;
            if meta.permissions().mode() & 0o077 != 0 {
                f.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(io(path, Doing::MakePrivate))?;
            }
        }
        let mut store = Self::open_with(path, bounds)?;
        store.write_ahead_waiting()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens for writing a recording [`create`](Self::create) made before in this process
    /// (its folder, mode, write-ahead log and schema already seen to), or creates it again.
    pub fn reopen(path: &Path, bounds: Bounds) -> Result<Store, RecordError> {
        let store = Self::open_with(path, bounds.clone())?;
        match store.version()? {
            SCHEMA_VERSION => Ok(store),
            v if v > SCHEMA_VERSION => Err(newer(path, v)),
            _ => {
                drop(store);
                Self::create(path, bounds)
            }
        }
    }

    /// Opens an existing recording to read it; None when there is none.
    pub fn open(path: &Path) -> Result<Option<Store>, RecordError> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(path, Doing::Read)(e)),
            Ok(m) if !m.is_file() => {
                return Err(RecordError::NotRegular {
                    path: path.to_path_buf(),
                })
            }
            Ok(m) => owned(path, &m)?,
        }
        let store = Self::open_with(path, Bounds::default())?;
        // A reader takes no write lock: a file whose schema a writer has yet to create (or is
        // creating) holds nothing yet.
        match store.version()? {
            0 => Ok(None),
            v if v <= SCHEMA_VERSION => Ok(Some(store)),
            v => Err(newer(path, v)),
        }
    }

    /// [`write_ahead`](Self::write_ahead), waiting while another writer holds the file: SQLite
    /// answers a change of journal mode under another's lock with "busy" at once, without its
    /// busy timeout (two writers creating the same recording at once).
    fn write_ahead_waiting(&self) -> Result<(), RecordError> {
        let started = std::time::Instant::now();
        loop {
            match self.write_ahead() {
                Err(RecordError::Sqlite { error, .. })
                    if started.elapsed() < BUSY_WAIT
                        && matches!(
                            error.sqlite_error_code(),
                            Some(
                                rusqlite::ErrorCode::DatabaseBusy
                                    | rusqlite::ErrorCode::DatabaseLocked
                            )
                        ) =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                done => return done,
            }
        }
    }

    /// A writer's settings of the file (each takes a lock: only where they change something,
    /// so that a writer opening waits for no other's transaction).
    fn write_ahead(&self) -> Result<(), RecordError> {
        let (conn, path) = (&self.conn, self.path.as_path());
        if self.version()? == 0 {
            // before any table exists: freed pages can then be given back to the file system
            conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
                .map_err(err(path, "auto_vacuum"))?;
        }
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .map_err(err(path, "journal_mode"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            let mode: String = conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
                .map_err(err(path, "journal_mode"))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(RecordError::NoWriteAhead {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        // the -wal file is cut back to this after a checkpoint
        conn.pragma_update(None, "journal_size_limit", 4 << 20)
            .map_err(err(path, "journal_size_limit"))
    }

    fn version(&self) -> Result<i64, RecordError> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err(&self.path, "cannot read the schema version"))
    }

    /// Read-write for readers too: a reader of a WAL database maps its -shm file, which it may
    /// create (as root, SQLite gives it the database file's owner).
    fn open_with(path: &Path, bounds: Bounds) -> Result<Store, RecordError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(err(path, "cannot open"))?;
        conn.busy_timeout(BUSY_WAIT)
            .map_err(err(path, "busy_timeout"))?;
        // WAL with NORMAL: a crash may lose the last frames, never the file's consistency.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err(path, "synchronous"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err(path, "foreign_keys"))?;
        // a fleet console holds fifty recordings open: each keeps at most 1 MiB of pages
        conn.pragma_update(None, "cache_size", -1024)
            .map_err(err(path, "cache_size"))?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            bounds,
        })
    }

    /// Creates the schema in a new file, in one transaction (two writers may create the same
    /// file at once); refuses a file of a newer schema.
    fn migrate(&mut self) -> Result<(), RecordError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err(&path, "cannot begin"))?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err(&path, "cannot read the schema version"))?;
        if version > SCHEMA_VERSION {
            return Err(newer(&path, version));
        }
        if version < 1 {
            tx.execute_batch(SCHEMA)
                .map_err(err(&path, "cannot create the schema"))?;
        }
        if version < 2 {
            tx.execute_batch(SAMPLES)
                .map_err(err(&path, "cannot add the samples"))?;
        }
        if version < 4 {
            tx.execute_batch(KEPT)
                .map_err(err(&path, "cannot add what is kept"))?;
        }
        if version < SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(err(&path, "user_version"))?;
        }
        tx.commit().map_err(err(&path, "cannot commit"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A note kept with the recording (what the target is).
    pub fn set_note(&self, key: &str, value: &str) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .map(drop)
            .map_err(err(&self.path, "cannot write a note"))
    }

    /// Holds the recording to one `server` ([`super::server_of`]): a recording without one
    /// takes it, one of another server refuses (its frames are not this server's).
    pub fn claim(&self, server: &str) -> Result<(), RecordError> {
        match self.note(SERVER)? {
            Some(recorded) if recorded != server => Err(RecordError::OtherServer {
                path: self.path.clone(),
                recorded,
                now: server.to_string(),
            }),
            Some(_) => Ok(()),
            None => self.set_note(SERVER, server),
        }
    }

    /// The server the frames are of (None in a recording made before servers were noted).
    pub fn server(&self) -> Result<Option<String>, RecordError> {
        self.note(SERVER)
    }

    pub fn note(&self, key: &str) -> Result<Option<String>, RecordError> {
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(err(&self.path, "cannot read a note"))
    }

    /// Appends `frame` in one transaction: whole or not at all. Then, at most every
    /// `prune_every` of the frames' time, the bounds are enforced.
    pub fn append(&mut self, frame: &Frame) -> Result<(), RecordError> {
        let path = self.path.clone();
        let at = frame.at.timestamp_millis();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err(&path, "cannot begin a frame"))?;
        tx.execute("INSERT INTO frame (at_ms) VALUES (?1)", [at])
            .map_err(err(&path, "cannot write a frame"))?;
        let id = tx.last_insert_rowid();
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM body WHERE hash = ?1 AND value = ?2 LIMIT 1")
                .map_err(err(&path, "find"))?;
            let mut add = tx
                .prepare_cached("INSERT INTO body (hash, value) VALUES (?1, ?2)")
                .map_err(err(&path, "add"))?;
            let mut link = tx
                .prepare_cached(
                    "INSERT INTO section (frame, pos, name, body) VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(err(&path, "link"))?;
            for (pos, (name, value)) in frame.sections.iter().enumerate() {
                // stored as a signed integer: the bits are what matter
                let hash = crate::hash::fnv1a(value.as_bytes()) as i64;
                let found: Option<i64> = find
                    .query_row(params![hash, value], |r| r.get(0))
                    .optional()
                    .map_err(err(&path, "cannot look up a section"))?;
                let body = match found {
                    Some(b) => b,
                    None => {
                        add.execute(params![hash, value])
                            .map_err(err(&path, "cannot write a section"))?;
                        tx.last_insert_rowid()
                    }
                };
                link.execute(params![id, pos as i64, name, body])
                    .map_err(err(&path, "cannot write a section"))?;
            }
        }
        tx.commit().map_err(err(&path, "cannot commit a frame"))?;
        self.prune_if_due(at)
    }

    /// Enforces the bounds if `prune_every` of the recording's time has passed since it last
    /// did (each writer's appends call this: a console writes samples only).
    pub(super) fn prune_if_due(&mut self, at_ms: i64) -> Result<(), RecordError> {
        let last: Option<i64> = self.note("pruned_at_ms")?.and_then(|v| v.parse().ok());
        let every = i64::try_from(self.bounds.prune_every.as_millis()).unwrap_or(i64::MAX);
        if last.is_none_or(|l| (at_ms - l).abs() >= every) {
            self.prune(at_ms)?;
        }
        Ok(())
    }

    /// Enforces the bounds as of `now_ms`: frames past their age or thinned out go, then the
    /// oldest until the pages in use fit `max_bytes` (the newest frame always stays), then
    /// values no frame references; the freed pages are given back to the file system.
    pub fn prune(&mut self, now_ms: i64) -> Result<(), RecordError> {
        let path = self.path.clone();
        let bounds = self.bounds.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err(&path, "cannot begin pruning"))?;
        let whole = i64::try_from(bounds.kept_whole().as_millis()).unwrap_or(i64::MAX);
        let old: Vec<(i64, i64)> = {
            let mut q = tx
                .prepare("SELECT id, at_ms FROM frame WHERE at_ms <= ?1 ORDER BY at_ms, id")
                .map_err(err(&path, "prune"))?;
            let rows = q
                .query_map([now_ms.saturating_sub(whole)], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(err(&path, "prune"))?;
            rows.collect::<Result<_, _>>()
                .map_err(err(&path, "prune"))?
        };
        let mut gone = bounds.expired(&old, now_ms);
        // the newest frame stays whatever its age: the recording says when it last saw anything
        let newest: Option<i64> = tx
            .query_row(
                "SELECT id FROM frame ORDER BY at_ms DESC, id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(err(&path, "prune"))?;
        gone.retain(|id| Some(*id) != newest);
        drop_frames(&tx, &gone).map_err(err(&path, "cannot drop a frame"))?;
        let pruned_before: Option<i64> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'pruned_at_ms'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(err(&path, "prune"))?
            .and_then(|v| v.parse().ok());
        super::samples::thin(&tx, &bounds, now_ms, pruned_before)
            .map_err(err(&path, "cannot thin the samples"))?;
        // then the oldest, a twentieth of the frames at a time, until the pages in use fit
        loop {
            let used = used_bytes(&tx).map_err(err(&path, "prune"))?;
            let frames: i64 = tx
                .query_row("SELECT count(*) FROM frame", [], |r| r.get(0))
                .map_err(err(&path, "prune"))?;
            if used <= bounds.max_bytes {
                break;
            }
            // the samples' oldest twentieth of their time, then the frames'
            if super::samples::drop_oldest(&tx).map_err(err(&path, "prune"))? == 0 && frames <= 1 {
                break;
            }
            if frames <= 1 {
                continue;
            }
            let n = (frames / 20).clamp(1, frames - 1);
            let oldest: Vec<i64> = {
                let mut q = tx
                    .prepare_cached("SELECT id FROM frame ORDER BY at_ms, id LIMIT ?1")
                    .map_err(err(&path, "prune"))?;
                let rows = q
                    .query_map([n], |r| r.get(0))
                    .map_err(err(&path, "prune"))?;
                rows.collect::<Result<_, _>>()
                    .map_err(err(&path, "prune"))?
            };
            drop_frames(&tx, &oldest).map_err(err(&path, "cannot drop a frame"))?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('pruned_at_ms', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [now_ms.to_string()],
        )
        .map_err(err(&path, "prune"))?;
        tx.commit().map_err(err(&path, "cannot commit pruning"))?;
        self.conn
            .execute_batch("PRAGMA incremental_vacuum")
            .map_err(err(&path, "cannot give back free pages"))
    }

    /// The times of every frame, oldest first.
    pub fn times(&self) -> Result<Vec<DateTime<Utc>>, RecordError> {
        let mut q = self
            .conn
            .prepare("SELECT at_ms FROM frame ORDER BY at_ms, id")
            .map_err(err(&self.path, "cannot list frames"))?;
        let rows = q
            .query_map([], |r| r.get::<_, i64>(0))
            .map_err(err(&self.path, "cannot list frames"))?;
        rows.map(|r| {
            r.map_err(err(&self.path, "cannot list frames"))
                .map(|ms| DateTime::from_timestamp_millis(ms).unwrap_or_default())
        })
        .collect()
    }

    /// The frame recorded at `at` or last before it.
    pub fn at_or_before(&self, at: DateTime<Utc>) -> Result<Option<Frame>, RecordError> {
        let path = &self.path;
        let found: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT id, at_ms FROM frame WHERE at_ms <= ?1 ORDER BY at_ms DESC, id DESC LIMIT 1",
                [at.timestamp_millis()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(err(path, "cannot find a frame"))?;
        let Some((id, at_ms)) = found else {
            return Ok(None);
        };
        let mut q = self
            .conn
            .prepare_cached(
                "SELECT s.name, b.value FROM section s JOIN body b ON b.id = s.body
                 WHERE s.frame = ?1 ORDER BY s.pos",
            )
            .map_err(err(path, "cannot read a frame"))?;
        let sections = q
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(err(path, "cannot read a frame"))?
            .collect::<Result<Vec<(String, String)>, _>>()
            .map_err(err(path, "cannot read a frame"))?;
        Ok(Some(Frame {
            at: DateTime::from_timestamp_millis(at_ms).unwrap_or_default(),
            sections,
        }))
    }

    /// The bytes of the pages in use (the file less its free pages).
    pub fn used_bytes(&self) -> Result<u64, RecordError> {
        used_bytes(&self.conn).map_err(err(&self.path, "cannot measure"))
    }

    /// How many distinct section values are stored.
    pub fn bodies(&self) -> Result<i64, RecordError> {
        self.conn
            .query_row("SELECT count(*) FROM body", [], |r| r.get(0))
            .map_err(err(&self.path, "cannot count"))
    }
}

/// Deletes the frames `ids` and the values only they referenced: found through the frames'
/// own sections, so that the work is the dropped frames', not the store's.
fn drop_frames(conn: &Connection, ids: &[i64]) -> rusqlite::Result<()> {
    let mut bodies = std::collections::BTreeSet::new();
    let mut of_frame = conn.prepare_cached("SELECT body FROM section WHERE frame = ?1")?;
    let mut delete = conn.prepare_cached("DELETE FROM frame WHERE id = ?1")?;
    for id in ids {
        for body in of_frame.query_map([id], |r| r.get::<_, i64>(0))? {
            bodies.insert(body?);
        }
        // its sections go with it (ON DELETE CASCADE)
        delete.execute([id])?;
    }
    let mut orphan = conn.prepare_cached(
        "DELETE FROM body WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM section WHERE body = ?1)",
    )?;
    for body in bodies {
        orphan.execute([body])?;
    }
    Ok(())
}

fn used_bytes(conn: &Connection) -> rusqlite::Result<u64> {
    let get = |p: &str| conn.pragma_query_value(None, p, |r| r.get::<_, i64>(0));
    let pages = get("page_count")? - get("freelist_count")?;
    Ok(u64::try_from(pages.max(0) * get("page_size")?).unwrap_or(0))
}

/// The history's samples: appended as each read keeps them, read back for a console that
/// opens (the last hour, and each carried-forward value's latest before it).
impl Store {
    /// Appends `samples` in one transaction (a value of the same series and second replaces
    /// the one there; an event adds to it).
    pub fn append_samples(&mut self, samples: &[Sample]) -> Result<(), RecordError> {
        if samples.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |what| err(&path, what);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("cannot begin the samples"))?;
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM series WHERE key = ?1")
                .map_err(e("find a series"))?;
            let mut add = tx
                .prepare_cached("INSERT INTO series (key) VALUES (?1)")
                .map_err(e("add a series"))?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO sample (series, at_s, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (series, at_s) DO UPDATE SET value = excluded.value",
                )
                .map_err(e("put a sample"))?;
            let mut count = tx
                .prepare_cached(
                    "INSERT INTO sample (series, at_s, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (series, at_s) DO UPDATE SET value = value + excluded.value",
                )
                .map_err(e("count an event"))?;
            let mut ids: Vec<(&Series, i64)> = Vec::new();
            for s in samples {
                let id = match ids.iter().find(|(series, _)| *series == &s.series) {
                    Some(&(_, id)) => id,
                    None => {
                        let key = s.series.key();
                        let found: Option<i64> = find
                            .query_row([&key], |r| r.get(0))
                            .optional()
                            .map_err(e("cannot find a series"))?;
                        let id = match found {
                            Some(id) => id,
                            None => {
                                add.execute([&key]).map_err(e("cannot add a series"))?;
                                tx.last_insert_rowid()
                            }
                        };
                        // a read's samples are a few series, or one per object: a short list
                        if ids.len() < 64 {
                            ids.push((&s.series, id));
                        }
                        id
                    }
                };
                let stmt = if s.series.adds() {
                    &mut count
                } else {
                    &mut put
                };
                stmt.execute(params![id, s.at, s.value])
                    .map_err(e("cannot write a sample"))?;
            }
        }
        tx.commit().map_err(e("cannot commit the samples"))?;
        let newest = samples.iter().map(|s| s.at).max().unwrap_or(0);
        self.prune_if_due(i64::from(newest) * 1000)
    }

    /// The samples from `since` (seconds since 1970) on, and before it the latest of each
    /// series that carries its value forward, oldest first. Keys this build does not know are
    /// left out.
    pub fn samples_since(&self, since: u32) -> Result<Vec<Sample>, RecordError> {
        let e = |what| err(&self.path, what);
        let mut q = self
            .conn
            .prepare(
                "SELECT s.key, p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
                  WHERE p.at_s >= ?1
                 UNION ALL
                 SELECT s.key, max(p.at_s), p.value FROM sample p JOIN series s ON s.id = p.series
                  WHERE p.at_s < ?1
                    AND (s.key LIKE 'hypertable\\_bytes/%' ESCAPE '\\'
                         OR s.key LIKE 'cagg\\_last\\_success/%' ESCAPE '\\')
                  GROUP BY p.series
                 ORDER BY 2",
            )
            .map_err(e("cannot read the samples"))?;
        let rows = q
            .query_map([since], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get(2)?))
            })
            .map_err(e("cannot read the samples"))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, at, value) = row.map_err(e("cannot read a sample"))?;
            if let Some(series) = Series::from_key(&key) {
                out.push(Sample { series, at, value });
            }
        }
        Ok(out)
    }

    /// The sample of `series` at `at` or last before it (seconds since 1970).
    pub fn sample_at_or_before(
        &self,
        series: &Series,
        at: u32,
    ) -> Result<Option<Sample>, RecordError> {
        self.one_sample(
            series,
            "SELECT p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
              WHERE s.key = ?1 AND p.at_s <= ?2 ORDER BY p.at_s DESC LIMIT 1",
            at,
        )
    }

    /// The first sample of `series` after `at`.
    pub fn sample_after(&self, series: &Series, at: u32) -> Result<Option<Sample>, RecordError> {
        self.one_sample(
            series,
            "SELECT p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
              WHERE s.key = ?1 AND p.at_s > ?2 ORDER BY p.at_s LIMIT 1",
            at,
        )
    }

    fn one_sample(
        &self,
        series: &Series,
        sql: &str,
        at: u32,
    ) -> Result<Option<Sample>, RecordError> {
        self.conn
            .query_row(sql, params![series.key(), at], |r| {
                Ok(Sample {
                    series: series.clone(),
                    at: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .optional()
            .map_err(err(&self.path, "cannot read a sample"))
    }
}
