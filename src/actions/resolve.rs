//! Reads what a command acts on: resolves names (an unqualified name must be unambiguous),
//! checks intervals with the server, and captures the settings a change would overwrite.

use tokio_postgres::{Client, Row};

use super::parse::{Command, Interval, ObjectName, WindowBound};
use super::plan::{
    ChunkInterval, CompressionNow, Facts, Impact, JobSettings, PolicyKind, Relation, RelationKind,
    SessionFacts,
};
use super::{quote_ident, render, Object};
use crate::capabilities::Capabilities;
use crate::connect::describe_error;
use crate::queries;

macro_rules! sql {
    ($file:literal) => {
        include_str!(concat!("../../queries/actions/", $file))
    };
}

/// Why a command could not be resolved. A lock timeout is told apart from the rest so the
/// caller can add who holds the lock.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    /// The catalog read waited longer than `lock_timeout` for another session's lock.
    LockTimeout(String),
    /// Anything else: a name that means nothing or many things, a bad value, a failed read.
    Refused(String),
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LockTimeout(text) | Self::Refused(text) => f.write_str(text),
        }
    }
}

impl From<String> for ResolveError {
    fn from(text: String) -> Self {
        Self::Refused(text)
    }
}

impl From<ResolveError> for String {
    fn from(e: ResolveError) -> Self {
        e.to_string()
    }
}

fn db(e: tokio_postgres::Error) -> ResolveError {
    let text = describe_error(&e);
    if e.code() == Some(&tokio_postgres::error::SqlState::LOCK_NOT_AVAILABLE) {
        ResolveError::LockTimeout(text)
    } else {
        ResolveError::Refused(text)
    }
}

/// The relations `name` can mean, of the `kinds` the command accepts (all kinds when a name
/// matches none of them, so the plan can say what it is instead).
pub async fn relation(
    client: &Client,
    caps: &Capabilities,
    name: &ObjectName,
    kinds: &[RelationKind],
) -> Result<Relation, ResolveError> {
    let sql = if caps.timescaledb.is_some() {
        sql!("resolve.sql")
    } else {
        sql!("resolve_plain.sql")
    };
    let rows = client
        .query(sql, &[&name.schema, &name.name])
        .await
        .map_err(db)?;
    let all: Vec<Relation> = rows
        .iter()
        .map(|r| Relation {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            kind: RelationKind::from_sql(r.get("kind")),
        })
        .collect();
    let wanted: Vec<&Relation> = all.iter().filter(|r| kinds.contains(&r.kind)).collect();
    let pick = if wanted.is_empty() {
        all.iter().collect()
    } else {
        wanted
    };
    match pick.as_slice() {
        [] => Err(format!(
            "{}{}",
            match &name.schema {
                Some(_) => format!("no relation named {name}"),
                None => format!("no relation named {name} in any schema"),
            },
            meant(client, name).await
        )
        .into()),
        [one] => Ok((*one).clone()),
        many => Err(format!(
            "{name} is ambiguous: {} (qualify it with its schema)",
            many.iter()
                .map(|r| format!("{} ({})", r.shown(), r.kind))
                .collect::<Vec<_>>()
                .join(", ")
        )
        .into()),
    }
}

/// A read of the resolve's with its fragments and names filled in: TimescaleDB's schema
/// (`{ts}`) and its chunk statistics function (`{chunk_stats}`: the columnstore's name from
/// 2.18, where chunk_compression_stats is deprecated).
fn reading(template: &str, caps: &Capabilities) -> String {
    let columnstore = caps.timescaledb.as_ref().is_some_and(|t| t.columnstore);
    render(
        &crate::queries::action(template),
        &[
            (
                "ts",
                &quote_ident(caps.timescaledb_schema().unwrap_or("public")),
            ),
            (
                "chunk_stats",
                if columnstore {
                    "chunk_columnstore_stats"
                } else {
                    "chunk_compression_stats"
                },
            ),
        ],
    )
}

/// " (did you mean …?)" with the relations a misspelt `name` is a typo away from, or nothing
/// (also when they cannot be read: the error is about the name, not this).
async fn meant(client: &Client, name: &ObjectName) -> String {
    let Ok(rows) = client
        .query(sql!("similar_names.sql"), &[&name.schema, &name.name])
        .await
    else {
        return String::new();
    };
    let shown: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            let (schema, relname): (String, String) = (r.get("schema"), r.get("name"));
            // what was typed is compared with the same form: qualified or not
            let typed_form = match &name.schema {
                Some(_) => format!("{schema}.{relname}"),
                None => relname.clone(),
            };
            (
                typed_form,
                crate::format::qualified_escaped(&schema, &relname),
            )
        })
        .collect();
    let typed = match &name.schema {
        Some(s) => format!("{s}.{}", name.name),
        None => name.name.clone(),
    };
    let near = super::complete::closest(&typed, shown.iter().map(|(t, _)| t.as_str()));
    let offered: Vec<&str> = near
        .iter()
        .filter_map(|n| shown.iter().find(|(t, _)| t == n).map(|(_, s)| s.as_str()))
        .collect();
    match offered.as_slice() {
        [] => String::new(),
        some => format!(" (did you mean {}?)", some.join(", ")),
    }
}

