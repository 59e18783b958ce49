//! The recording of one monitored database: a local SQLite file (`store`; `place` says where),
//! safe for several writers at once, within bounds of age and size (`bounds`). It keeps the
//! frames `hypertop record` reads (see `recorder`) and the history's samples each console
//! reads (`samples`; `live` is a console's writer), so that pictures start full and a moment
//! can be printed back (`when` reads the time asked).

pub mod bounds;
pub mod error;
pub mod kept;
pub mod live;
pub mod place;
mod samples;
pub mod store;
pub mod when;

use chrono::{DateTime, SecondsFormat, Utc};

/// The time as the recording says it: RFC 3339, UTC, to the millisecond.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}
