//! What each command acts on, read before it is planned: one arm per action family.

use tokio_postgres::Client;

use super::apply::columns;
use super::refresh::refresh_facts;
use super::*;

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
        columnstore: crate::actions::plan::Columnstore(
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
                let mut work = crate::actions::plan::ChunkWork {
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
            let mut merge = crate::actions::plan::MergeFacts {
                concurrently: ts.is_some_and(|t| t.merge_chunks_concurrently),
                known_bugs: ts
                    .map(|t| crate::releases::known_bugs(&t.version))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|b| b.area == crate::releases::BugArea::Merging)
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
                merge.chunks.push(crate::actions::plan::MergeCandidate {
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
                &format!(
                    " ({} compresses such chunks again instead)",
                    Command::Compress {
                        hypertable: name.clone(),
                        older_than: None
                    }
                ),
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
