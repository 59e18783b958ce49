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
pub mod source;
pub mod store;
pub mod team;
pub mod when;

use chrono::{DateTime, SecondsFormat, Utc};

/// A frame's sections are the snapshot document's members (`json:` and the key) and its text
/// form's blocks (`text:` and a number).
pub const JSON_SECTION: &str = "json:";
pub const TEXT_SECTION: &str = "text:";

/// Whether a frame's section is a block of the text form.
pub fn is_text(section: &str) -> bool {
    section.starts_with(TEXT_SECTION)
}

/// The time as the recording says it: RFC 3339, UTC, to the millisecond.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The server and database a recording's frames are of: the cluster's system identifier
/// (unknown to a role that may not read `pg_control_system()`) and the database's oid. A
/// recording keeps to one: an address re-pointed at another server begins another.
pub fn server_of(caps: &crate::capabilities::Capabilities) -> String {
    let system = caps.system_identifier.as_deref().unwrap_or("unknown");
    let database = caps
        .database_oid
        .map_or_else(|| "unknown".to_string(), |o| o.to_string());
    format!("system {system}, database oid {database}")
}