/// The server reads `i` as an interval greater than zero (or, for a refresh offset, not
/// negative): a zero or negative retention, threshold or schedule is never what was meant.
/// `i` becomes the server's own reading (`7days` → `7 days`, `'36 hours'` → `36:00:00`), so
/// the preview shows what PostgreSQL and TimescaleDB will store.
async fn check_interval(
    client: &Client,
    i: &mut Interval,
    zero_allowed: bool,
) -> Result<(), ResolveError> {
    if i.integer().is_some() {
        return Err(super::parse::no_unit(&i.0).into());
    }
    let row = client
        .query_one(
            "SELECT $1::text::interval > interval '0' AS positive, \
                    $1::text::interval = interval '0' AS zero, \
                    $1::text::interval::text AS normalised",
            &[&i.0],
        )
        .await
        .map_err(|e| format!("'{}' is not an interval: {}", i.0, db(e)))?;
    let (positive, zero): (bool, bool) = (row.get("positive"), row.get("zero"));
    if positive || (zero && zero_allowed) {
        i.0 = row.get("normalised");
        Ok(())
    } else {
        Err(format!(
            "'{}' is {}: give a positive interval (e.g. 6h, 7days, '1 day 2 hours')",
            i.0,
            if zero { "zero" } else { "negative" }
        )
        .into())
    }
}

/// Where `r`'s threshold is a number: its time column is an integer. Then the "now" to count it
/// back from, when monitoring may read one (see `model::integer_now`).
async fn integer_now(client: &Client, r: &Relation) -> Result<Option<Option<i64>>, ResolveError> {
    let row = client
        .query_opt(sql!("integer_time.sql"), &[&r.regclass()])
        .await
        .map_err(db)?;
    let Some(row) = row.filter(|row| row.get::<_, bool>("integer_time")) else {
        return Ok(None);
    };
    let id: i32 = row.get("now_hypertable_id");
    let list = crate::queries::INTEGER_NOW_CALLS.as_str();
    let nows = crate::model::integer_now::read(client, list)
        .await
        .map_err(db)?;
    Ok(Some(
        nows.ids
            .iter()
            .position(|&i| i == id)
            .map(|at| nows.nows[at]),
    ))
}

/// A threshold on `r`: a positive number in its units when its time column is an integer (then
/// its "now", when known), an interval as [`check_interval`] takes it otherwise.
async fn check_threshold(
    client: &Client,
    i: &mut Interval,
    r: &Relation,
) -> Result<Option<Option<i64>>, ResolveError> {
    let integer = integer_now(client, r).await?;
    if integer.is_none() {
        check_interval(client, i, false).await?;
        return Ok(None);
    }
    match i.integer() {
        Some(n) if n > 0 => {
            i.0 = n.to_string();
            Ok(integer)
        }
        _ => Err(format!(
            "{} has an integer time column: give a positive number in its units (e.g. 1000), not '{}'",
            r.shown(),
            i.0
        ).into()),
    }
}

/// What `mode` (`drop`, `drop_created`, `compress`, `compress_created`) under `threshold`
/// would touch on `r`.
/// `integer`: the relation's time is an integer (the threshold a number), with its "now" when
/// known (see [`check_threshold`]).
async fn impact(
    client: &Client,
    r: &Relation,
    mode: &str,
    threshold: &Interval,
    integer: Option<Option<i64>>,
    caps: &Capabilities,
) -> Result<Impact, ResolveError> {
    let sql = crate::queries::impact(caps);
    let (interval, amount, now) = match integer {
        None => (Some(threshold.0.clone()), None, None),
        Some(now) => (None, Some(threshold.0.clone()), now.map(|n| n.to_string())),
    };
    let row = client
        .query_one(sql, &[&r.regclass(), &mode, &interval, &amount, &now])
        .await
        .map_err(db)?;
    Ok(Impact {
        chunks: row.try_get("chunks").map_err(db)?,
        bytes: row.try_get("bytes").map_err(db)?,
        total_chunks: row.try_get("total_chunks").map_err(db)?,
        total_bytes: row.try_get("total_bytes").map_err(db)?,
        first: row.try_get("first").map_err(db)?,
        last: row.try_get("last").map_err(db)?,
        integer_time: row.try_get("integer_time").map_err(db)?,
    })
}

fn job_settings(r: &Row) -> Result<JobSettings, ResolveError> {
    let config: Option<String> = r.try_get("config").map_err(db)?;
    Ok(JobSettings {
        job_id: r.try_get("job_id").map_err(db)?,
        proc_name: r.try_get("proc_name").map_err(db)?,
        proc_schema: r.try_get("proc_schema").map_err(db)?,
        owner: r.try_get("owner").map_err(db)?,
        scheduled: r.try_get("scheduled").map_err(db)?,
        schedule_interval: r.try_get("schedule_interval").map_err(db)?,
        max_runtime: r.try_get("max_runtime").map_err(db)?,
        max_retries: r.try_get("max_retries").map_err(db)?,
        retry_period: r.try_get("retry_period").map_err(db)?,
        config: config.and_then(|c| serde_json::from_str(&c).ok()),
        next_start: r.try_get("next_start").map_err(db)?,
    })
}

