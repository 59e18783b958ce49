//! Where a reader takes a target's history from: its local recording, or the team's store when
//! one is configured (`record_into`). Both give the same frames and samples.

use chrono::{DateTime, Utc};

use super::error::RecordError;
use super::store::{Frame, Store};
use super::team::reader::TeamReader;
use crate::history::Sample;

pub enum Source {
    Local(Store),
    Team(TeamReader),
}

impl Source {
    /// Every frame's time, oldest first.
    pub fn times(&self) -> Result<Vec<DateTime<Utc>>, RecordError> {
        match self {
            Source::Local(s) => s.times(),
            Source::Team(t) => t.times(),
        }
    }

    /// The frame recorded at `at` or last before it.
    pub fn at_or_before(&self, at: DateTime<Utc>) -> Result<Option<Frame>, RecordError> {
        match self {
            Source::Local(s) => s.at_or_before(at),
            Source::Team(t) => t.at_or_before(at),
        }
    }

    /// The server and database the frames are of (None: a local recording made before servers
    /// were noted).
    pub fn server(&self) -> Result<Option<String>, RecordError> {
        match self {
            Source::Local(s) => s.server(),
            Source::Team(t) => Ok(Some(t.target.server())),
        }
    }

    pub fn samples_since(&self, since: u32) -> Result<Vec<Sample>, RecordError> {
        match self {
            Source::Local(s) => s.samples_since(since),
            Source::Team(t) => t.samples_since(since),
        }
    }

    /// Where it is, in messages.
    pub fn place(&self) -> String {
        match self {
            Source::Local(s) => format!("the recording {}", s.path().display()),
            Source::Team(t) => format!("the team store {}", t.store),
        }
    }
}

/// The history of the target `r` as a reader that does not connect finds it: in the team
/// store where one is configured (`store`), by the identity last recorded under its address,
/// else in its local recording (`path`).
pub fn open_for(
    r: &crate::conninfo::Resolved,
    store: Option<&str>,
    path: &std::path::Path,
) -> Result<Source, RecordError> {
    let target = r.target_short();
    match store {
        Some(store) => {
            let store = super::team::resolve(store)?;
            let which = super::team::reader::Which::Address(super::team::address(r));
            match TeamReader::open(&store, which)? {
                Some(reader) => Ok(Source::Team(reader)),
                None => Err(RecordError::NotInStore {
                    target,
                    store: store.target_short(),
                }),
            }
        }
        None => match Store::open(path)? {
            Some(s) => Ok(Source::Local(s)),
            None => Err(RecordError::NoRecording {
                target,
                path: path.to_path_buf(),
            }),
        },
    }
}
