//! Reads what a command acts on: resolves names (an unqualified name must be unambiguous),
//! checks intervals with the server, and captures the settings a change would overwrite.

use tokio_postgres::{Client, Row};

use super::parse::{Command, Interval, ObjectName, WindowBound};
use super::plan::{Facts, Impact, JobSettings, Relation};
use super::{quote_ident, Target};
use crate::capabilities::Capabilities;
use crate::poller::describe_error;
use crate::queries;

macro_rules! sql {
    ($file:literal) => {
        include_str!(concat!("../../queries/actions/", $file))
    };
}

fn db(e: tokio_postgres::Error) -> String {
    describe_error(&e)
}

/// The relations `name` can mean, of the `kinds` the command accepts (all kinds when a name
/// matches none of them, so the plan can say what it is instead).
pub async fn relation(
    client: &Client,
    caps: &Capabilities,
    name: &ObjectName,
    kinds: &[&str],
) -> Result<Relation, String> {
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
            kind: r.get("kind"),
        })
        .collect();
    let wanted: Vec<&Relation> = all
        .iter()
        .filter(|r| kinds.contains(&r.kind.as_str()))
        .collect();
    let pick = if wanted.is_empty() {
        all.iter().collect()
    } else {
        wanted
    };
    match pick.as_slice() {
        [] => Err(match &name.schema {
            Some(_) => format!("no relation named {name}"),
            None => format!("no relation named {name} in any schema"),
        }),
        [one] => Ok((*one).clone()),
        many => Err(format!(
            "{name} is ambiguous: {} (qualify it with its schema)",
            many.iter()
                .map(|r| format!("{} ({})", r.shown(), r.kind))
                .collect::<Vec<_>>()
                .join(", ")
        )),
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
) -> Result<(), String> {
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
        ))
    }
}

/// What `mode` (`drop`, `drop_created`, `compress`, `compress_created`) under `threshold`
/// would touch on `r`.
async fn impact(
    client: &Client,
    r: &Relation,
    mode: &str,
    threshold: &Interval,
    ts: &str,
) -> Result<Impact, String> {
    let sql = super::render(sql!("impact.sql"), &[("ts", ts)]);
    let row = client
        .query_one(sql.as_str(), &[&r.regclass(), &mode, &threshold.0])
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

fn job_settings(r: &Row) -> Result<JobSettings, String> {
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
    })
}

async fn job(client: &Client, id: i32) -> Result<Option<JobSettings>, String> {
    let rows = client
        .query(sql!("job.sql"), &[&id.to_string()])
        .await
        .map_err(db)?;
    rows.first().map(job_settings).transpose()
}

async fn policy(
    client: &Client,
    r: &Relation,
    proc_name: &str,
) -> Result<Option<JobSettings>, String> {
    let sql = queries::action(sql!("policy.sql"));
    let rows = client
        .query(sql.as_str(), &[&r.schema, &r.name, &proc_name])
        .await
        .map_err(db)?;
    rows.first().map(job_settings).transpose()
}