async fn job(client: &Client, id: i32) -> Result<Option<JobSettings>, ResolveError> {
    first_job(client, sql!("job.sql"), &[&id.to_string()]).await
}

/// The first job a query returns, if any.
async fn first_job(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Option<JobSettings>, ResolveError> {
    let rows = client.query(sql, params).await.map_err(db)?;
    rows.first().map(job_settings).transpose()
}

/// The relation's policy job of `kind`, if it has one.
async fn policy_job(
    client: &Client,
    r: &Relation,
    kind: PolicyKind,
) -> Result<Option<JobSettings>, ResolveError> {
    let sql = queries::action(sql!("policy.sql"));
    first_job(client, &sql, &[&r.schema, &r.name, &kind.proc_name()]).await
}

/// Objects as rows of `oid`, `schema`, `name`.
async fn targets(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Object>, ResolveError> {
    let rows = client.query(sql, params).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(Object {
                oid: r.try_get("oid").map_err(db)?,
                schema: r.try_get("schema").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
            })
        })
        .collect()
}

/// A chunk bound's parameters for the chunk queries: `interval` on time, else the `amount` and
/// the integer `now` it counts back from; none without a bound.
type BoundParams = (Option<String>, Option<String>, Option<String>);

fn bound_params(
    bound: Option<&Interval>,
    integer: Option<Option<i64>>,
    r: &Relation,
) -> Result<BoundParams, ResolveError> {
    Ok(match (bound, integer) {
        (Some(i), None) => (Some(i.0.clone()), None, None),
        (Some(i), Some(Some(now))) => (None, Some(i.0.clone()), Some(now.to_string())),
        (Some(_), Some(None)) => {
            return Err(format!(
                "{} has an integer time column whose integer_now function cannot be called here: which chunks are older is unknown",
                r.shown()
            )
            .into())
        }
        (None, _) => (None, None, None),
    })
}

/// Refuses a command the server cannot run (`has` false): `what`, and what this database has.
fn needs(caps: &Capabilities, has: bool, what: &str, instead: &str) -> Result<(), ResolveError> {
    if has {
        return Ok(());
    }
    let version = caps
        .timescaledb
        .as_ref()
        .map_or_else(|| "no TimescaleDB".to_string(), |t| t.version.clone());
    Err(format!("{what}; this database has {version}{instead}").into())
}

