//! The recordings of a console's (or the exporter's) targets: one writer thread for the whole
//! process, which reads back each recording's hour (the pictures start full), then gathers each
//! read's samples and writes them a few seconds at a time, opening the file only to write. A
//! fleet of fifty targets costs one thread and one open file at a time, not fifty. The reader
//! never waits for it: a slow disk delays the recording, not a frame.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::bounds::Bounds;
use super::error::RecordError;
use super::store::Store;
use super::team::reader::TeamReader;
use super::team::TeamSource;
use crate::history::zoom::{Span, Zoomed};
use crate::history::Sample;

/// How far back a console's pictures reach when it opens.
pub const RESTORED_SECONDS: u32 = 3600;

/// How long samples wait to be written together (a crash loses at most this much).
const GATHER: Duration = Duration::from_secs(10);

/// How long the end waits for the last samples to be written.
const LAST_WRITE: Duration = Duration::from_secs(2);

/// What a recording tells its reader.
#[derive(Debug)]
pub enum Event {
    /// The recorded samples of the hour before (oldest first).
    Restored(Vec<Sample>),
    /// The recorded samples over a span beyond the hour, in the pictures' columns.
    Zoomed(Box<Zoomed>),
    /// The recording stopped (the reader goes on without it).
    Failed(RecordError),
    /// The team store could not be read: the pictures come from the local recording.
    TeamUnread(RecordError),
}

type Tell = Box<dyn Fn(Event) + Send>;

enum WriterTask {
    Open {
        id: usize,
        path: PathBuf,
        bounds: Bounds,
        target: String,
        /// Where the team's history is read from, when one is configured.
        team: Option<TeamSource>,
        tell: Tell,
    },
    Samples(usize, Vec<Sample>),
    /// Read the recording over a span, what is gathered written first.
    Zoom(usize, Span),
    /// Write what is gathered, then end (`finish`).
    Finish(mpsc::Sender<()>),
}

/// The process's writer: its queue, and how many recordings it has been given.
struct Writer {
    queue: mpsc::Sender<WriterTask>,
    next: usize,
}

fn writer() -> &'static Mutex<Option<Writer>> {
    static WRITER: OnceLock<Mutex<Option<Writer>>> = OnceLock::new();
    WRITER.get_or_init(|| Mutex::new(None))
}

/// One target's recording, as its reader holds it.
pub struct Recording {
    id: usize,
    queue: mpsc::Sender<WriterTask>,
}

impl Recording {
    /// Opens (or creates) the recording at `path` on the process's writer thread; `tell` is
    /// called from that thread.
    pub fn start(
        path: PathBuf,
        bounds: Bounds,
        target: String,
        team: Option<TeamSource>,
        tell: impl Fn(Event) + Send + 'static,
    ) -> Recording {
        let mut slot = writer().lock().unwrap_or_else(|e| e.into_inner());
        let mut spawn_failed = None;
        let w = slot.get_or_insert_with(|| {
            let (queue, tasks) = mpsc::channel();
            let spawned = std::thread::Builder::new()
                .name("hypertop-record".into())
                .spawn(move || write(tasks));
            spawn_failed = spawned.err();
            Writer { queue, next: 0 }
        });
        if let Some(e) = spawn_failed {
            tell(Event::Failed(RecordError::Thread(e)));
        }
        let id = w.next;
        w.next += 1;
        let _ = w.queue.send(WriterTask::Open {
            id,
            path,
            bounds,
            target,
            team,
            tell: Box::new(tell),
        });
        Recording {
            id,
            queue: w.queue.clone(),
        }
    }

    /// Asks for the recording's samples over `span` (told as [`Event::Zoomed`]).
    pub fn zoom(&self, span: Span) {
        let _ = self.queue.send(WriterTask::Zoom(self.id, span));
    }

    /// Hands a read's samples to the recording (dropped if it has stopped).
    pub fn send(&self, samples: Vec<Sample>) {
        if !samples.is_empty() {
            let _ = self.queue.send(WriterTask::Samples(self.id, samples));
        }
    }
}

/// Writes what every recording has gathered and ends the writer, waiting a moment at most (a
/// console or exporter that ends).
pub fn finish() {
    let taken = writer().lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(w) = taken {
        let (done, ended) = mpsc::channel();
        if w.queue.send(WriterTask::Finish(done)).is_ok() {
            let _ = ended.recv_timeout(LAST_WRITE);
        }
    }
}

/// A recording as the writer keeps it: where, within what bounds, what waits to be written.
struct OpenRecording {
    path: PathBuf,
    bounds: Bounds,
    /// The team's history, read in place of the local recording's.
    team: Option<TeamReader>,
    tell: Tell,
    waiting: Vec<Sample>,
    since: Option<Instant>,
}

