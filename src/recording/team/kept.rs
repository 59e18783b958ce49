//! What reads keep for the next read of a target (`store::keeping`), in the team store: by the
//! target's identity there, the store login that wrote it and the reader's own identity (the
//! server's start, the role, the build), so that every process of one store login — the
//! team's recorders on two bastions, a cron `check` as the recorders' login — starts from what
//! the last one kept. A login takes only what it wrote itself (the local recording's owner
//! rule, as logins: another writer's values could hide what a read would show); a login that
//! only reads the store keeps in its local recording.

use super::schema::{self, Use};
use super::{StoreSession, TargetId};
use crate::conninfo::Resolved;
use crate::queries::team_store as sql;
use crate::recording::error::RecordError;
use crate::recording::kept::KeptValue;

/// How long what another identity kept for the same target stays (as in the local recording).
const OTHERS_KEPT_FOR_MS: i64 = 24 * 3600 * 1000;

/// The store's version from which it keeps values.
const KEEPS_FROM: i64 = 3;

/// A session on the store for one target's kept values.
pub struct TeamKept {
    s: StoreSession,
    target: TargetId,
}

impl TeamKept {
    /// Opens the store for `target`, for a login that may write it (its owner, or one of its
    /// writers). None where it may not (it keeps in its local recording), where there is no
    /// store yet (a read makes none) or the store predates kept values (its owner's next
    /// `--init-store` or recorder upgrades it: a read never does).
    pub async fn open(store: &Resolved, target: TargetId) -> Result<Option<TeamKept>, RecordError> {
        let s = StoreSession::open(store).await?;
        let facts = schema::facts(&s).await?;
        let owns = facts.owner.as_deref() == Some(facts.login.as_str());
        if facts.owner.is_none() || !(facts.writer || owns) {
            return Ok(None);
        }
        if schema::version(&s, &facts).await? < KEEPS_FROM {
            return Ok(None);
        }
        let found = schema::ready(&s, Use::Write, std::time::Duration::ZERO).await?;
        Ok((found.version >= KEEPS_FROM).then_some(TeamKept { s, target }))
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
    /// this login kept, in one transaction; and lets go of what it kept as other identities a
    /// day before.
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
            let forget = client.prepare(sql::KEPT_FORGET).await?;
            let keep = client.prepare(sql::KEEP).await?;
            for (name, value) in values {
                client
                    .execute(&forget, &[system, oid, &identity, name])
                    .await?;
                client
                    .execute(&keep, &[system, oid, &identity, name, &at_ms, value])
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
