//! `hypertop record`: reads the database as `snapshot` does every interval and appends a
//! frame, until SIGTERM or Ctrl-C. A lost connection is opened again at the next interval.

use crate::recording::error::RecordError;
use std::path::Path;
use std::time::Duration;

use crate::capabilities::Capabilities;
use crate::connect::{Connector, Session};
use crate::history::History;
use crate::problems::Thresholds;

use crate::recording::bounds::Bounds;
use crate::recording::store::{self, Store};
use crate::recording::team::writer::{Flushed, Pending, TeamWriter};
use crate::recording::team::TargetId;
use crate::store::keeping::{KeepIn, Keeping, SAVE_EVERY};
use crate::store::{Dataset, Kept};

/// How `record` goes about it.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    pub every: Duration,
    /// One frame, then exit (cron, scripts).
    pub once: bool,
    pub bounds: Bounds,
    pub limits: Thresholds,
    /// The team's store the frames go to, in place of the local file's frames (the file then
    /// keeps only what the reads keep for the next, when the store cannot keep it).
    pub into: Option<crate::conninfo::Resolved>,
    /// Statement texts kept in the team store's frames.
    pub with_statements: bool,
    /// `--max-size` for the team store (none: only --max-age bounds it).
    pub team_max_size: Option<u64>,
    /// Where what the reads learn is kept for the next reader: the recording, or the team's
    /// store (`into`) in its place.
    pub keep_in: KeepIn,
}

tokio::task_local! {
    /// The target's name in a recorder of several (`record --targets`): its lines say it.
    pub static MEMBER: String;
}

fn complain(line: &str) {
    let member = MEMBER
        .try_with(|name| format!("{name}: "))
        .unwrap_or_default();
    eprintln!(
        "hypertop record: {}",
        crate::format::printable(&format!("{member}{line}"))
    );
}

/// A session and what its reads keep between frames, as a console's refresh keeps it: the
/// catalog's structure, the sizes (measured again only where they moved), the statements
/// prepared; and what of that is kept in the recording for the next reader.
struct RecordingSession {
    session: Session,
    caps: Capabilities,
    kept: Kept,
    keeping: Option<Keeping>,
}

impl RecordingSession {
    /// A new session's, starting from what the last reader kept in `keep`.
    async fn new(
        session: Session,
        caps: Capabilities,
        keep: &KeepIn,
        store: &mut Store,
    ) -> RecordingSession {
        let mut keeping = Keeping::identify(&session.client, Some(SAVE_EVERY)).await;
        let mut kept = Kept::default();
        if let Some(keeping) = &mut keeping {
            let mut place = keep.open_beside(&caps, complain, store).await;
            if let Err(e) = keeping.take(&mut place, &mut kept).await {
                complain(&e.to_string());
            }
        }
        RecordingSession {
            session,
            caps,
            kept,
            keeping,
        }
    }

    /// Writes what changed for the next reader into `keep`, at a session's first frame and
    /// then every [`SAVE_EVERY`].
    async fn keep(&mut self, keep: &KeepIn, store: &mut Store) -> Result<(), RecordError> {
        let Some(keeping) = self.keeping.as_mut().filter(|k| k.due()) else {
            return Ok(());
        };
        let mut place = keep.open_beside(&self.caps, complain, store).await;
        keeping.save(&mut place, &self.kept).await
    }
}

/// Reads and appends one frame, and what the read adds to the pictures (`history`, kept
/// across reads: the rates need two).
async fn one_frame(
    store: &mut Store,
    team: Option<(&mut TeamWriter, &str, &mut Option<String>)>,
    history: &mut History,
    r: &mut RecordingSession,
    opts: &RecordOptions,
) -> Result<(), RecordError> {
    let limits = &opts.limits;
    let at = chrono::Utc::now();
    // one session (a recorder that reads every minute takes no second connection), each read
    // as a refresh: only what moved is measured
    let data =
        Dataset::read_all_keeping(&r.session.client, None, &r.caps, limits, &mut r.kept).await;
    let mut snap = crate::snapshot::Snapshot {
        data,
        limits: *limits,
    };
    let (session, caps) = (&r.session, &r.caps);
    snap.read_statements(
        &session.client,
        caps,
        team.is_some() && opts.with_statements,
    )
    .await;
    let frame = super::frame_of(&snap, at)?;
    snap.data.observe_into(history, at);
    let samples = history.take_samples();
    if let Some((writer, address, said)) = team {
        let target =
            TargetId::of(caps).ok_or_else(|| no_identity(writer.store(), caps.in_recovery))?;
        let flushed = writer
            .write(Pending {
                address: address.to_string(),
                target,
                frame,
                samples,
            })
            .await;
        // one frame and exit: written, or said as failed
        if opts.once {
            return flushed.error.map_or(Ok(()), Err);
        }
        return said_once(flushed, said);
    }
    let server = crate::recording::server_of(caps);
    tokio::task::block_in_place(|| {
        store.claim(&server)?;
        store.append(&frame)?;
        store.append_samples(&samples)
    })
}

