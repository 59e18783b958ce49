//! What reads keep for the next read of a target (`store::keeping`), in the team store: by the
//! target's identity there and the reader's own (the server's start, the role, the build), so
//! that `check` on a bastion where nothing ran starts from what the team's recorder kept.
//! Taken by every login that may read the store; written only by one that may write it.

use super::schema::{self, Use};
use super::{StoreSession, TargetId};
use crate::conninfo::Resolved;
use crate::queries::team_store as sql;
use crate::recording::error::RecordError;
use crate::recording::kept::KeptValue;

/// How long what another identity kept for the same target stays (as in the local recording).
const OTHERS_KEPT_FOR_MS: i64 = 24 * 3600 * 1000;

/// A session on the store for one target's kept values.
pub struct TeamKept {
    s: StoreSession,
    target: TargetId,
    /// The login writes the store (its owner, or one of its writers); a reader only takes.
    pub may_write: bool,
}

impl TeamKept {
    /// Opens the store for `target`. None where there is no store yet (a read makes none) or it
    /// predates kept values (version 3: its owner's next `--init-store` or recorder upgrades it).
    pub async fn open(store: &Resolved, target: TargetId) -> Result<Option<TeamKept>, RecordError> {
        let s = StoreSession::open(store).await?;
        let facts = schema::facts(&s).await?;
        if facts.owner.is_none() {
            return Ok(None);
        }
        let may_write = facts.writer || facts.owner.as_deref() == Some(facts.login.as_str());
        let use_ = if may_write { Use::Write } else { Use::Read };
        let found = schema::ready(&s, use_, std::time::Duration::ZERO).await?;
        Ok((found.version >= 3).then_some(TeamKept {
            s,
            target,
            may_write,
        }))
    }

    /// Every value kept for the target by readers of `identity`.
    pub async fn kept(&self, identity: &str) -> Result<Vec<KeptValue>, RecordError> {
        let rows = self
            .s
            .session
            .client
            .query(
                sql::KEPT,
                &[&self.target.system, &self.target.database_oid, &identity],
            )
            .await
            .map_err(self.s.failed("cannot read what was kept"))?;
        Ok(rows
            .iter()
            .map(|r| (r.get("name"), r.get("at_ms"), r.get("value")))
            .collect())
    }

    /// Keeps each `(name, value)` for the target under `identity` at `at_ms`, in place of what
    /// was, in one transaction; and lets go of what other identities kept a day before.
    pub async fn keep(
        &self,
        identity: &str,
        at_ms: i64,
        values: &[(&str, &[u8])],
    ) -> Result<(), RecordError> {
        let client = &self.s.session.client;
        let failed = self.s.failed("cannot keep");
        let (system, oid) = (&self.target.system, &self.target.database_oid);
        client.batch_execute("BEGIN").await.map_err(&failed)?;
        let written = async {
            let statement = client.prepare(sql::KEEP).await?;
            for (name, value) in values {
                client
                    .execute(&statement, &[system, oid, &identity, &name, &at_ms, &value])
                    .await?;
            }
            let before = at_ms.saturating_sub(OTHERS_KEPT_FOR_MS);
            client
                .execute(sql::KEPT_PRUNE, &[system, oid, &identity, &before])
                .await?;
            Ok::<_, tokio_postgres::Error>(())
        }
        .await;
        let end = if written.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = client.batch_execute(end).await;
        written.map_err(&failed)?;
        ended.map_err(&failed)
    }
}