impl OpenRecording {
    /// Writes what waits, opening the file for it; a failure stops this recording.
    fn flush(&mut self) -> Result<(), RecordError> {
        self.since = None;
        if self.waiting.is_empty() {
            return Ok(());
        }
        let samples = std::mem::take(&mut self.waiting);
        Store::reopen(&self.path, self.bounds.clone())?.append_samples(&samples)
    }
}

fn write(tasks: mpsc::Receiver<WriterTask>) {
    let mut open: HashMap<usize, OpenRecording> = HashMap::new();
    loop {
        // asleep until a task comes or the first gathered samples are due: an idle console's
        // writer does not wake
        let due = open.values().filter_map(|r| r.since).min();
        let task = match due {
            Some(since) => match tasks.recv_timeout(GATHER.saturating_sub(since.elapsed())) {
                Ok(task) => Some(task),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return,
            },
            None => match tasks.recv() {
                Ok(task) => Some(task),
                Err(mpsc::RecvError) => return,
            },
        };
        match task {
            Some(WriterTask::Open {
                id,
                path,
                bounds,
                target,
                team,
                tell,
            }) => match restore(&path, &bounds, &target) {
                Ok(mut past) => {
                    let team = team.and_then(|t| match t.open() {
                        Ok(reader) => reader,
                        Err(e) => {
                            tell(Event::TeamUnread(e));
                            None
                        }
                    });
                    if let Some(reader) = &team {
                        match reader.samples_since(restored_since()) {
                            Ok(samples) => past = samples,
                            Err(e) => tell(Event::TeamUnread(e)),
                        }
                    }
                    tell(Event::Restored(past));
                    open.insert(
                        id,
                        OpenRecording {
                            path,
                            bounds,
                            team,
                            tell,
                            waiting: Vec::new(),
                            since: None,
                        },
                    );
                }
                Err(e) => tell(Event::Failed(e)),
            },
            Some(WriterTask::Samples(id, samples)) => {
                if let Some(r) = open.get_mut(&id) {
                    r.since.get_or_insert_with(Instant::now);
                    r.waiting.extend(samples);
                }
            }
            Some(WriterTask::Zoom(id, span)) => {
                if let Some(r) = open.get_mut(&id) {
                    let mut z = r
                        .flush()
                        .and_then(|()| zoomed(&r.path, r.team.as_ref(), span));
                    if let (Err(e), Some(_)) = (&z, &r.team) {
                        // the team's store failed: said, and this host's recording read
                        (r.tell)(Event::TeamUnread(RecordError::TeamStore {
                            store: "the team store".into(),
                            why: e.to_string(),
                        }));
                        r.team = None;
                        z = zoomed(&r.path, None, span);
                    }
                    match z {
                        Ok(z) => (r.tell)(Event::Zoomed(Box::new(z))),
                        Err(e) => {
                            if let Some(r) = open.remove(&id) {
                                (r.tell)(Event::Failed(e));
                            }
                        }
                    }
                }
            }
            Some(WriterTask::Finish(done)) => {
                for r in open.values_mut() {
                    let _ = r.flush();
                }
                let _ = done.send(());
                return;
            }
            None => {}
        }
        let due: Vec<usize> = open
            .iter()
            .filter(|(_, r)| r.since.is_some_and(|t| t.elapsed() >= GATHER))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            if let Some(Err(e)) = open.get_mut(&id).map(OpenRecording::flush) {
                if let Some(r) = open.remove(&id) {
                    (r.tell)(Event::Failed(e));
                }
            }
        }
    }
}

/// The recording's samples over `span` up to now (the team's where it is read), in the
/// pictures' columns.
fn zoomed(
    path: &std::path::Path,
    team: Option<&TeamReader>,
    span: Span,
) -> Result<Zoomed, RecordError> {
    let now = crate::history::seconds(chrono::Utc::now());
    let since = now.saturating_sub(span.seconds());
    let samples = match (team, Store::open(path)?) {
        (Some(team), _) => team.samples_since(since)?,
        (None, Some(store)) => store.samples_since(since)?,
        (None, None) => Vec::new(),
    };
    Ok(Zoomed::from_samples(span, now, &samples))
}

/// Opens (or creates) the recording, notes its target, and reads back the hour before.
fn restore(
    path: &std::path::Path,
    bounds: &Bounds,
    target: &str,
) -> Result<Vec<Sample>, RecordError> {
    let store = Store::create(path, bounds.clone())?;
    store.set_note("target", target)?;
    store.samples_since(restored_since())
}

/// Where the pictures a console opens with begin.
fn restored_since() -> u32 {
    let now = u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(u32::MAX);
    now.saturating_sub(RESTORED_SECONDS)
}
