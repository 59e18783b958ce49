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

/// What a reader kept for the server it reads: its identity, what is on disk as it is, when it
/// last wrote and how often it writes.
#[derive(Debug)]
pub struct Keeping {
    identity: String,
    written: Written,
    saved_at: Option<Instant>,
    every: Option<Duration>,
}

impl Keeping {
    /// For the server `client` reads, by its identity and this build's (None when it cannot be
    /// read: nothing is then kept or used); writing at most `every` (none: at every save, as a
    /// one-shot read saves once).
    pub async fn identify(
        client: &tokio_postgres::Client,
        every: Option<Duration>,
    ) -> Option<Keeping> {
        let server = kept::identity(client).await?;
        Some(Keeping {
            identity: format!("{server}/{}", build()),
            written: Written::default(),
            saved_at: None,
            every,
        })
    }

    /// Takes into `kept` what `store` keeps for this server, or says why nothing is taken (the
    /// read then measures everything, as a first does).
    pub fn take(&mut self, store: &Store, kept: &mut Kept) -> Result<(), RecordError> {
        let parts = tokio::task::block_in_place(|| store.kept(&self.identity))?;
        kept.import(&parts, now_ms(), &mut self.written);
        Ok(())
    }

    /// Whether a save would write now (the store need not be opened otherwise).
    pub fn due(&self) -> bool {
        match (self.every, self.saved_at) {
            (Some(every), Some(at)) => at.elapsed() >= every,
            _ => true,
        }
    }

    /// Writes into `store` what changed of `kept` since it was taken or last written, when due.
    pub fn save(&mut self, store: &Store, kept: &Kept) -> Result<(), RecordError> {
        if !self.due() {
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

/// This build, as far as what it keeps goes: its version and its executable's size and time. A
/// build whose queries or rows differ keeps apart from the last one's (taking what it kept could
/// show the last build's rows until DDL), and a new build starts from nothing once.
fn build() -> String {
    let exe = std::env::current_exe().and_then(std::fs::metadata);
    let made = exe.as_ref().ok().and_then(|m| m.modified().ok());
    let since = made.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let size = exe.map_or(0, |m| m.len());
    let stamp = since.map_or(0, |d| d.as_nanos());
    format!("{}:{size:x}:{stamp:x}", env!("CARGO_PKG_VERSION"))
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
