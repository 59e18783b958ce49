//! What a one-shot read (`check`, `snapshot`, `record`) keeps for the next one in the same
//! recording: each kept value under its name, with the identity of the server it holds for
//! (`queries/kept_identity.sql`). A value is handed back only under the same identity; the
//! reader then checks it as it checks its own between refreshes.

use rusqlite::{params, Transaction, TransactionBehavior};

use super::error::RecordError;
use super::store::{err, Store};

impl Store {
    /// Every value kept for a server of `identity`, by name.
    pub fn kept(&self, identity: &str) -> Result<Vec<(String, Vec<u8>)>, RecordError> {
        let read = || -> rusqlite::Result<Vec<(String, Vec<u8>)>> {
            let mut statement = self
                .conn
                .prepare("SELECT name, value FROM kept WHERE identity = ?1 ORDER BY name")?;
            let rows = statement.query_map(params![identity], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        };
        read().map_err(err(&self.path, "cannot read what was kept"))
    }

    /// Keeps each `(name, value)` for a server of `identity`, in place of what was, at once.
    pub fn keep<'a>(
        &self,
        identity: &str,
        at_ms: i64,
        values: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<(), RecordError> {
        let write = || -> rusqlite::Result<()> {
            // a writer's lock from the start: one taken later waits for no other's
            let tx = Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)?;
            {
                let mut statement = tx.prepare(
                    "INSERT INTO kept (name, identity, at_ms, value) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (name) DO UPDATE
                     SET identity = excluded.identity, at_ms = excluded.at_ms, value = excluded.value",
                )?;
                for (name, value) in values {
                    statement.execute(params![name, identity, at_ms, value])?;
                }
            }
            tx.commit()
        };
        write().map_err(err(&self.path, "cannot keep"))
    }
}

/// The server's identity for what is kept (`queries/kept_identity.sql`); None when it cannot be
/// read (nothing is then kept or used).
pub async fn identity(client: &tokio_postgres::Client) -> Option<String> {
    let row = client
        .query_one(crate::queries::KEPT_IDENTITY, &[])
        .await
        .ok()?;
    row.try_get("identity").ok()
}