/// Everything `plan` needs for `cmd`; its intervals become the server's reading of them.
pub async fn facts(
    client: &Client,
    caps: &Capabilities,
    cmd: &mut Command,
) -> Result<Facts, ResolveError> {
    let ts = caps.timescaledb.is_some();
    let needs_ts = !matches!(
        cmd,
        Command::Reindex { .. }
            | Command::DropIndex { .. }
            | Command::CancelBackend { .. }
            | Command::TerminateBackend { .. }
    );
    if needs_ts && !ts {
        return Err(format!(
            "TimescaleDB is not installed in database \"{}\": only reindex, drop-index, cancel-backend and terminate-backend work here",
            caps.database
        ).into());
    }
    let compression = matches!(
        cmd,
        Command::SetCompressAfter { .. } | Command::Compress { .. }
    );
    let policy = PolicyKind::of(cmd);
    let mut f = Facts {
        ts: quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        columnstore: super::plan::Columnstore(
            caps.timescaledb.as_ref().is_some_and(|t| t.columnstore),
        ),
        ..Facts::default()
    };
    match cmd {
        Command::Refresh { cagg, window } => {
            let r = relation(client, caps, cagg, &[RelationKind::Cagg]).await?;
            if r.kind == RelationKind::Cagg {
                let facts = refresh_facts(client, caps, &r, window.as_ref()).await?;
                f.integer_time = facts.integer_time;
                f.refresh = Some(facts);
            }
            f.relation = Some(r);
        }
        Command::Compress {
            hypertable,
            older_than: limit,
        }
        | Command::Decompress {
            hypertable,
            newer_than: limit,
        } => {
            let compress = compression;
            let r = relation(client, caps, hypertable, &[RelationKind::Hypertable]).await?;
            // A bare compress: what its compression policy would compress (its threshold),
            // never the chunk being written; said in the preview.
            let mut default = None;
            // the bound the chunks are chosen by: the one given, else the policy's (the command
            // stays bare: its default is chosen again whenever it is planned)
            let mut bound = limit.clone();
            if compress && limit.is_none() && r.kind == RelationKind::Hypertable {
                let after = policy_job(client, &r, PolicyKind::Compression)
                    .await?
                    .and_then(|j| j.config)
                    .and_then(|c| c.get("compress_after").cloned());
                match after {
                    Some(serde_json::Value::String(s)) => {
                        default = Some(format!(
                            "those its compression policy would compress (older than {}), and any left among compressed ones",
                            crate::format::interval(&s)
                        ));
                        bound = Some(Interval(s));
                    }
                    Some(serde_json::Value::Number(n)) => {
                        default = Some(format!(
                            "those its compression policy would compress (older than {n}), and any left among compressed ones"
                        ));
                        bound = Some(Interval(n.to_string()));
                    }
                    _ => {
                        default = Some(
                            "every uncompressed chunk but the ones being written (it has no compression policy by age)"
                                .into(),
                        )
                    }
                }
            }
            let integer = match bound.as_mut() {
                Some(i) => check_threshold(client, i, &r).await?,
                None => None,
            };
            if let (Some(given), Some(checked)) = (limit.as_mut(), bound.as_ref()) {
                // the server's reading of what was given
                *given = checked.clone();
            }
            if r.kind == RelationKind::Hypertable {
                let mode = bound
                    .as_ref()
                    .map(|_| if compress { "older" } else { "newer" });
                let (interval, amount, now) = bound_params(bound.as_ref(), integer, &r)?;
                let state = (!compress).to_string();
                let sql = reading(sql!("chunks_to_change.sql"), caps);
                let rows = client
                    .query(
                        sql.as_str(),
                        &[&r.schema, &r.name, &state, &mode, &interval, &amount, &now],
                    )
                    .await
                    .map_err(db)?;
                let mut work = super::plan::ChunkWork {
                    default,
                    ..Default::default()
                };
                for row in &rows {
                    let o = Object {
                        oid: row.get("oid"),
                        schema: row.get("schema"),
                        name: row.get("name"),
                    };
                    let (selected, live): (bool, bool) = (row.get("selected"), row.get("live"));
                    // the default also takes a chunk left among compressed ones, and spares
                    // the ones being written; a bound given may not
                    let by_default = work.default.is_some();
                    let selected = selected
                        || (by_default && compress && row.get::<_, bool>("before_compressed"));
                    let spare = by_default && live;
                    if selected && !spare {
                        work.bytes += row.get::<_, i64>("bytes");
                        work.bytes_before += row.get::<_, i64>("bytes_before");
                        if live {
                            work.live.push(o.shown());
                        }
                        f.items.push(o);
                    } else {
                        work.spared += 1;
                        work.spared_live |= live;
                    }
                }
                let ratio = client
                    .query_one(
                        reading(sql!("compression_ratio.sql"), caps).as_str(),
                        &[&r.schema, &r.name],
                    )
                    .await
                    .map_err(db)?;
                work.ratio = ratio.get("ratio");
                f.chunk_work = Some(work);
            }
            f.relation = Some(r);
        }
        Command::CompressChunk { chunk } | Command::DecompressChunk { chunk } => {
            f.relation = Some(relation(client, caps, chunk, &[RelationKind::Chunk]).await?);
        }
        Command::Reindex { target } => {
            let r = relation(
                client,
                caps,
                target,
                &[
                    RelationKind::Index,
                    RelationKind::HypertableIndex,
                    RelationKind::Table,
                    RelationKind::Hypertable,
                ],
            )
            .await?;
            match r.kind {
                RelationKind::Hypertable => {
                    f.items = targets(client, sql!("hypertable_chunks.sql"), &[&r.schema, &r.name])
                        .await?;
                }
                RelationKind::HypertableIndex => {
                    let rows = client
                        .query(queries::INDEX_CHUNKS.as_str(), &[&r.schema, &r.name])
                        .await
                        .map_err(db)?;
                    f.items = rows
                        .iter()
                        .map(|row| Object {
                            oid: row.get("index_oid"),
                            schema: row.get("index_schema"),
                            name: row.get("index_name"),
                        })
                        .collect();
                }
                _ => {}
            }
            f.relation = Some(r);
        }
        Command::RunJob { job_id }
        | Command::PauseJob { job_id }
        | Command::ResumeJob { job_id } => {
            f.job = job(client, *job_id).await?;
        }
        Command::SetSchedule { job_id, every } => {
            check_interval(client, every, false).await?;
            f.job = job(client, *job_id).await?;
        }
        Command::SetCompressAfter {
            hypertable: name,
            after: i,
        }
        | Command::SetRetention {
            relation: name,
            after: i,
        } => {
            let kind = policy.unwrap_or(PolicyKind::Retention);
            let r = relation(client, caps, name, kind.applies_to()).await?;
            let integer = check_threshold(client, i, &r).await?;
            f.integer_time = integer.is_some();
            f.job = policy_job(client, &r, kind).await?;
            if kind.applies_to().contains(&r.kind) {
                let by_creation = f.job.as_ref().is_some_and(JobSettings::by_creation_time);
                let mode = match (compression, by_creation) {
                    (true, false) => "compress",
                    (true, true) => "compress_created",
                    (false, false) => "drop",
                    (false, true) => "drop_created",
                };
                f.impact = Some(impact(client, &r, mode, i, integer, caps).await?);
                // what the policy as it is drops (or compresses) at its next run anyway
                let was = f.job.as_ref().filter(|_| !by_creation).and_then(|j| {
                    j.config
                        .as_ref()?
                        .get(kind.threshold_key())?
                        .as_str()
                        .map(String::from)
                });
                if let Some(was) = was {
                    let was = Interval(was);
                    f.impact_now = Some(impact(client, &r, mode, &was, integer, caps).await?);
                }
            }
            f.relation = Some(r);
        }
        Command::SetChunkInterval {
            hypertable,
            interval,
        } => {
            let r = relation(client, caps, hypertable, &[RelationKind::Hypertable]).await?;
            if r.kind == RelationKind::Hypertable {
                let row = client
                    .query_opt(sql!("chunk_interval.sql"), &[&r.regclass()])
                    .await
                    .map_err(db)?
                    .ok_or_else(|| format!("{} has no time dimension", r.shown()))?;
                let integer_time: bool = row.get("integer_time");
                let length: i64 = row.get("interval_length");
                let newest: Option<i64> = row.get("newest_end");
                let now = ChunkInterval {
                    column: row.get("column_name"),
                    integer_time,
                    interval: match integer_time {
                        true => length.to_string(),
                        false => row.get("interval"),
                    },
                    newest_end: newest.map(|e| match integer_time {
                        true => e.to_string(),
                        false => chrono::DateTime::from_timestamp_micros(e)
                            .map_or_else(|| e.to_string(), |t| t.to_rfc3339()),
                    }),
                };
                if integer_time {
                    match interval.integer() {
                        Some(n) if n > 0 => {}
                        _ => {
                            return Err(format!(
                                "{} has an integer time column: give a positive number in its units (e.g. 1000), not '{}'",
                                r.shown(),
                                interval.0
                            )
                            .into())
                        }
                    }
                } else {
                    check_interval(client, interval, false).await?;
                }
                f.integer_time = integer_time;
                f.chunk_interval = Some(now);
            }
            f.relation = Some(r);
        }
        Command::SetCompression { hypertable, .. } => {
            let r = relation(client, caps, hypertable, &[RelationKind::Hypertable]).await?;
            if r.kind == RelationKind::Hypertable {
                let row = client
                    .query_one(queries::compression_now(caps), &[&r.regclass()])
                    .await
                    .map_err(db)?;
                f.columns = columns(client, &r).await?;
                f.compression = Some(CompressionNow {
                    enabled: row.get("enabled"),
                    segmentby: row.get("segmentby"),
                    orderby: row.get("orderby"),
                    compressed_chunks: row.get("compressed_chunks"),
                    per_chunk: caps
                        .timescaledb
                        .as_ref()
                        .is_some_and(|t| t.compression_settings),
                });
            }
            f.relation = Some(r);
        }
        Command::DropChunks {
            relation: name,
            older_than,
        } => {
            let kinds = [RelationKind::Hypertable, RelationKind::Cagg];
            let r = relation(client, caps, name, &kinds).await?;
            let integer = check_threshold(client, older_than, &r).await?;
            f.integer_time = integer.is_some();
            f.integer_now = integer.flatten();
            if kinds.contains(&r.kind) {
                f.impact = Some(impact(client, &r, "drop", older_than, integer, caps).await?);
            }
            f.relation = Some(r);
        }
        Command::MergeChunks {
            hypertable: name,
            older_than,
        } => {
            let ts = caps.timescaledb.as_ref();
            needs(
                caps,
                ts.is_some_and(|t| t.merge_chunks),
                "merge-chunks needs TimescaleDB's merge_chunks (2.18 or later)",
                "",
            )?;
            let r = relation(client, caps, name, &[RelationKind::Hypertable]).await?;
            let integer = match older_than.as_mut() {
                Some(i) => check_threshold(client, i, &r).await?,
                None => None,
            };
            let (interval, amount, now) = bound_params(older_than.as_ref(), integer, &r)?;
            let sql = reading(sql!("merge_candidates.sql"), caps);
            let rows = client
                .query(
                    sql.as_str(),
                    &[&r.schema, &r.name, &interval, &amount, &now],
                )
                .await
                .map_err(db)?;
            let mut merge = super::plan::MergeFacts {
                concurrently: ts.is_some_and(|t| t.merge_chunks_concurrently),
                known_bugs: ts
                    .map(|t| crate::releases::known_bugs(&t.version))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|b| b.what.contains("merging"))
                    .map(|b| {
                        format!(
                            "TimescaleDB {} has a known bug here: {} (#{}, fixed in {}): upgrade first",
                            ts.map(|t| t.version.as_str()).unwrap_or_default(),
                            b.what,
                            b.pull,
                            crate::releases::shown(b.fixed)
                        )
                    })
                    .collect(),
                ..Default::default()
            };
            for row in &rows {
                merge.dimensions = row.get("dimensions");
                merge.chunks.push(super::plan::MergeCandidate {
                    object: Object {
                        oid: row.get("oid"),
                        schema: row.get("schema"),
                        name: row.get("name"),
                    },
                    start: row.get("start_key"),
                    end: row.get("end_key"),
                    compressed: row.get("is_compressed"),
                    selected: row.get("selected"),
                    live: row.get("live"),
                    bytes: row.get::<_, Option<i64>>("bytes").unwrap_or(0),
                });
            }
            f.merge = Some(merge);
            f.relation = Some(r);
        }
        Command::Compact { hypertable: name } => {
            needs(
                caps,
                caps.timescaledb.as_ref().is_some_and(|t| t.compact_chunk),
                "compact needs TimescaleDB's compact_chunk (2.29 or later)",
                &format!(" (compress {name} compresses such chunks again instead)"),
            )?;
            let r = relation(client, caps, name, &[RelationKind::Hypertable]).await?;
            f.items = targets(
                client,
                sql!("compact_candidates.sql"),
                &[&r.schema, &r.name],
            )
            .await?;
            f.relation = Some(r);
        }
        Command::RemoveCompressionPolicy { hypertable: name }
        | Command::RemoveRetentionPolicy { relation: name }
        | Command::RemoveRefreshPolicy { cagg: name } => {
            let kind = policy.unwrap_or(PolicyKind::Refresh);
            let r = relation(client, caps, name, kind.applies_to()).await?;
            // Its undo re-adds the policy with its threshold: a number on integer time.
            f.integer_time = integer_now(client, &r).await?.is_some();
            f.job = policy_job(client, &r, kind).await?;
            f.relation = Some(r);
        }
        Command::SetRefreshPolicy {
            cagg,
            start_offset,
            end_offset,
            every,
        } => {
            for i in [start_offset, end_offset] {
                check_interval(client, i, true).await?;
            }
            check_interval(client, every, false).await?;
            let r = relation(client, caps, cagg, &[RelationKind::Cagg]).await?;
            f.job = policy_job(client, &r, PolicyKind::Refresh).await?;
            f.relation = Some(r);
        }
        Command::DropIndex { index } => {
            let r = relation(
                client,
                caps,
                index,
                &[RelationKind::Index, RelationKind::HypertableIndex],
            )
            .await?;
            if let Some(row) = client
                .query_opt(sql!("index_facts.sql"), &[&r.schema, &r.name])
                .await
                .map_err(db)?
            {
                f.index_definition = row.get("definition");
                f.index_backs_constraint = row.get("backs_constraint");
            }
            f.relation = Some(r);
        }
        Command::CancelBackend { pid } | Command::TerminateBackend { pid } => {
            let row = client
                .query_opt(sql!("session.sql"), &[&pid.to_string()])
                .await
                .map_err(db)?;
            f.session = row.map(|r| SessionFacts {
                pid: r.get("pid"),
                backend_type: r.get("backend_type"),
                username: r.get("username"),
                application: r.get("application"),
                database: r.get("database"),
                state: r.get("state"),
                query: r.get("query"),
                state_seconds: r.get("state_seconds"),
                is_self: r.get("is_self"),
                backend_start: r.get("backend_start"),
                role_oid: r.get("role_oid"),
            });
        }
        Command::History | Command::Rollback { .. } => {}
    }
    Ok(f)
}

