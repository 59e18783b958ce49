//! The team store's schema: made and upgraded by its owner (`record --init-store`, or a
//! recorder whose login may create it), checked by every writer and reader before it touches a
//! row, each then acting as the store's role for what it does.

use std::time::Duration;

use tokio_postgres::Client;

use super::{StoreSession, READER_ROLE, WRITER_ROLE};
use crate::queries::team_store as sql;
use crate::recording::error::RecordError;

/// The schema this build writes: 1 the tables, 2 which recorder wrote a frame, 3 what reads
/// keep for the next.
pub const VERSION: i64 = 3;

/// The oldest version a writer that does not own the store writes frames into (the versions
/// since add what frames do not need: the store's owner upgrades it when it will, and its
/// recorders go on meanwhile).
const WRITES_FROM: i64 = 2;

/// The migrations, in order: the statements taking a store from the version before to each.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, sql::SCHEMA_V1),
    (2, sql::SCHEMA_V2),
    (3, sql::SCHEMA_V3),
];

/// The store's tables that are hypertables on TimescaleDB: their time column and segments.
const HYPERTABLES: &[(&str, &str, &str, &str)] = &[
    (
        "frame",
        "minute",
        "system_identifier, database_oid",
        "minute",
    ),
    (
        "sample",
        "at",
        "system_identifier, database_oid, series",
        "at",
    ),
    ("body", "period", "system_identifier, database_oid", "hash"),
];

/// What a session finds of the store before touching it.
#[derive(Debug)]
pub struct Facts {
    /// The schema's owner (None: no store yet).
    pub owner: Option<String>,
    pub login: String,
    pub superuser: bool,
    pub may_create: bool,
    /// The login is a member of the writers' role.
    pub writer: bool,
}

impl Facts {
    fn owns(&self) -> bool {
        self.owner.as_deref() == Some(self.login.as_str())
    }
}

pub async fn facts(s: &StoreSession) -> Result<Facts, RecordError> {
    let row = s
        .session
        .client
        .query_one(sql::STORE_FACTS, &[])
        .await
        .map_err(s.failed("cannot read the store's owner"))?;
    Ok(Facts {
        owner: row.get("owner"),
        login: row.get("login"),
        superuser: row.get::<_, Option<bool>>("superuser").unwrap_or(false),
        may_create: row.get("may_create"),
        writer: row.get("writer"),
    })
}

