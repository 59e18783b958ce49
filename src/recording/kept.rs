//! What a one-shot read (`check`, `snapshot`, `record`) keeps for the next one in the same
//! recording: each kept value under its name, with the identity of the server it holds for
//! (`queries/kept_identity.sql`). A value is handed back only under the same identity; the
//! reader then checks it as it checks its own between refreshes.

use rusqlite::{params, Transaction, TransactionBehavior};

use super::error::RecordError;
use super::store::{err, Store};

/// How long what another identity kept stays (a restart's, a role that reads now and then):
/// after a day it is let go when another writes.
const OTHERS_KEPT_FOR_MS: i64 = 24 * 3600 * 1000;

/// A value kept: its name, when it was written (ms since the epoch), its bytes.
pub type KeptValue = (String, i64, Vec<u8>);

impl Store {
    /// Every value kept for a server of `identity`.
    pub fn kept(&self, identity: &str) -> Result<Vec<KeptValue>, RecordError> {
        let read = || -> rusqlite::Result<Vec<KeptValue>> {
            let mut statement = self
                .conn
                .prepare("SELECT name, at_ms, value FROM kept WHERE identity = ?1 ORDER BY name")?;
            let rows = statement
                .query_map(params![identity], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        };
        read().map_err(err(&self.path, "cannot read what was kept"))
    }

    /// Keeps each `(name, value)` for a server of `identity` at `at_ms`, in place of what was,
    /// at once; and lets go of what other identities kept more than a day before.
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
                    "INSERT INTO kept (identity, name, at_ms, value) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (identity, name) DO UPDATE
                     SET at_ms = excluded.at_ms, value = excluded.value",
                )?;
                for (name, value) in values {
                    statement.execute(params![identity, name, at_ms, value])?;
                }
            }
            tx.execute(
                "DELETE FROM kept WHERE identity <> ?1 AND at_ms < ?2",
                params![identity, at_ms.saturating_sub(OTHERS_KEPT_FOR_MS)],
            )?;
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