/// Why a target is not recorded into a team store: its login may not read the server's
/// identity, or it is a standby (whose identity is its primary's).
fn no_identity(store: String, standby: bool) -> RecordError {
    let why = match standby {
        true => "this target is a standby: it has its primary's system identifier and database oid, by which the team store keeps frames, so its frames would be taken for the primary's; record the primary",
        false => "this login may not read the server's system identifier (EXECUTE on pg_control_system() was revoked from it): the team store keeps frames by it, so that two servers' frames never mix; record as a login that may",
    };
    RecordError::TeamStore {
        store,
        why: why.into(),
    }
}

/// What a write into the team store says: frames let go or waiting, once each time the
/// trouble changes, and when the store is back.
fn said_once(f: Flushed, said: &mut Option<String>) -> Result<(), RecordError> {
    if f.dropped > 0 {
        complain(&format!(
            "the team store's buffer is full: the {} oldest frames waiting were let go",
            f.dropped
        ));
    }
    match f.error {
        Some(e) => {
            let line = format!("{e}; {} frames wait to be sent", f.waiting);
            if said.as_deref() != Some(e.to_string().as_str()) {
                complain(&line);
                *said = Some(e.to_string());
            }
            Ok(())
        }
        None => {
            if said.take().is_some() {
                complain(&format!(
                    "the team store is back: {} frames sent",
                    f.sent.len()
                ));
            }
            Ok(())
        }
    }
}

/// [`run`] once connected: a target that cannot be reached at start (one of several) is tried
/// again every interval until it can, or told to stop (`once`: said, exit 1).
pub async fn run_when_connected(connector: &Connector, path: &Path, opts: RecordOptions) -> u8 {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => {
            complain(&e.to_string());
            return 1;
        }
    };
    loop {
        if let Some((session, caps)) = reconnect(connector).await {
            return run(connector, session, caps, path, opts).await;
        }
        if opts.once {
            return 1;
        }
        tokio::select! {
            () = tokio::time::sleep(opts.every) => {}
            _ = tokio::signal::ctrl_c() => return 0,
            _ = term.recv() => return 0,
        }
    }
}