/// Objects as rows of `oid`, `schema`, `name`.
async fn targets(
    client: &Client,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Target>, String> {
    let rows = client.query(sql, params).await.map_err(db)?;
    rows.iter()
        .map(|r| {
            Ok(Target {
                oid: r.try_get("oid").map_err(db)?,
                schema: r.try_get("schema").map_err(db)?,
                name: r.try_get("name").map_err(db)?,
            })
        })
        .collect()
}

/// Everything `plan` needs for `cmd`; its intervals become the server's reading of them.
pub async fn facts(
    client: &Client,
    caps: &Capabilities,
    cmd: &mut Command,
) -> Result<Facts, String> {
    let ts = caps.timescaledb.is_some();
    let needs_ts = !matches!(cmd, Command::Reindex { .. } | Command::DropIndex { .. });
    if needs_ts && !ts {
        return Err(format!(
            "TimescaleDB is not installed in database \"{}\": only reindex and drop-index work here",
            caps.database
        ));
    }
    let compression = matches!(
        cmd,
        Command::SetCompressAfter { .. } | Command::Compress { .. }
    );
    let (removal_kinds, removal_proc): (&[&str], _) = match cmd {
        Command::RemoveCompressionPolicy { .. } => (&["hypertable"], "policy_compression"),
        Command::RemoveRetentionPolicy { .. } => (&["hypertable", "cagg"], "policy_retention"),
        _ => (&["cagg"], "policy_refresh_continuous_aggregate"),
    };
    let mut f = Facts {
        ts: quote_ident(caps.timescaledb_schema().unwrap_or("public")),
        ..Facts::default()
    };
    match cmd {
        Command::Refresh { cagg, window } => {
            let r = relation(client, caps, cagg, &["cagg"]).await?;
            if r.kind == "cagg" {
                let row = client
                    .query_opt(
                        queries::action(sql!("cagg_window.sql")).as_str(),
                        &[&r.schema, &r.name],
                    )
                    .await
                    .map_err(db)?;
                if let Some(row) = row {
                    let t: String = row.get("time_type");
                    f.integer_time = matches!(t.as_str(), "smallint" | "integer" | "bigint");
                    if row.get::<_, bool>("has_policy") {
                        f.policy_window = Some((row.get("window_start"), row.get("window_end")));
                    }
                }
            }
            if let Some((a, b)) = window {
                for w in [a, b] {
                    if let WindowBound::Time(t) = w {
                        if f.integer_time {
                            return Err(format!(
                                "{} has integer time: give integer bounds, not '{t}'",
                                r.shown()
                            ));
                        }
                        client
                            .query_one("SELECT $1::text::timestamptz", &[t])
                            .await
                            .map_err(|e| format!("'{t}' is not a time: {}", db(e)))?;
                    }
                }
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
            if let Some(i) = limit {
                check_interval(client, i, false).await?;
            }
            let r = relation(client, caps, hypertable, &["hypertable"]).await?;
            if r.kind == "hypertable" {
                let mode = limit
                    .as_ref()
                    .map(|_| if compress { "older" } else { "newer" });
                let amount = limit.as_ref().map(|i| i.0.clone());
                let state = (!compress).to_string();
                f.items = targets(
                    client,
                    sql!("chunks_to_change.sql"),
                    &[&r.schema, &r.name, &state, &mode, &amount],
                )
                .await?;
            }
            f.relation = Some(r);
        }
        Command::CompressChunk { chunk } | Command::DecompressChunk { chunk } => {
            f.relation = Some(relation(client, caps, chunk, &["chunk"]).await?);
        }
        Command::Reindex { target } => {
            let r = relation(
                client,
                caps,
                target,
                &["index", "hypertable index", "table", "hypertable"],
            )
            .await?;
            match r.kind.as_str() {
                "hypertable" => {
                    f.items = targets(client, sql!("hypertable_chunks.sql"), &[&r.schema, &r.name])
                        .await?;
                }
                "hypertable index" => {
                    let rows = client
                        .query(queries::INDEX_CHUNKS.as_str(), &[&r.schema, &r.name])
                        .await
                        .map_err(db)?;
                    f.items = rows
                        .iter()
                        .map(|row| Target {
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
            check_interval(client, i, false).await?;
            let (kinds, proc_name): (&[&str], _) = if compression {
                (&["hypertable"], "policy_compression")
            } else {
                (&["hypertable", "cagg"], "policy_retention")
            };
            let r = relation(client, caps, name, kinds).await?;
            f.job = policy(client, &r, proc_name).await?;
            if kinds.contains(&r.kind.as_str()) {
                let by_creation = f.job.as_ref().is_some_and(JobSettings::by_creation_time);
                let mode = match (compression, by_creation) {
                    (true, false) => "compress",
                    (true, true) => "compress_created",
                    (false, false) => "drop",
                    (false, true) => "drop_created",
                };
                f.impact = Some(impact(client, &r, mode, i, &f.ts).await?);
            }
            f.relation = Some(r);
        }
        Command::DropChunks {
            relation: name,
            older_than,
        } => {
            check_interval(client, older_than, false).await?;
            let kinds = ["hypertable", "cagg"];
            let r = relation(client, caps, name, &kinds).await?;
            if kinds.contains(&r.kind.as_str()) {
                f.impact = Some(impact(client, &r, "drop", older_than, &f.ts).await?);
            }
            f.relation = Some(r);
        }
        Command::RemoveCompressionPolicy { hypertable: name }
        | Command::RemoveRetentionPolicy { relation: name }
        | Command::RemoveRefreshPolicy { cagg: name } => {
            let (kinds, proc_name) = (removal_kinds, removal_proc);
            let r = relation(client, caps, name, kinds).await?;
            f.job = policy(client, &r, proc_name).await?;
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
            let r = relation(client, caps, cagg, &["cagg"]).await?;
            f.job = policy(client, &r, "policy_refresh_continuous_aggregate").await?;
            f.relation = Some(r);
        }
        Command::DropIndex { index } => {
            let r = relation(client, caps, index, &["index", "hypertable index"]).await?;
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
        Command::History | Command::Rollback { .. } => {}
    }
    Ok(f)
}
