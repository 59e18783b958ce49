//! A console's recording: a thread that owns the store, reads back the hour before (the
//! pictures start full), then appends each read's samples as they come. The console never
//! waits for it: a slow disk delays the recording, not a frame.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Arc;

use super::bounds::Bounds;
use super::error::RecordError;
use super::store::Store;
use crate::history::Sample;

/// How far back a console's pictures reach when it opens.
pub const RESTORED_SECONDS: u32 = 3600;

/// What the recording tells the console.
#[derive(Debug)]
pub enum Event {
    /// The recorded samples of the hour before (oldest first).
    Restored(Vec<Sample>),
    /// The recording stopped (the console goes on without it).
    Failed(RecordError),
}

/// How long a console that quits waits for its last samples to be written.
const LAST_WRITE: std::time::Duration = std::time::Duration::from_secs(2);

/// The console's end of its recording. Dropped, it lets the last samples be written (for a
/// moment at most).
pub struct Recording {
    samples: Option<mpsc::Sender<Vec<Sample>>>,
    done: mpsc::Receiver<()>,
}

impl Drop for Recording {
    fn drop(&mut self) {
        // the thread ends once the queue is closed and written out
        self.samples = None;
        let _ = self.done.recv_timeout(LAST_WRITE);
    }
}

impl Recording {
    /// Opens (or creates) the recording at `path` on a thread of its own; `tell` is called
    /// from that thread.
    pub fn start(
        path: PathBuf,
        bounds: Bounds,
        target: String,
        tell: impl Fn(Event) + Send + Sync + 'static,
    ) -> Recording {
        let (samples, queue) = mpsc::channel::<Vec<Sample>>();
        let (finished, done) = mpsc::channel();
        let tell = Arc::new(tell);
        let told = tell.clone();
        let spawned = std::thread::Builder::new()
            .name("hypertop-record".into())
            .spawn(move || {
                record(path, bounds, target, queue, &*told);
                let _ = finished.send(());
            });
        if let Err(e) = spawned {
            tell(Event::Failed(RecordError::Thread(e)));
        }
        Recording {
            samples: Some(samples),
            done,
        }
    }

    /// Hands a read's samples to the recording (dropped if it has stopped).
    pub fn send(&self, samples: Vec<Sample>) {
        if let Some(queue) = &self.samples {
            let _ = queue.send(samples);
        }
    }
}

fn record(
    path: PathBuf,
    bounds: Bounds,
    target: String,
    queue: mpsc::Receiver<Vec<Sample>>,
    tell: &dyn Fn(Event),
) {
    let opened = Store::create(&path, bounds).and_then(|store| {
        store.set_note("target", &target)?;
        let now = u32::try_from(chrono::Utc::now().timestamp()).unwrap_or(u32::MAX);
        let past = store.samples_since(now.saturating_sub(RESTORED_SECONDS))?;
        Ok((store, past))
    });
    let mut store = match opened {
        Ok((store, past)) => {
            tell(Event::Restored(past));
            store
        }
        Err(e) => return tell(Event::Failed(e)),
    };
    while let Ok(mut batch) = queue.recv() {
        // what queued up meanwhile goes in the same transaction
        while let Ok(more) = queue.try_recv() {
            batch.extend(more);
        }
        if let Err(e) = store.append_samples(&batch) {
            return tell(Event::Failed(e));
        }
    }
}
