//! How one dataset stands: its value, or why there is none (a leaf of `model`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::error::ReadError;

/// One dataset as it stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum DataState<T> {
    /// Not read yet.
    #[default]
    Loading,
    /// The value is shared: a copy of the dataset for deriving its problems away from the
    /// screen costs a reference, not the rows.
    Ready {
        value: Arc<T>,
        at: DateTime<Utc>,
        took: Duration,
    },
    /// It cannot be read here (no TimescaleDB, plain PostgreSQL's stand-in is shown), and why.
    Unavailable(String),
    /// The last read failed; the value before it, if any, is still shown.
    Failed {
        error: ReadError,
        stale: Option<Arc<T>>,
    },
}

/// How a dataset stands, without its value: what a frame shows instead of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Standing<'a> {
    Loading,
    Ready,
    Unavailable(&'a str),
    /// Failed, and whether an older value is still there to show.
    Failed(&'a ReadError, bool),
}

impl<'a> Standing<'a> {
    /// Why it cannot be read here, when it cannot.
    pub fn unavailable(self) -> Option<&'a str> {
        match self {
            Standing::Unavailable(why) => Some(why),
            Standing::Loading | Standing::Ready | Standing::Failed(..) => None,
        }
    }

    /// The last read's error, when it failed.
    pub fn error(self) -> Option<&'a ReadError> {
        match self {
            Standing::Failed(e, _) => Some(e),
            Standing::Loading | Standing::Ready | Standing::Unavailable(_) => None,
        }
    }
}

impl<T> DataState<T> {
    /// The value to show: the latest read, or the one before a failed read.
    pub fn value(&self) -> Option<&T> {
        match self {
            DataState::Ready { value, .. } => Some(value),
            DataState::Failed { stale, .. } => stale.as_deref(),
            DataState::Loading | DataState::Unavailable(_) => None,
        }
    }

    pub fn status(&self) -> Standing<'_> {
        match self {
            DataState::Loading => Standing::Loading,
            DataState::Ready { .. } => Standing::Ready,
            DataState::Unavailable(why) => Standing::Unavailable(why),
            DataState::Failed { error, stale } => Standing::Failed(error, stale.is_some()),
        }
    }

    pub fn set(&mut self, value: T, at: DateTime<Utc>, took: Duration) {
        *self = DataState::Ready {
            value: Arc::new(value),
            at,
            took,
        };
    }

    /// [`set`](Self::set), saying whether the value differs from the one it replaces.
    pub fn replace(&mut self, value: T, at: DateTime<Utc>, took: Duration) -> bool
    where
        T: PartialEq,
    {
        let changed = self.value() != Some(&value);
        self.set(value, at, took);
        changed
    }

    /// A failed read keeps the last value (shown as stale).
    pub fn fail(&mut self, error: ReadError) {
        let stale = match std::mem::take(self) {
            DataState::Ready { value, .. } => Some(value),
            DataState::Failed { stale, .. } => stale,
            DataState::Loading | DataState::Unavailable(_) => None,
        };
        *self = DataState::Failed { error, stale };
    }
}

impl<T> DataState<Vec<T>> {
    /// The rows to show, none while there are none.
    pub fn rows(&self) -> &[T] {
        self.value().map_or(&[], Vec::as_slice)
    }
}

/// The operations every dataset shares whatever its value type (so one query kind's datasets
/// are marked together).
pub(super) trait AnyState {
    fn fail(&mut self, error: ReadError);
    fn unavailable(&mut self, why: String);
}

impl<T> AnyState for DataState<T> {
    fn fail(&mut self, error: ReadError) {
        DataState::fail(self, error)
    }

    fn unavailable(&mut self, why: String) {
        *self = DataState::Unavailable(why);
    }
}
