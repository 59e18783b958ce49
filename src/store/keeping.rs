//! A reader that keeps what it learns for the next process: the one-shot reads (`check`,
//! `snapshot`), a new exporter's session and the `record` daemon start from what the last one
//! kept for the same server, database and role (see `model::kept`), and write back what
//! changed — in the target's recording, or in the team's store where one is configured (there
//! every bastion's reads start from what the team's recorder kept).

use std::time::{Duration, Instant};

use crate::capabilities::Capabilities;
use crate::model::kept::Written;
use crate::recording::bounds::Bounds;
use crate::recording::team::{kept::TeamKept, TargetId};
use crate::recording::{error::RecordError, kept, store::Store};

use super::Kept;

/// How often a reader that lasts (an exporter's session, the `record` daemon) writes what
/// changed for the next.
pub const SAVE_EVERY: Duration = Duration::from_secs(600);

/// Where a reader keeps what it learned for the next: the target's recording, or the team's
/// store (`record_into`) in its place.
#[derive(Debug, Clone)]
pub struct KeepIn {
    pub file: std::path::PathBuf,
    pub bounds: Bounds,
    pub team: Option<crate::conninfo::Resolved>,
}

/// Where what is kept is, opened: the recording (opened for it, or the one the reader holds
/// open), or the team's store.
pub enum Place<'a> {
    File(Store),
    Open(&'a mut Store),
    Team(TeamKept),
}

impl KeepIn {
    /// In the recording at `file` only.
    pub fn file(file: std::path::PathBuf, bounds: Bounds) -> KeepIn {
        KeepIn {
            file,
            bounds,
            team: None,
        }
    }

    /// Opens where what is kept for the target `caps` read is: the team's store where one is
    /// configured, this login may write it, it keeps values (version 3) and the target has an
    /// identity there; else the recording (why the store is not used is `said`). The store has
    /// [`TEAM_WAIT`] to answer: a read (a scrape, a `check`) does not wait on it longer.
    pub async fn open(
        &self,
        caps: &Capabilities,
        said: impl Fn(&str),
    ) -> Result<Place<'static>, RecordError> {
        if let Some(team) = self.team(caps, said).await {
            return Ok(Place::Team(team));
        }
        let (file, bounds) = (&self.file, self.bounds.clone());
        tokio::task::block_in_place(|| Store::create(file, bounds)).map(Place::File)
    }

    /// [`open`](Self::open) for a reader that holds the recording open (`record`): that one is
    /// used, never a second opened beside it (closing a second descriptor of the file would
    /// drop the first connection's locks).
    pub async fn open_beside<'a>(
        &self,
        caps: &Capabilities,
        said: impl Fn(&str),
        open: &'a mut Store,
    ) -> Place<'a> {
        match self.team(caps, said).await {
            Some(team) => Place::Team(team),
            None => Place::Open(open),
        }
    }

    async fn team(&self, caps: &Capabilities, said: impl Fn(&str)) -> Option<TeamKept> {
        let (store, target) = (self.team.as_ref()?, TargetId::of(caps)?);
        match tokio::time::timeout(TEAM_WAIT, TeamKept::open(store, target)).await {
            Ok(Ok(team)) => team,
            Ok(Err(e)) => {
                said(&format!("{e}; what is kept stays in the local recording"));
                None
            }
            Err(_) => {
                said(&format!(
                    "the team store {} did not answer within {} s; what is kept stays in the local recording",
                    store.target_short(),
                    TEAM_WAIT.as_secs()
                ));
                None
            }
        }
    }
}

/// How long a read waits for the team's store to open before it keeps in its recording.
const TEAM_WAIT: Duration = Duration::from_secs(2);

impl Place<'_> {
    fn is_team(&self) -> bool {
        matches!(self, Place::Team(_))
    }

    async fn kept(&mut self, identity: &str) -> Result<Vec<kept::KeptValue>, RecordError> {
        match self {
            Place::File(store) => tokio::task::block_in_place(|| store.kept(identity)),
            Place::Open(store) => tokio::task::block_in_place(|| store.kept(identity)),
            Place::Team(team) => team.kept(identity).await,
        }
    }

    /// Keeps the values.
    async fn keep(
        &mut self,
        identity: &str,
        at_ms: i64,
        values: &[(&str, &[u8])],
    ) -> Result<(), RecordError> {
        match self {
            Place::File(store) => {
                tokio::task::block_in_place(|| store.keep(identity, at_ms, values.iter().copied()))
            }
            Place::Open(store) => {
                tokio::task::block_in_place(|| store.keep(identity, at_ms, values.iter().copied()))
            }
            Place::Team(team) => team.keep(identity, at_ms, values).await,
        }
    }
}

/// What a reader kept for the server it reads: its identity, what is on disk as it is, when it
/// last wrote and how often it writes.
#[derive(Debug)]
pub struct Keeping {
    identity: String,
    written: Written,
    /// Where `written` is (the team's store or not): a place the store's outage changed holds
    /// none of it.
    written_to: Option<bool>,
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
            written_to: None,
            saved_at: None,
            every,
        })
    }

    /// Takes into `kept` what `place` keeps for this server, or says why nothing is taken (the
    /// read then measures everything, as a first does).
    pub async fn take(
        &mut self,
        place: &mut Place<'_>,
        kept: &mut Kept,
    ) -> Result<(), RecordError> {
        let parts = place.kept(&self.identity).await?;
        self.written_to = Some(place.is_team());
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

    /// Writes into `place` what changed of `kept` since it was taken or last written, when due.
    pub async fn save(&mut self, place: &mut Place<'_>, kept: &Kept) -> Result<(), RecordError> {
        if !self.due() {
            return Ok(());
        }
        self.saved_at = Some(Instant::now());
        // another place than the last holds none of what was written there: all of it again
        if self.written_to.replace(place.is_team()) != Some(place.is_team()) {
            self.written = Written::default();
        }
        let now = now_ms();
        let parts = kept.export(now, &self.written);
        if parts.is_empty() {
            return Ok(());
        }
        let values: Vec<(&str, &[u8])> =
            parts.iter().map(|p| (p.name, p.value.as_slice())).collect();
        place.keep(&self.identity, now, &values).await?;
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