/// Every interval of a policy file as the server reads it (exported and written files then
/// compare equal whatever their spelling); an interval the server refuses is named. A file
/// someone wrote (`written`) is held to the palette's rules for the same settings: a unit is
/// required (a bare `90` would be seconds), thresholds and schedules are positive, offsets not
/// negative — the database's own policies are read as they are.
pub async fn normalize_intervals(
    client: &Client,
    file: &mut crate::policy::PolicyFile,
    written: bool,
) -> Result<(), String> {
    use crate::policy::IntervalUse;
    let mut slots = crate::policy::intervals_mut(file);
    if written {
        for slot in slots.iter_mut() {
            let i =
                super::parse::interval(slot.value).map_err(|e| format!("{}: {e}", slot.place))?;
            // A number threshold is a TOML number, not a string: "90" would be 90 seconds.
            if i.integer().is_some() {
                return Err(format!("{}: {}", slot.place, super::parse::no_unit(&i.0)));
            }
            *slot.value = i.0;
        }
    }
    let given: Vec<String> = slots.iter().map(|s| s.value.to_string()).collect();
    let read = |values: Vec<String>| async move {
        client
            .query(sql!("intervals.sql"), &[&values])
            .await
            .map(|rows| {
                rows.iter()
                    .map(|r| (r.get::<_, String>("normalised"), r.get::<_, i32>("sign")))
                    .collect::<Vec<_>>()
            })
    };
    let normalised = match read(given.clone()).await {
        Ok(n) => n,
        Err(e) => {
            // Which one: the first the server refuses on its own.
            for (slot, g) in slots.iter().zip(&given) {
                if let Err(one) = read(vec![g.clone()]).await {
                    return Err(format!(
                        "{}: '{g}' is not an interval: {}",
                        slot.place,
                        db(one)
                    ));
                }
            }
            return Err(db(e).into());
        }
    };
    for (slot, (n, sign)) in slots.iter_mut().zip(normalised) {
        let zero_ok = slot.used_as == IntervalUse::Offset;
        if written && (sign < 0 || (sign == 0 && !zero_ok)) {
            return Err(format!(
                "{}: '{}' is {}: give a {} interval (e.g. 6h, 7days, '1 day 2 hours')",
                slot.place,
                slot.value,
                if sign < 0 { "negative" } else { "zero" },
                if zero_ok { "non-negative" } else { "positive" }
            ));
        }
        *slot.value = n;
    }
    Ok(())
}

