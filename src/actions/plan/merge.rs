//! Merge-chunks and compact: chunks of a hypertable rewritten in place — what they act on,
//! read from the catalog (I/O), and their plans (pure).

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// What merge-chunks and compact act on (I/O): the hypertable's chunks along its time, or its
/// compressed chunks out of order.
pub(super) async fn facts(db: Reading<'_, family::Merge>) -> Result<(), ResolveError> {
    match db.cmd {
        family::Merge::MergeChunks {
            hypertable: name,
            older_than,
        } => {
            let ts = db.caps.timescaledb.as_ref();
            read::needs(
                db.caps,
                ts.is_some_and(|t| t.merge_chunks),
                "merge-chunks needs TimescaleDB's merge_chunks (2.18 or later)",
                "",
            )?;
            let r = read::relation(db.client, db.caps, name, &[RelationKind::Hypertable]).await?;
            let integer = match older_than.as_mut() {
                Some(i) => read::check_threshold(db.client, i, &r).await?,
                None => None,
            };
            let (interval, amount, now) = read::bound_params(older_than.as_ref(), integer, &r)?;
            let sql = read::reading(sql!("merge_candidates.sql"), db.caps);
            let rows = db
                .client
                .query(
                    sql.as_str(),
                    &[&r.schema, &r.name, &interval, &amount, &now],
                )
                .await
                .map_err(read::db)?;
            let mut merge = MergeFacts {
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
                compressed_blocking: ts
                    .filter(|t| t.merge_chunks_concurrently)
                    .and_then(|t| {
                        let limit = crate::releases::Limit::ConcurrentMergeOfCompressed;
                        let known = crate::releases::has(&t.version, limit)?;
                        Some(format!(
                            "TimescaleDB {} fails to merge compressed chunks concurrently ({}, fixed in {}): compressed chunks are merged with the blocking merge_chunks",
                            t.version,
                            known.reference,
                            crate::releases::shown(known.fixed)
                        ))
                    }),
                ..Default::default()
            };
            for row in &rows {
                merge.dimensions = row.get("dimensions");
                merge.chunks.push(MergeCandidate {
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
            db.facts.merge = Some(merge);
            db.facts.relation = Some(r);
        }
        family::Merge::Compact {
            hypertable: name, ..
        } => {
            read::needs(
                db.caps,
                db.caps
                    .timescaledb
                    .as_ref()
                    .is_some_and(|t| t.compact_chunk),
                "compact needs TimescaleDB's compact_chunk (2.29 or later)",
                &format!(
                    " ({} compresses such chunks again instead)",
                    Command::Chunks(family::Chunks::Compress {
                        hypertable: name.clone(),
                        older_than: None
                    })
                ),
            )?;
            let r = read::relation(db.client, db.caps, name, &[RelationKind::Hypertable]).await?;
            db.facts.items = read::targets(
                db.client,
                sql!("compact_candidates.sql"),
                &[&r.schema, &r.name],
            )
            .await?;
            db.facts.relation = Some(r);
        }
    }
    Ok(())
}

/// The plan for merge-chunks or compact.
pub(super) fn plan(cmd: &family::Merge, facts: &Facts) -> Result<Plan, PlanError> {
    let plan = match cmd {
        family::Merge::MergeChunks { older_than, .. } => {
            let r = relation(facts, "hypertable")?;
            expect_kind(r, &[RelationKind::Hypertable], "hypertable")?;
            merge(cmd, r, facts, older_than.as_ref())?
        }
        family::Merge::Compact { max_batches, .. } => {
            let r = relation(facts, "hypertable")?;
            expect_kind(r, &[RelationKind::Hypertable], "hypertable")?;
            let max_batches = (max_batches.as_ref())
                .map(|v| {
                    super::batching::whole_number(
                        "max_batches",
                        v,
                        0,
                        "a whole number of batches, 0 (every one) or more",
                    )
                })
                .transpose()?
                .filter(|n| *n > 0);
            if facts.items.is_empty() {
                return Err(PlanError::NothingToDo(Nothing::NothingToCompact {
                    object: r.shown(),
                }));
            }
            let n = facts.items.len();
            let vars = facts.vars();
            let mut p = Plan::new(
                cmd.to_string(),
                format!(
                    "compact {n} chunk{} of {}: each one's compressed batches (written out of order, as direct compress writes them) rewritten in order",
                    if n == 1 { "" } else { "s" },
                    r.shown()
                ),
                facts.items.iter().map(Object::shown).collect(),
                LOCKS_COMPACT,
            );
            p.steps = facts
                .items
                .iter()
                .map(|c| match max_batches {
                    None => Step::new(
                        format!("compact {}", c.shown()),
                        Template::CompactChunk,
                        &vars,
                        vec![c.param()],
                    ),
                    Some(n) => Step::new(
                        format!("compact {} (about {n} batches)", c.shown()),
                        Template::CompactChunkBatches,
                        &vars,
                        vec![c.param(), Some(n.to_string())],
                    ),
                })
                .collect();
            if let Some(n) = max_batches {
                p.impact.push(format!(
                    "each chunk's compaction stops after about {n} batches (at a segment's end, never half way): a chunk with more stays out of order, and listed so, until compacted again"
                ));
            }
            p.irreversible =
                Some("compaction keeps the same rows, in order; there is nothing to undo".into());
            p
        }
    };
    Ok(plan)
}

/// Chunks merged into one at most: the merged chunk stays one a query can skip.
pub const MERGE_TARGET_BYTES: i64 = 256 << 20;
/// And at most this many chunks into one.
pub const MERGE_MOST_CHUNKS: usize = 32;

/// The groups merge-chunks makes (pure): runs of chunks next to each other in time, in the
/// bound and not being written, alike compressed or not, each up to [`MERGE_TARGET_BYTES`] and
/// [`MERGE_MOST_CHUNKS`]; a run of one is left alone. Indexes into `chunks` (oldest first).
pub fn merge_groups(chunks: &[MergeCandidate]) -> Vec<Vec<usize>> {
    let mut groups = Vec::new();
    let mut run: Vec<usize> = Vec::new();
    let mut bytes = 0i64;
    for (i, c) in chunks.iter().enumerate() {
        let eligible = c.selected && !c.live;
        let joins = run.last().is_some_and(|&last| {
            let prev = &chunks[last];
            prev.end == c.start
                && prev.compressed == c.compressed
                && bytes.saturating_add(c.bytes) <= MERGE_TARGET_BYTES
                && run.len() < MERGE_MOST_CHUNKS
        });
        if !(eligible && joins) {
            if run.len() > 1 {
                groups.push(std::mem::take(&mut run));
            }
            run.clear();
            bytes = 0;
        }
        if eligible && c.bytes < MERGE_TARGET_BYTES {
            run.push(i);
            bytes += c.bytes;
        }
    }
    if run.len() > 1 {
        groups.push(run);
    }
    groups
}

fn merge(
    cmd: &family::Merge,
    r: &Relation,
    facts: &Facts,
    older_than: Option<&Interval>,
) -> Result<Plan, PlanError> {
    let m = facts.merge.as_ref().ok_or_else(|| PlanError::NotRead {
        part: Unread::Chunks,
        object: r.shown(),
    })?;
    if m.dimensions > 1 {
        return Err(PlanError::Dimensions {
            object: r.shown(),
            dimensions: m.dimensions,
        });
    }
    let groups = merge_groups(&m.chunks);
    if groups.is_empty() {
        return Err(PlanError::NothingToDo(Nothing::NothingToMerge {
            object: r.shown(),
            older_than: older_than.map(|i| i.0.clone()),
            target_bytes: MERGE_TARGET_BYTES,
        }));
    }
    let vars = facts.vars();
    let merged: usize = groups.iter().map(Vec::len).sum();
    let bytes: i64 = groups.iter().flatten().map(|&i| m.chunks[i].bytes).sum();
    let mut p = Plan::new(
        cmd.to_string(),
        format!(
            "merge {merged} chunks of {} into {} ({} in all): {} chunks after, from {}",
            r.shown(),
            groups.len(),
            crate::format::bytes(bytes),
            m.chunks.len() - merged + groups.len(),
            m.chunks.len()
        ),
        groups
            .iter()
            .flatten()
            .map(|&i| m.chunks[i].object.shown())
            .collect(),
        LOCKS_MERGE_CONCURRENTLY,
    );
    // each group concurrently where the release can; compressed ones blocking where its
    // concurrent merge of them fails
    let blocking = |g: &[usize]| {
        !m.concurrently || m.compressed_blocking.is_some() && m.chunks[g[0]].compressed
    };
    let blocked = groups.iter().filter(|g| blocking(g)).count();
    p.locks = match blocked {
        0 => LOCKS_MERGE_CONCURRENTLY.to_string(),
        b if b == groups.len() => LOCKS_MERGE.to_string(),
        b => format!(
            "{b} group{} of compressed chunks: {LOCKS_MERGE}; the others: {LOCKS_MERGE_CONCURRENTLY}",
            if b == 1 { "" } else { "s" }
        ),
    };
    if let (Some(why), true) = (&m.compressed_blocking, blocked > 0) {
        p.warnings.push(format!(
            "{why}: reads and writes of their chunks wait while each group is merged"
        ));
    }
    let n = groups.len();
    p.steps = groups
        .iter()
        .enumerate()
        .map(|(k, g)| {
            let first = &m.chunks[g[0]].object;
            let last = &m.chunks[g[g.len() - 1]].object;
            let oids: Vec<String> = g
                .iter()
                .map(|&i| m.chunks[i].object.oid.to_string())
                .collect();
            Step::new(
                format!(
                    "merge {} chunks, {} … {} ({} of {n})",
                    g.len(),
                    first.shown(),
                    last.shown(),
                    k + 1
                ),
                match blocking(g) {
                    true => Template::MergeChunks,
                    false => Template::MergeChunksConcurrently,
                },
                &vars,
                vec![Some(format!("{{{}}}", oids.join(",")))],
            )
        })
        .collect();
    let live = m.chunks.iter().filter(|c| c.live).count();
    if live > 0 {
        p.impact.push(format!(
            "the chunk{} being written left as {}",
            if live == 1 { "" } else { "s" },
            if live == 1 { "it is" } else { "they are" }
        ));
    }
    for bug in &m.known_bugs {
        p.warnings.push(bug.clone());
    }
    p.irreversible = Some(
        "merged chunks stay merged: split_chunk (2.20+, uncompressed chunks) cuts a chunk at one point in time, not back into the chunks that were; the data is unchanged".into(),
    );
    p.confirm = r.confirm_by_name();
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::parse::parse;

    /// Six adjacent chunks: three compressed, three not.
    fn facts(concurrently: bool, compressed_blocking: Option<&str>) -> Facts {
        let chunks = (0..6)
            .map(|i| MergeCandidate {
                object: Object {
                    oid: 100 + i as u32,
                    schema: "_timescaledb_internal".into(),
                    name: format!("_hyper_1_{i}_chunk"),
                },
                start: i,
                end: i + 1,
                compressed: i < 3,
                selected: true,
                live: false,
                bytes: 1 << 20,
            })
            .collect();
        Facts {
            ts: "\"public\"".into(),
            relation: Some(Relation {
                oid: 16400,
                schema: "adv".into(),
                name: "tiny".into(),
                kind: RelationKind::Hypertable,
            }),
            merge: Some(MergeFacts {
                chunks,
                dimensions: 1,
                concurrently,
                known_bugs: Vec::new(),
                compressed_blocking: compressed_blocking.map(String::from),
            }),
            ..Facts::default()
        }
    }

    fn functions(p: &Plan) -> Vec<bool> {
        (p.steps.iter())
            .map(|s| s.sql.contains("merge_chunks_concurrently"))
            .collect()
    }

    #[test]
    fn compressed_chunks_merge_blocking_where_the_release_fails_them_concurrently() {
        let cmd = parse("merge-chunks adv.tiny").unwrap();
        // a release whose concurrent merge is right: every group concurrently
        let p = super::super::plan(&cmd, &facts(true, None)).unwrap();
        assert_eq!(functions(&p), [true, true]);
        assert_eq!(p.locks, LOCKS_MERGE_CONCURRENTLY);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        // 2.24.0-2.26.3: the compressed group blocking, named, its locks said; the other not
        let why = "TimescaleDB 2.25.2 fails to merge compressed chunks concurrently (TimescaleDB #9656, fixed in 2.26.4)";
        let p = super::super::plan(&cmd, &facts(true, Some(why))).unwrap();
        assert_eq!(functions(&p), [false, true]);
        assert!(
            p.locks
                .starts_with("1 group of compressed chunks: AccessExclusiveLock"),
            "{}",
            p.locks
        );
        assert!(
            p.warnings.iter().any(|w| w.contains("#9656")),
            "{:?}",
            p.warnings
        );
        // before 2.24: blocking, as ever
        let p = super::super::plan(&cmd, &facts(false, None)).unwrap();
        assert_eq!(functions(&p), [false, false]);
        assert_eq!(p.locks, LOCKS_MERGE);
    }
}
