//! Reads what a command acts on: what every command needs (`facts`), and the helpers the
//! families' `facts` hooks (`plan/<family>.rs`) read with — names resolved (an unqualified
//! name must be unambiguous), intervals checked by the server, a policy's job, what a
//! threshold reaches — capturing the settings a change would overwrite.

use tokio_postgres::{Client, Row};

use super::{quote_ident, render, Object};
use crate::actions::facts::{Impact, JobSettings, PolicyKind, Relation, RelationKind};
use crate::actions::parse::{Interval, ObjectName};
use crate::capabilities::Capabilities;
use crate::connect::describe_error;

mod apply;
mod refresh;

pub(crate) use apply::columns;
pub use apply::{apply_facts, hierarchical};
pub use refresh::normalize_intervals;

/// Why a command could not be resolved. A lock timeout is told apart from the rest so the
/// caller can add who holds the lock.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolveError {
    /// The catalog read waited longer than `lock_timeout` for another session's lock.
    LockTimeout(String),
    /// Anything else: a name that means nothing or many things, a bad value, a failed read.
    Refused(String),
    /// A value of the command that is not what the object takes (a bare number where an
    /// interval is meant).
    Parse(crate::actions::parse::ParseError),
    /// An interval of a policy file (at `place`) that is not one as the palette reads it.
    Interval {
        place: String,
        error: crate::actions::parse::ParseError,
    },
    /// An interval of a policy file the server refuses (its error).
    NotAnInterval {
        place: String,
        given: String,
        error: Box<ResolveError>,
    },
    /// An interval of a policy file that is negative, or zero where it must be positive.
    NotPositive {
        place: String,
        value: String,
        negative: bool,
        zero_ok: bool,
    },
    /// A refresh window of integers on a continuous aggregate with time.
    WindowNotTime { object: String, bound: i64 },
    /// A refresh window of times on a continuous aggregate with integer time.
    WindowNotInteger { object: String, bound: String },
}

impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::LockTimeout(text) | Self::Refused(text) => f.write_str(text),
            Self::Parse(e) => e.fmt(f),
            Self::Interval { place, error } => write!(f, "{place}: {error}"),
            Self::NotAnInterval {
                place,
                given,
                error,
            } => write!(f, "{place}: '{given}' is not an interval: {error}"),
            Self::NotPositive {
                place,
                value,
                negative,
                zero_ok,
            } => write!(
                f,
                "{place}: '{value}' is {}: give a {} interval (e.g. 6h, 7days, '1 day 2 hours')",
                if *negative { "negative" } else { "zero" },
                if *zero_ok { "non-negative" } else { "positive" }
            ),
            Self::WindowNotTime { object, bound } => {
                write!(
                    f,
                    "{object} has time, not integers: give times, not {bound}"
                )
            }
            Self::WindowNotInteger { object, bound } => write!(
                f,
                "{object} has integer time: give integer bounds, not '{bound}'"
            ),
        }
    }
}

impl std::error::Error for ResolveError {}

impl From<crate::actions::parse::ParseError> for ResolveError {
    fn from(e: crate::actions::parse::ParseError) -> Self {
        Self::Parse(e)
    }
}

impl From<String> for ResolveError {
    fn from(text: String) -> Self {
        Self::Refused(text)
    }
}

pub(crate) fn db(e: tokio_postgres::Error) -> ResolveError {
    let text = describe_error(&e);
    if crate::connect::sqlstate::known(&e)
        == Some(crate::connect::sqlstate::Known::LockNotAvailable)
    {
        ResolveError::LockTimeout(text)
    } else {
        ResolveError::Refused(text)
    }
}

/// The materialization hypertable of continuous aggregate `cagg` (its chunks are what compress
/// and decompress act on when the command names the aggregate).
pub(crate) async fn materialization(
    client: &Client,
    cagg: &Relation,
) -> Result<ObjectName, ResolveError> {
    let row = client
        .query_opt(sql!("cagg_materialization.sql"), &[&cagg.oid])
        .await
        .map_err(db)?
        .ok_or_else(|| format!("{} has no materialization hypertable", cagg.shown()))?;
    Ok(ObjectName {
        schema: Some(row.get("schema")),
        name: row.get("name"),
    })
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
pub(crate) fn reading(template: &str, caps: &Capabilities) -> String {
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
            (
                "jobs_table",
                match caps
                    .timescaledb
                    .as_ref()
                    .is_some_and(|t| t.bgw_job_in_catalog)
                {
                    true => "_timescaledb_catalog.bgw_job",
                    false => "_timescaledb_config.bgw_job",
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
pub(crate) async fn check_interval(
    client: &Client,
    i: &mut Interval,
    zero_allowed: bool,
) -> Result<(), ResolveError> {
    if i.integer().is_some() {
        return Err(crate::actions::parse::no_unit(&i.0).into());
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
pub(crate) async fn integer_now(
    client: &Client,
    r: &Relation,
) -> Result<Option<Option<i64>>, ResolveError> {
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
pub(crate) async fn check_threshold(
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
pub(crate) async fn impact(
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
        fixed_schedule: r.try_get("fixed_schedule").map_err(db)?,
        initial_start: r.try_get("initial_start").map_err(db)?,
        timezone: r.try_get("timezone").map_err(db)?,
        owner_role: r.try_get("owner_role").map_err(db)?,
    })
}

pub(crate) async fn job(
    client: &Client,
    caps: &Capabilities,
    id: i32,
) -> Result<Option<JobSettings>, ResolveError> {
    let sql = reading(sql!("job.sql"), caps);
    first_job(client, &sql, &[&id.to_string()]).await
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
pub(crate) async fn policy_job(
    client: &Client,
    caps: &Capabilities,
    r: &Relation,
    kind: PolicyKind,
) -> Result<Option<JobSettings>, ResolveError> {
    let sql = reading(sql!("policy.sql"), caps);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&r.schema, &r.name, &kind.proc_name()];
    let rows = client.query(&sql, &params).await.map_err(db)?;
    // a continuous aggregate's refresh policies side by side: which one a command means is not
    // for hypertop to guess (it would change or undo the wrong window)
    if rows.len() > 1 {
        let jobs: Vec<String> = rows
            .iter()
            .map(|row| row.try_get::<_, i32>("job_id").map(|id| id.to_string()))
            .collect::<Result<_, _>>()
            .map_err(db)?;
        return Err(ResolveError::Refused(format!(
            "{} has {} {} policies (jobs {}): hypertop changes one policy an object; change each \
             with alter_job, or remove one with delete_job",
            r.shown(),
            rows.len(),
            kind.noun(),
            jobs.join(", ")
        )));
    }
    rows.first().map(job_settings).transpose()
}

/// Objects as rows of `oid`, `schema`, `name`.
pub(crate) async fn targets(
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
pub(crate) type BoundParams = (Option<String>, Option<String>, Option<String>);

pub(crate) fn bound_params(
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
pub(crate) fn needs(
    caps: &Capabilities,
    has: bool,
    what: &str,
    instead: &str,
) -> Result<(), ResolveError> {
    if has {
        return Ok(());
    }
    let version = caps
        .timescaledb
        .as_ref()
        .map_or_else(|| "no TimescaleDB".to_string(), |t| t.version.clone());
    Err(format!("{what}; this database has {version}{instead}").into())
}