/// A continuous aggregate about to be refreshed (see [`super::plan::RefreshFacts`]): where it
/// stands, its policy, and what the window the plan will choose reads of its source.
async fn refresh_facts(
    client: &Client,
    caps: &Capabilities,
    r: &Relation,
    window: Option<&(WindowBound, WindowBound)>,
) -> Result<super::plan::RefreshFacts, ResolveError> {
    use crate::model::caggs;
    let all = caggs::fetch(client, caps, &mut Default::default())
        .await
        .map_err(db)?;
    let c = all
        .into_iter()
        .find(|c| (c.schema.as_str(), c.name.as_str()) == (r.schema.as_str(), r.name.as_str()))
        .ok_or_else(|| {
            format!(
                "{} is not a continuous aggregate this role can read",
                r.shown()
            )
        })?;
    let integer_time = !caggs::is_time_type(&c.time_type);
    // a length as the time dimension counts it: µs, or the integer
    let units = |text: &str| -> Option<i64> {
        match integer_time {
            true => text.trim().parse().ok(),
            false => crate::format::interval_seconds(text).map(|s| (s * 1e6) as i64),
        }
    };
    let now = match integer_time {
        true => integer_now(client, r).await?.flatten(),
        false => Some(
            client
                .query_one("SELECT (extract(epoch FROM now()) * 1000000)::int8", &[])
                .await
                .map_err(db)?
                .get(0),
        ),
    };
    let mut given = None;
    if let Some((a, b)) = window {
        let read = |w: &WindowBound| -> Result<Option<i64>, String> {
            match w {
                WindowBound::Open => Ok(None),
                WindowBound::Int(n) if integer_time => Ok(Some(*n)),
                WindowBound::Int(n) => Err(format!(
                    "{} has time, not integers: give times, not {n}",
                    r.shown()
                )),
                WindowBound::Time(t) if integer_time => Err(format!(
                    "{} has integer time: give integer bounds, not '{t}'",
                    r.shown()
                )),
                WindowBound::Time(_) => Ok(Some(0)),
            }
        };
        let (mut from, mut to) = (read(a)?, read(b)?);
        for (w, v) in [(a, &mut from), (b, &mut to)] {
            if let WindowBound::Time(t) = w {
                *v = Some(
                    client
                        .query_one(
                            "SELECT (extract(epoch FROM $1::text::timestamptz) * 1000000)::int8",
                            &[t],
                        )
                        .await
                        .map_err(|e| format!("'{t}' is not a time: {}", db(e)))?
                        .get(0),
                );
            }
        }
        given = Some((from, to));
    }
    let runs = match &c.refresh_policy {
        Some(p) => client
            .query_opt(sql!("refresh_runs.sql"), &[&p.job_id])
            .await
            .map_err(db)?
            .map(|row| (row.get::<_, i64>("runs"), row.get::<_, f64>("mean_seconds"))),
        None => None,
    };
    let interval: Option<i64> = client
        .query_opt(
            sql!("source_interval.sql"),
            &[&c.hypertable_schema, &c.hypertable_name],
        )
        .await
        .map_err(db)?
        .and_then(|row| row.get("interval"));
    let mut f = super::plan::RefreshFacts {
        integer_time,
        now,
        watermark: c.watermark.map(|w| match w {
            caggs::Watermark::Time(t) => t.timestamp_micros(),
            caggs::Watermark::Int(n) => n,
        }),
        policy: c.refresh_policy.as_ref().map(|p| {
            (
                p.start_offset.as_deref().and_then(units),
                p.end_offset.as_deref().and_then(units),
            )
        }),
        policy_runs: runs,
        // a width in months has none fixed
        bucket: c
            .bucket_width
            .as_deref()
            .filter(|b| !b.contains("mon") && !b.contains("year"))
            .and_then(units),
        chunk_interval: interval,
        given,
        source: c.source(),
        ..Default::default()
    };
    // where its data starts first, then what the chosen window reads
    let reads = |from: Option<i64>, to: Option<i64>, floor: Option<i64>| {
        let text = |v: Option<i64>| {
            v.map(|v| match integer_time {
                true => v.to_string(),
                false => chrono::DateTime::from_timestamp_micros(v)
                    .map_or_else(|| v.to_string(), |t| t.to_rfc3339()),
            })
        };
        (text(from), text(to), text(floor))
    };
    let sql = reading(sql!("refresh_reads.sql"), caps);
    let ask = |from, to, floor| {
        let (a, b, fl) = reads(from, to, floor);
        let sql = sql.clone();
        let (hs, hn) = (c.hypertable_schema.clone(), c.hypertable_name.clone());
        async move {
            client
                .query_one(
                    sql.as_str(),
                    &[&hs, &hn, &a, &b, &fl, &integer_time.to_string()],
                )
                .await
        }
    };
    let first = ask(None, None, None).await.map_err(db)?;
    f.data_start = first.get("data_start");
    let w = super::plan::refresh_window(&f);
    let floor = w.hole.map(|(a, _)| a);
    let row = ask(w.from, w.to, floor).await.map_err(db)?;
    f.chunks = row.get("chunks");
    f.rows = row.get("rows");
    f.bytes = row.get("bytes");
    f.gap_chunks = row.get("gap_chunks");
    Ok(f)
}