/// Records into `path` until told to stop; the exit status (0 when stopped by a signal, or
/// after `once`'s frame is written).
pub async fn run(
    connector: &Connector,
    session: Session,
    caps: Capabilities,
    path: &Path,
    opts: RecordOptions,
) -> u8 {
    let mut store = match Store::create(path, opts.bounds.clone()) {
        Ok(s) => s,
        Err(e) if store::is_damaged(&e) => match begin_again(None, path, &opts, &e) {
            Ok(s) => s,
            Err(e) => {
                complain(&e.to_string());
                return 1;
            }
        },
        Err(e) => {
            complain(&e.to_string());
            return 1;
        }
    };
    if let Err(e) = store.set_note("target", &connector.resolved().target_short()) {
        complain(&e.to_string());
        return 1;
    }
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => {
            complain(&e.to_string());
            return 1;
        }
    };
    if !opts.once {
        complain(&format!(
            "{} every {} into {}",
            connector.resolved().target_short(),
            humantime::format_duration(opts.every),
            path.display()
        ));
    }
    // the team's store: readied (made, upgraded) now, so that a login that may not write
    // there is told at once; a store down is tried again at every frame
    let address = crate::recording::team::address(connector.resolved());
    let mut said = None;
    let mut team = match &opts.into {
        None => None,
        Some(resolved) if TargetId::of(&caps).is_none() => {
            complain(&no_identity(resolved.target_short(), caps.in_recovery).to_string());
            return 1;
        }
        Some(resolved) => {
            let age = opts.bounds.max_age();
            let mut writer = TeamWriter::new(resolved.clone(), age, opts.team_max_size);
            if let Err(e) = writer.connect().await {
                // a store that cannot be reached may come back; a refusal will not by itself
                if opts.once || !matches!(e, RecordError::TeamDown { .. }) {
                    complain(&e.to_string());
                    return 1;
                }
                complain(&format!("{e}; frames wait until it can be written"));
                said = Some(e.to_string());
            }
            if !opts.once {
                let note = match opts.every < std::time::Duration::from_secs(60) {
                    true => " (it keeps a frame a minute: the others of each minute are not kept)",
                    false => "",
                };
                complain(&format!(
                    "frames go to the team store {}{note}",
                    writer.store()
                ));
            }
            Some(writer)
        }
    };
    let mut tick = tokio::time::interval(opts.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut current = Some(RecordingSession::new(session, caps, &opts.keep_in, &mut store).await);
    let mut history = History::default();
    history.record();
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => return 0,
            _ = term.recv() => return 0,
        }
        if current
            .as_ref()
            .is_none_or(|r| r.session.client.is_closed())
        {
            current = match reconnect(connector).await {
                Some((session, caps)) => {
                    Some(RecordingSession::new(session, caps, &opts.keep_in, &mut store).await)
                }
                None => None,
            };
        }
        let mut written = Err(RecordError::NoConnection);
        // twice at most: a recording of another server, or damaged, is moved aside and the
        // frame written into a new one
        for _ in 0..2 {
            written = match &mut current {
                None => Err(RecordError::NoConnection),
                // a signal during the read drops it: nothing half read is written
                Some(reading) => tokio::select! {
                    r = one_frame(
                        &mut store,
                        team.as_mut().map(|w| (w, address.as_str(), &mut said)),
                        &mut history,
                        reading,
                        &opts,
                    ) => r,
                    _ = tokio::signal::ctrl_c() => return 0,
                    _ = term.recv() => return 0,
                },
            };
            let e = match &written {
                Err(e @ RecordError::OtherServer { .. }) => e,
                Err(e) if store::is_damaged(e) => e,
                _ => break,
            };
            store = match begin_again(Some(store), path, &opts, e) {
                Ok(s) => s,
                Err(e) => {
                    complain(&e.to_string());
                    return 1;
                }
            };
            if let Err(e) = store.set_note("target", &connector.resolved().target_short()) {
                complain(&e.to_string());
            }
        }
        // what the read learned, kept for the next once the frame is written (a store that
        // cannot keep it costs the next read, not this frame)
        if let (Ok(()), Some(reading)) = (&written, &mut current) {
            if let Err(e) = reading.keep(&opts.keep_in, &mut store).await {
                complain(&format!("nothing is kept for the next read: {e}"));
            }
        }
        match written {
            Ok(()) if opts.once => return 0,
            Ok(()) => {}
            Err(e) if opts.once => {
                complain(&e.to_string());
                return 1;
            }
            // a refusal (a right revoked, a store of another version) does not pass by itself
            Err(e @ RecordError::TeamStore { .. }) => {
                complain(&e.to_string());
                return 1;
            }
            Err(e) => complain(&e.to_string()),
        }
    }
}

/// The recording at `path` (`open`, closed first) moved aside for `why` (another server's, or
/// damaged) and a new one begun in its place, both named in the log: a record service never
/// stops on it, nor mixes two servers in one file.
fn begin_again(
    open: Option<Store>,
    path: &Path,
    opts: &RecordOptions,
    why: &RecordError,
) -> Result<Store, RecordError> {
    drop(open);
    let name = match why {
        RecordError::OtherServer { .. } => "other-server",
        _ => "damaged",
    };
    let moved = store::move_aside(path, name)?;
    complain(&format!(
        "{why}; moved to {} and a new recording begun",
        moved.display()
    ));
    Store::create(path, opts.bounds.clone())
}

async fn reconnect(connector: &Connector) -> Option<(Session, Capabilities)> {
    let session = match connector.connect().await {
        Ok(s) => s,
        Err(e) => {
            complain(&format!("cannot connect: {e}"));
            return None;
        }
    };
    match Capabilities::detect(&session.client).await {
        Ok(caps) => Some((session, caps)),
        Err(e) => {
            complain(&format!(
                "cannot read the catalog: {}",
                crate::connect::describe_error(&e)
            ));
            None
        }
    }
}
