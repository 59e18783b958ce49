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
use crate::store::keeping::{Keeping, SAVE_EVERY};
use crate::store::{Dataset, Kept};

/// How `record` goes about it.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    pub every: Duration,
    /// One frame, then exit (cron, scripts).
    pub once: bool,
    pub bounds: Bounds,
    pub limits: Thresholds,
}

fn complain(line: &str) {
    eprintln!("hypertop record: {}", crate::format::printable(line));
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
    /// A new session's, starting from what the last reader kept in `store`.
    async fn new(session: Session, caps: Capabilities, store: &Store) -> RecordingSession {
        let mut keeping = Keeping::identify(&session.client, Some(SAVE_EVERY)).await;
        let mut kept = Kept::default();
        if let Some(keeping) = &mut keeping {
            if let Err(e) = keeping.take(store, &mut kept) {
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

    /// Writes what changed for the next reader, at a session's first frame and then every
    /// [`SAVE_EVERY`].
    fn keep(&mut self, store: &Store) -> Result<(), RecordError> {
        match &mut self.keeping {
            Some(keeping) => keeping.save(store, &self.kept),
            None => Ok(()),
        }
    }
}

/// Reads and appends one frame, and what the read adds to the pictures (`history`, kept
/// across reads: the rates need two).
async fn one_frame(
    store: &mut Store,
    history: &mut History,
    r: &mut RecordingSession,
    limits: &Thresholds,
) -> Result<(), RecordError> {
    let at = chrono::Utc::now();
    // one session (a recorder that reads every minute takes no second connection), each read
    // as a refresh: only what moved is measured
    let data =
        Dataset::read_all_keeping(&r.session.client, None, &r.caps, limits, &mut r.kept).await;
    let mut snap = crate::snapshot::Snapshot {
        data,
        limits: *limits,
    };
    r.keep(store)?;
    let (session, caps) = (&r.session, &r.caps);
    snap.read_statements(&session.client, caps, false).await;
    let frame = super::frame_of(&snap, at)?;
    snap.data.observe_into(history, at);
    let samples = history.take_samples();
    let server = crate::recording::server_of(caps);
    tokio::task::block_in_place(|| {
        store.claim(&server)?;
        store.append(&frame)?;
        store.append_samples(&samples)
    })
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
    let mut tick = tokio::time::interval(opts.every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut current = Some(RecordingSession::new(session, caps, &store).await);
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
                Some((session, caps)) => Some(RecordingSession::new(session, caps, &store).await),
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
                    r = one_frame(&mut store, &mut history, reading, &opts.limits) => r,
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
        match written {
            Ok(()) if opts.once => return 0,
            Ok(()) => {}
            Err(e) if opts.once => {
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