/// The continuous aggregates built on another one, as a policy file names them.
pub async fn hierarchical(client: &Client) -> Result<std::collections::BTreeSet<String>, String> {
    Ok(client
        .query(sql!("hierarchical_caggs.sql"), &[])
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            crate::format::qualified_escaped(
                &r.get::<_, String>("schema"),
                &r.get::<_, String>("name"),
            )
        })
        .collect())
}

/// A relation's columns, as its catalog names them.
async fn columns(client: &Client, r: &Relation) -> Result<Vec<String>, String> {
    Ok(client
        .query(sql!("columns.sql"), &[&r.regclass()])
        .await
        .map_err(db)?
        .iter()
        .map(|row| row.get("name"))
        .collect())
}

/// What `plan_apply` needs for `drift`: each relation resolved to its oid, the jobs it
/// changes or removes (all their settings, to restore), compression settings as they are, and
/// what a new or changed retention would drop. The database has TimescaleDB (the caller read
/// its policies).
pub async fn apply_facts(
    client: &Client,
    caps: &Capabilities,
    have: &[crate::model::policies::RelationPolicies],
    want: &crate::policy::PolicyFile,
    drift: &[crate::policy::Drift],
) -> Result<super::plan::apply::ApplyFacts, String> {
    use crate::policy::{DriftKind, Part};
    let mut f = super::plan::apply::ApplyFacts {
        ts: quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        columnstore: super::plan::Columnstore(
            caps.timescaledb.as_ref().is_some_and(|t| t.columnstore),
        ),
        version: caps
            .timescaledb
            .as_ref()
            .map(|t| t.version.clone())
            .unwrap_or_default(),
        hierarchical: hierarchical(client).await?,
        ..Default::default()
    };
    let schema = caps.timescaledb_schema().unwrap_or("public").to_string();
    let row = client
        .query_one(sql!("created_before.sql"), &[&schema])
        .await
        .map_err(db)?;
    for (column, part) in [
        ("retention", Part::RetentionPolicy),
        ("compression", Part::CompressionPolicy),
    ] {
        if row.get::<_, Option<bool>>(column) == Some(true) {
            f.created_before.insert(part);
        }
    }
    for d in drift.iter().filter(|d| d.kind != DriftKind::NoRelation) {
        let Some(h) = have
            .iter()
            .find(|h| crate::format::qualified_escaped(&h.schema, &h.name) == d.relation)
        else {
            continue;
        };
        if !f.relations.contains_key(&d.relation) {
            let name = ObjectName {
                schema: Some(h.schema.clone()),
                name: h.name.clone(),
            };
            let kinds = [RelationKind::Hypertable, RelationKind::Cagg];
            let r = relation(client, caps, &name, &kinds).await?;
            f.relations.insert(d.relation.clone(), r);
        }
        if let Some(j) = crate::policy::job_of(have, &d.relation, d.part) {
            if let Some(settings) = job(client, j.job_id).await? {
                f.job_of.insert((d.relation.clone(), d.part), j.job_id);
                f.jobs.insert(j.job_id, settings);
            }
        }
        if d.part == Part::Compression {
            if let Some(r) = f.relations.get(&d.relation) {
                let names = columns(client, r).await?;
                f.columns.insert(d.relation.clone(), names);
            }
            let now = h
                .compression_enabled
                .then(|| (h.segmentby.join(", "), h.orderby.join(", ")));
            f.compression.insert(d.relation.clone(), now);
        }
        if d.part == Part::RetentionPolicy
            && matches!(d.kind, DriftKind::Missing | DriftKind::Changed)
        {
            let Some(p) = want
                .relation(&d.relation, d.is_cagg)
                .and_then(|w| w.retention_policy.as_ref())
            else {
                continue;
            };
            let threshold = match (
                p.after.as_ref().and_then(|a| a.interval()),
                &p.created_before,
            ) {
                (Some(after), _) => Some(("drop", after)),
                (None, Some(created)) => Some(("drop_created", created.as_str())),
                (None, None) => None,
            };
            if let (Some((mode, t)), Some(r)) = (threshold, f.relations.get(&d.relation)) {
                let i = impact(client, r, mode, &Interval(t.to_string()), None, caps).await?;
                f.impact.insert(d.relation.clone(), i);
            }
        }
    }
    Ok(f)
}