/// The store's version (0: no store).
pub async fn version(s: &StoreSession, f: &Facts) -> Result<i64, RecordError> {
    if f.owner.is_none() {
        return Ok(0);
    }
    Ok(meta(s, "version")
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// A note of the store's.
async fn meta(s: &StoreSession, key: &str) -> Result<Option<String>, RecordError> {
    Ok(s.session
        .client
        .query_opt(sql::META, &[&key])
        .await
        .map_err(s.failed("cannot read the store's notes"))?
        .map(|r| r.get(0)))
}

async fn set_meta(s: &StoreSession, key: &str, value: &str) -> Result<(), RecordError> {
    s.session
        .client
        .execute(sql::SET_META, &[&key, &value])
        .await
        .map(drop)
        .map_err(s.failed("cannot write the store's notes"))
}

/// TimescaleDB's functions the store calls, refused where its schema holds another function of
/// one of their names that is not TimescaleDB's own.
pub async fn own_functions(s: &StoreSession) -> Result<(), RecordError> {
    let names = vec![
        "create_hypertable",
        "add_compression_policy",
        "add_retention_policy",
        "remove_retention_policy",
        "hypertable_size",
    ];
    let foreign = found(
        s,
        sql::FOREIGN_FUNCTIONS,
        &[&names],
        "cannot check TimescaleDB's functions",
    )
    .await?;
    match foreign.is_empty() {
        true => Ok(()),
        false => Err(refused(
            s,
            format!(
                "{} in TimescaleDB's schema is not TimescaleDB's own: not called (it could run as this login)",
                foreign.join(", ")
            ),
        )),
    }
}

/// What a check's query names (the roles, relations or functions that fail it; none: it passes).
async fn found(
    s: &StoreSession,
    query: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    what: &'static str,
) -> Result<Vec<String>, RecordError> {
    let rows = s
        .session
        .client
        .query(query, params)
        .await
        .map_err(s.failed(what))?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

fn refused(s: &StoreSession, why: String) -> RecordError {
    RecordError::TeamStore {
        store: s.name.clone(),
        why,
    }
}

/// `record --init-store`: creates the store, or upgrades it to [`VERSION`], as this login (its
/// owner), with TimescaleDB's compression and `max_age` as its retention where it is there;
/// the roles made where missing and given their rights. What was done, a line each.
pub async fn init(s: &StoreSession, max_age: Duration) -> Result<Vec<String>, RecordError> {
    let f = facts(s).await?;
    if f.owner.is_some() && !f.owns() {
        return Err(refused(
            s,
            format!(
                "its schema belongs to {}: only its owner makes or upgrades it (this login is {})",
                f.owner.as_deref().unwrap_or_default(),
                f.login
            ),
        ));
    }
    migrate(s, Some(max_age), VERSION).await
}

/// [`init`] up to `version` only: a store as an older hypertop made it (the migrations' tests).
pub async fn init_to(
    s: &StoreSession,
    max_age: Duration,
    version: i64,
) -> Result<Vec<String>, RecordError> {
    migrate(s, Some(max_age), version.clamp(1, VERSION)).await
}

/// Brings the store to [`VERSION`] in one transaction (others wait on a lock; the version is
/// read again under it), then gives the roles their rights. `max_age`: the retention to set.
async fn migrate(
    s: &StoreSession,
    max_age: Option<Duration>,
    upto: i64,
) -> Result<Vec<String>, RecordError> {
    let client = &s.session.client;
    let mut done = Vec::new();
    let roles_missing = client
        .query_one(
            "SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = ANY ($1::text[])",
            &[&vec![WRITER_ROLE, READER_ROLE]],
        )
        .await
        .map_err(s.failed("cannot look for the roles"))?
        .get::<_, i64>(0)
        < 2;
    if roles_missing {
        // made once for the cluster: another store's owner may be making them at this moment
        // (the second try then finds them)
        if client.batch_execute(sql::ROLES).await.is_err() {
            client.batch_execute(sql::ROLES).await.map_err(|e| {
                refused(
                    s,
                    format!(
                        "cannot make the roles {WRITER_ROLE} and {READER_ROLE} ({}): a role with CREATEROLE can run `CREATE ROLE {WRITER_ROLE} NOLOGIN; CREATE ROLE {READER_ROLE} NOLOGIN;`",
                        crate::connect::describe_error(&e)
                    ),
                )
            })?;
        }
        done.push(format!("made the roles {WRITER_ROLE} and {READER_ROLE}"));
    }
    client
        .batch_execute("BEGIN; SELECT pg_catalog.pg_advisory_xact_lock(7238472391)")
        .await
        .map_err(s.failed("cannot begin"))?;
    let result = migrate_locked(s, max_age, upto, &mut done).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = client.batch_execute(end).await;
    result?;
    ended.map_err(s.failed("cannot commit the schema"))?;
    Ok(done)
}

async fn migrate_locked(
    s: &StoreSession,
    max_age: Option<Duration>,
    upto: i64,
    done: &mut Vec<String>,
) -> Result<(), RecordError> {
    let client = &s.session.client;
    // again under the lock: another recorder may have made it meanwhile
    let f = facts(s).await?;
    let from = version(s, &f).await?;
    if from > VERSION {
        return Err(newer(s, from));
    }
    // another made or upgraded it while this one waited for the lock
    if from >= upto && (max_age.is_none() || !f.owns()) {
        return Ok(());
    }
    if f.owner.is_some() && !f.owns() {
        return Err(refused(
            s,
            format!(
                "version {from}, older than this hypertop's ({VERSION}): its owner {} upgrades it with `hypertop record --init-store --into …`",
                f.owner.as_deref().unwrap_or_default()
            ),
        ));
    }
    for &(to, statements) in MIGRATIONS.iter().filter(|(v, _)| *v > from && *v <= upto) {
        client
            .batch_execute(statements)
            .await
            .map_err(s.failed("cannot make the schema"))?;
        if to == 1 {
            // what kind of store it is stays as made (TimescaleDB installed later changes
            // nothing of its plain tables)
            let kind = match &s.timescaledb {
                Some(ts) => {
                    own_functions(s).await?;
                    hypertables(s, client, ts).await?;
                    done.push("made frame, sample and body hypertables of six-hour chunks, each compressed an hour after it ends".into());
                    "timescaledb"
                }
                None => "plain",
            };
            set_meta(s, "kind", kind).await?;
        }
        done.push(format!("schema version {to}"));
    }
    set_meta(s, "version", &from.max(upto).to_string()).await?;
    client
        .batch_execute(sql::GRANTS)
        .await
        .map_err(s.failed("cannot grant the roles their rights"))?;
    let Some(age) = max_age else {
        return Ok(());
    };
    set_meta(s, "max_age_seconds", &age.as_secs().to_string()).await?;
    let hypertables = meta(s, "kind").await?.as_deref() == Some("timescaledb");
    if let (Some(ts), true) = (&s.timescaledb, hypertables) {
        own_functions(s).await?;
        let ts = crate::format::quote_ident(ts);
        let interval = format!("{} seconds", age.as_secs());
        for &(table, _, _, _) in HYPERTABLES {
            let vars = [("table", table), ("ts", ts.as_str())];
            client
                .batch_execute(&crate::queries::render(sql::REMOVE_RETENTION_POLICY, &vars))
                .await
                .map_err(s.failed("cannot replace the retention policy"))?;
            client
                .execute(
                    &crate::queries::render(sql::ADD_RETENTION_POLICY, &vars),
                    &[&interval],
                )
                .await
                .map_err(s.failed("cannot add the retention policy"))?;
        }
        let secs = age.as_secs();
        done.push(format!(
            "frames, samples and values dropped by TimescaleDB's retention after {}",
            match secs % 86400 {
                0 => format!("{} days", secs / 86400),
                _ => humantime::format_duration(Duration::from_secs(secs)).to_string(),
            }
        ));
    }
    Ok(())
}

/// The store's tables as hypertables of day chunks, compressed by segment after a day.
async fn hypertables(s: &StoreSession, client: &Client, ts: &str) -> Result<(), RecordError> {
    let ts = crate::format::quote_ident(ts);
    for &(table, time, segments, order) in HYPERTABLES {
        let vars = [
            ("table", table),
            ("time", time),
            ("segments", segments),
            ("order", order),
            ("ts", ts.as_str()),
        ];
        for template in [sql::HYPERTABLE, sql::COMPRESS, sql::COMPRESSION_POLICY] {
            client
                .batch_execute(&crate::queries::render(template, &vars))
                .await
                .map_err(s.failed("cannot make the hypertables"))?;
        }
    }
    Ok(())
}

fn newer(s: &StoreSession, version: i64) -> RecordError {
    refused(
        s,
        format!(
            "schema version {version}, newer than this hypertop's ({VERSION}): use a newer hypertop"
        ),
    )
}

/// What a session may do on the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    Write,
    Read,
}

/// Readies a session to `use` the store, before it reads any of the store's rows: a
/// superuser login that is not the store's owner is refused (code the owner wrote would run
/// with its rights); the group roles must be what `--init-store` made (no login, no other
/// membership); the relations touched must be the owner's ordinary tables; a login that is not
/// the owner then acts as the role of its use. A writer makes a missing store where its login
/// may (it then owns it) and upgrades one it owns. The store as found.
pub async fn ready(s: &StoreSession, use_: Use, max_age: Duration) -> Result<Store, RecordError> {
    let mut f = facts(s).await?;
    if use_ == Use::Write && f.owner.is_none() && f.may_create {
        // made by its first recorder, which keeps frames for its --max-age
        migrate(s, Some(max_age), VERSION).await?;
        f = facts(s).await?;
    }
    if f.owner.is_none() {
        return Err(refused(
            s,
            "no store here yet: its owner makes it with `hypertop record --init-store --into …`"
                .into(),
        ));
    }
    let owns = f.owns();
    if f.superuser && !owns {
        return Err(refused(
            s,
            format!(
                "this login ({}) is a superuser and the store belongs to {}: what the store's owner wrote would run with a superuser's rights; use a login that is a member of {} (or {})",
                f.login,
                f.owner.as_deref().unwrap_or_default(),
                WRITER_ROLE,
                READER_ROLE
            ),
        ));
    }
    roles_as_made(s).await?;
    let odd = found(s, sql::TABLE_KINDS, &[], "cannot check the store's tables").await?;
    if !odd.is_empty() {
        return Err(refused(
            s,
            format!(
                "{} in schema hypertop is not an ordinary table of the schema's owner: not touched",
                odd.join(", ")
            ),
        ));
    }
    if !owns {
        let role = match use_ {
            Use::Write => WRITER_ROLE,
            Use::Read => READER_ROLE,
        };
        // a second layer: what the store runs in this session runs as this role
        s.session
            .client
            .batch_execute(&format!("SET ROLE {}", crate::format::quote_ident(role)))
            .await
            .map_err(|e| {
                refused(
                    s,
                    format!(
                        "this login ({}) cannot act as {role} ({}): the store's owner grants it with `GRANT {role} TO {};`",
                        f.login,
                        crate::connect::describe_error(&e),
                        crate::format::quote_ident(&f.login)
                    ),
                )
            })?;
    }
    let mut v = version(s, &f).await?;
    if v > VERSION {
        return Err(newer(s, v));
    }
    if use_ == Use::Write && v < VERSION && owns {
        // an upgrade: the retention stays as the store's
        migrate(s, None, VERSION).await?;
        v = VERSION;
    }
    if use_ == Use::Write && v < WRITES_FROM {
        return Err(refused(
            s,
            format!(
                "version {v}, older than this hypertop's ({VERSION}): its owner {} upgrades it with `hypertop record --init-store --into …`",
                f.owner.as_deref().unwrap_or_default()
            ),
        ));
    }
    let kept_for = meta(s, "max_age_seconds")
        .await?
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs);
    let hypertables = meta(s, "kind").await?.as_deref() == Some("timescaledb");
    Ok(Store {
        version: v,
        kept_for,
        hypertables,
    })
}

/// A store as a session found it.
#[derive(Debug, Clone, Copy)]
pub struct Store {
    pub version: i64,
    /// How long it keeps frames (`--init-store --max-age`; a store made before this was noted
    /// says nothing, and hypertop's own pruning then keeps everything).
    pub kept_for: Option<Duration>,
    /// Its tables are TimescaleDB's hypertables (retention and compression are TimescaleDB's).
    pub hypertables: bool,
}

/// The group roles as `--init-store` makes them: no login, no superuser, no role granted to
/// them (one made by someone else with more would give a `SET ROLE` more rights, not fewer).
async fn roles_as_made(s: &StoreSession) -> Result<(), RecordError> {
    let roles = vec![WRITER_ROLE, READER_ROLE];
    let odd = found(
        s,
        sql::ROLES_AS_MADE,
        &[&roles],
        "cannot check the store's roles",
    )
    .await?;
    match odd.is_empty() {
        true => Ok(()),
        false => Err(refused(
            s,
            format!(
                "the role {} may log in, is a superuser or holds another role's rights: not used (the store's roles hold nothing but its own rights)",
                odd.join(", ")
            ),
        )),
    }
}
