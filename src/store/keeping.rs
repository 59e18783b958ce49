//! A reader that keeps what it learns for the next process in the target's recording: the
//! one-shot reads (`check`, `snapshot`), a new exporter's session and the `record` daemon
//! start from what the last one kept for the same server, database and role (see
//! `model::kept`), and write back what changed.

use std::time::{Duration, Instant};

use crate::model::kept::Written;
use crate::recording::{error::RecordError, kept, store::Store};

use super::Kept;

/// How often a reader that lasts (an exporter's session, the `record` daemon) writes what
/// changed for the next.
pub const SAVE_EVERY: Duration = Duration::from_secs(600);

/// What a reader kept for the server it reads: its identity, what is on disk as it is, and
/// when it last wrote.
#[derive(Debug)]
pub struct Keeping {
    identity: String,
    written: Written,
    saved_at: Option<Instant>,
}

impl Keeping {
    /// For the server `client` reads, by its identity (None when it cannot be read: nothing is
    /// then kept or used).
    pub async fn identify(client: &tokio_postgres::Client) -> Option<Keeping> {
        Some(Keeping {
            identity: kept::identity(client).await?,
            written: Written::default(),
            saved_at: None,
        })
    }

    /// Takes into `kept` what `store` keeps for this server.
    pub fn take(&mut self, store: &Store, kept: &mut Kept) {
        match tokio::task::block_in_place(|| store.kept(&self.identity)) {
            Ok(parts) => kept.import(&parts, now_ms(), &mut self.written),
            // a read that cannot take what was kept measures everything, as a first does
            Err(e) => eprintln!("hypertop: nothing kept is used: {e}"),
        }
    }

    /// Whether a save with `every` would write (the store need not be opened otherwise).
    pub fn due(&self, every: Duration) -> bool {
        self.saved_at.is_none_or(|at| at.elapsed() >= every)
    }

    /// Writes into `store` what changed of `kept` since it was taken or last written, unless
    /// it was written less than `every` ago (a reader that lasts writes now and then; a
    /// one-shot read, with none, at its end).
    pub fn save(
        &mut self,
        store: &Store,
        kept: &Kept,
        every: Option<Duration>,
    ) -> Result<(), RecordError> {
        if every.is_some_and(|every| !self.due(every)) {
            return Ok(());
        }
        self.saved_at = Some(Instant::now());
        let now = now_ms();
        let parts = kept.export(now, &self.written);
        if parts.is_empty() {
            return Ok(());
        }
        let values = parts.iter().map(|p| (p.name, p.value.as_slice()));
        tokio::task::block_in_place(|| store.keep(&self.identity, now, values))?;
        self.written.wrote(&parts);
        Ok(())
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
