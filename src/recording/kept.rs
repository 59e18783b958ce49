//! What a one-shot read (`check`, `snapshot`, `record`) keeps for the next one in the same
//! recording: each kept value under its name, with the identity of the server it holds for
//! (`queries/kept_identity.sql`). A value is handed back only under the same identity; the
//! reader then checks it as it checks its own between refreshes.

use rusqlite::{params, OptionalExtension};

use super::error::RecordError;
use super::store::{err, Store};

impl Store {
    /// The value kept under `name` for a server of `identity`; None when there is none, or it
    /// was kept for another identity.
    pub fn kept(&self, name: &str, identity: &str) -> Result<Option<Vec<u8>>, RecordError> {
        self.conn
            .query_row(
                "SELECT value FROM kept WHERE name = ?1 AND identity = ?2",
                params![name, identity],
                |r| r.get(0),
            )
            .optional()
            .map_err(err(&self.path, "cannot read what was kept"))
    }

    /// Keeps `value` under `name` for a server of `identity`, in place of what was.
    pub fn keep(
        &self,
        name: &str,
        identity: &str,
        at_ms: i64,
        value: &[u8],
    ) -> Result<(), RecordError> {
        self.conn
            .execute(
                "INSERT INTO kept (name, identity, at_ms, value) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO UPDATE
                 SET identity = excluded.identity, at_ms = excluded.at_ms, value = excluded.value",
                params![name, identity, at_ms, value],
            )
            .map(drop)
            .map_err(err(&self.path, "cannot keep"))
    }
}

/// The name the catalog pass's sizes are kept under.
const SIZES: &str = "sizes";

/// The server's identity for what is kept (`queries/kept_identity.sql`); None when it cannot be
/// read (nothing is then kept or used).
pub async fn identity(client: &tokio_postgres::Client) -> Option<String> {
    let row = client
        .query_one(crate::queries::KEPT_IDENTITY, &[])
        .await
        .ok()?;
    row.try_get("identity").ok()
}

/// The sizes kept in `store` for a server of `identity`, when there are some that can be used
/// (none: the read measures everything, as a first read does).
pub fn sizes(store: &Store, identity: &str) -> Option<crate::model::sizes::SizeKeeper> {
    let value = store.kept(SIZES, identity).ok()??;
    crate::model::sizes::SizeKeeper::import(&value, chrono::Utc::now().timestamp_millis())
}

/// Keeps `sizes` in `store` for the next read of a server of `identity` (nothing when they
/// cannot be checked by another process: see `SizeKeeper::export`).
pub fn keep_sizes(
    store: &Store,
    identity: &str,
    sizes: &crate::model::sizes::SizeKeeper,
) -> Result<(), RecordError> {
    let now = chrono::Utc::now().timestamp_millis();
    match sizes.export(now) {
        Some(value) => store.keep(SIZES, identity, now, &value),
        None => Ok(()),
    }
}
