//! Compress and decompress (a hypertable's chunks, or one), drop chunks: what they act on,
//! read from the catalog (I/O), and their plans (pure).

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// What compress, decompress (a hypertable's chunks or one) and drop-chunks act on (I/O): the
/// chunks chosen and what they weigh; the intervals as the server reads them.
pub(super) async fn facts(db: Reading<'_, family::Chunks>) -> Result<(), ResolveError> {
    let compress = matches!(db.cmd, family::Chunks::Compress { .. });
    match db.cmd {
        family::Chunks::Compress {
            hypertable,
            older_than: limit,
        }
        | family::Chunks::Decompress {
            hypertable,
            newer_than: limit,
        } => {
            let kinds = [RelationKind::Hypertable, RelationKind::Cagg];
            let mut r = read::relation(db.client, db.caps, hypertable, &kinds).await?;
            // a continuous aggregate's chunks are its materialization's
            let mut cagg = None;
            if r.kind == RelationKind::Cagg {
                let materialization = read::materialization(db.client, &r).await?;
                let hypertable = [RelationKind::Hypertable];
                let m = read::relation(db.client, db.caps, &materialization, &hypertable).await?;
                cagg = Some(std::mem::replace(&mut r, m));
            }
            // A bare compress: what its compression policy would compress (its threshold),
            // never the chunk being written; said in the preview.
            let mut default = None;
            // the bound the chunks are chosen by: the one given, else the policy's (the command
            // stays bare: its default is chosen again whenever it is planned)
            let mut bound = limit.clone();
            if compress && limit.is_none() && r.kind == RelationKind::Hypertable {
                // a cagg's policy is known by the cagg's name
                let of = cagg.as_ref().unwrap_or(&r);
                let after = read::policy_job(db.client, db.caps, of, PolicyKind::Compression)
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
                Some(i) => read::check_threshold(db.client, i, &r).await?,
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
                let (interval, amount, now) = read::bound_params(bound.as_ref(), integer, &r)?;
                let state = (!compress).to_string();
                let sql = read::reading(sql!("chunks_to_change.sql"), db.caps);
                let rows = db
                    .client
                    .query(
                        sql.as_str(),
                        &[&r.schema, &r.name, &state, &mode, &interval, &amount, &now],
                    )
                    .await
                    .map_err(read::db)?;
                let mut work = ChunkWork {
                    default,
                    cagg,
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
                        db.facts.items.push(o);
                    } else {
                        work.spared += 1;
                        work.spared_live |= live;
                    }
                }
                let ratio = db
                    .client
                    .query_one(
                        read::reading(sql!("compression_ratio.sql"), db.caps).as_str(),
                        &[&r.schema, &r.name],
                    )
                    .await
                    .map_err(read::db)?;
                work.ratio = ratio.get("ratio");
                db.facts.chunk_work = Some(work);
            }
            db.facts.relation = Some(r);
        }
        family::Chunks::CompressChunk { chunk } | family::Chunks::DecompressChunk { chunk } => {
            let r = read::relation(db.client, db.caps, chunk, &[RelationKind::Chunk]).await?;
            if matches!(db.cmd, family::Chunks::CompressChunk { .. }) {
                let sql = read::reading(sql!("chunk_live.sql"), db.caps);
                db.facts.chunk_live = (db.client)
                    .query_opt(sql.as_str(), &[&r.schema, &r.name])
                    .await
                    .map_err(read::db)?
                    .is_some_and(|row| row.get::<_, bool>("live"));
            }
            db.facts.relation = Some(r);
        }
        family::Chunks::DropChunks {
            relation: name,
            older_than,
        } => {
            let kinds = [RelationKind::Hypertable, RelationKind::Cagg];
            let r = read::relation(db.client, db.caps, name, &kinds).await?;
            let integer = read::check_threshold(db.client, older_than, &r).await?;
            db.facts.integer_time = integer.is_some();
            db.facts.integer_now = integer.flatten();
            if kinds.contains(&r.kind) {
                db.facts.impact =
                    Some(read::impact(db.client, &r, "drop", older_than, integer, db.caps).await?);
            }
            db.facts.relation = Some(r);
        }
    }
    Ok(())
}

/// The plan for one of compress, decompress, drop-chunks.
pub(super) fn plan(cmd: &family::Chunks, facts: &Facts) -> Result<Plan, PlanError> {
    let vars = facts.vars();
    let plan = match cmd {
        family::Chunks::Compress { older_than, .. }
        | family::Chunks::Decompress {
            newer_than: older_than,
            ..
        } => {
            let compress = matches!(cmd, family::Chunks::Compress { .. });
            let r = relation(facts, "hypertable")?;
            expect_kind(r, &[RelationKind::Hypertable], "hypertable")?;
            // named as the command named it: a continuous aggregate by its own name
            let named = (facts.chunk_work.as_ref())
                .and_then(|w| w.cagg.as_ref())
                .unwrap_or(r);
            if facts.items.is_empty() {
                return Err(PlanError::NothingToDo(Nothing::NoChunks {
                    object: named.shown(),
                    compress,
                    limit: older_than.as_ref().map(|i| i.0.clone()),
                }));
            }
            let mut p = chunk_plan(
                compress,
                cmd.naming(named.object_name()).to_string(),
                &facts.items,
                &vars,
                facts.columnstore,
                Plan::new,
            );
            if let Some(w) = &facts.chunk_work {
                chunk_work(&mut p, compress, w);
                p.work = Some(crate::actions::Work {
                    verb: if compress { "compress" } else { "decompress" }.into(),
                    relation: r.oid,
                    bytes: w.bytes,
                });
            }
            p
        }
        family::Chunks::CompressChunk { .. } | family::Chunks::DecompressChunk { .. } => {
            let compress = matches!(cmd, family::Chunks::CompressChunk { .. });
            let r = relation(facts, "chunk")?;
            expect_kind(r, &[RelationKind::Chunk], "chunk")?;
            let mut p = chunk_plan(
                compress,
                cmd.naming(r.object_name()).to_string(),
                &[r.target()],
                &vars,
                facts.columnstore,
                Plan::new,
            );
            if compress && facts.chunk_live {
                p.warnings
                    .push(live_warning("this is the chunk", &r.shown()));
            }
            p
        }
        family::Chunks::DropChunks { older_than, .. } => {
            let r = relation(facts, "hypertable")?;
            expect_kind(
                r,
                &[RelationKind::Hypertable, RelationKind::Cagg],
                "hypertable or continuous aggregate",
            )?;
            if let Some(i) = facts
                .impact
                .as_ref()
                .filter(|i| i.chunks == 0 && !i.integer_time)
            {
                return Err(PlanError::NothingToDo(Nothing::NoneOlder {
                    object: r.shown(),
                    total_chunks: i.total_chunks,
                    older_than: older_than.0.clone(),
                }));
            }
            // On integer time drop_chunks takes an absolute bound: `now` less the threshold, as
            // its retention policy counts it, fixed when planned (what the preview counted).
            let (bound, shown) = match (facts.integer_time, older_than.integer()) {
                (false, _) => (older_than.0.clone(), older_than.0.clone()),
                (true, Some(n)) => {
                    let now = facts
                        .integer_now
                        .ok_or_else(|| PlanError::IntegerNowUnknown {
                            object: r.shown(),
                            older_than: n,
                        })?;
                    let bound = now.saturating_sub(n);
                    (
                        bound.to_string(),
                        format!("{n} (its now is {now}: ending at or before {bound})"),
                    )
                }
                (true, None) => return Err(PlanError::IntegerTime { object: r.shown() }),
            };
            let mut p = Plan::new(
                cmd.naming(r.object_name()).to_string(),
                format!(
                    "drop the chunks of {} entirely older than {shown}",
                    r.shown(),
                ),
                vec![r.shown()],
                LOCKS_DROP_CHUNKS,
            );
            p.steps = vec![Step::new(
                format!("drop chunks of {}", r.shown()),
                Template::DropChunks,
                &vars,
                vec![text(r.regclass()), text(bound)],
            )];
            p.irreversible = Some("dropped chunks and their data are gone".into());
            show_impact(&mut p, r, facts.impact.as_ref(), "this drops", true);
            if let Some(i) = facts
                .impact
                .as_ref()
                .filter(|i| i.chunks > 0 && !i.integer_time)
            {
                p.lost.push(format!(
                    "{} chunk{} of {} ({}) and their data",
                    i.chunks,
                    if i.chunks == 1 { "" } else { "s" },
                    r.shown(),
                    crate::format::bytes(i.bytes)
                ));
            }
            p.confirm = r.confirm_by_name();
            p
        }
    };
    Ok(plan)
}

/// The consequence of compressing chunks being written (`which`: how the sentence names them).
fn live_warning(which: &str, chunks: &str) -> String {
    format!(
        "{which} being written now ({chunks}): compressed, every insert into it goes through the compressed-DML path and its limits until it is decompressed"
    )
}

/// What compressing or decompressing the chosen chunks weighs and costs, what the default left
/// out, and the chunk being written when a bound given takes it.
fn chunk_work(p: &mut Plan, compress: bool, w: &ChunkWork) {
    use crate::format::bytes;
    if let Some(cagg) = w.cagg.as_ref().map(Relation::shown) {
        p.impact.push(format!(
            "the continuous aggregate {cagg}'s chunks: those of its materialization, which queries of {cagg} read"
        ));
    }
    if let Some(why) = &w.default {
        p.summary.push_str(&format!(": {why}"));
        if w.spared > 0 {
            p.impact.push(format!(
                "{} newer chunk{} left as {}{}",
                w.spared,
                if w.spared == 1 { "" } else { "s" },
                if compress { "they are" } else { "it is" },
                if w.spared_live {
                    ", the one being written among them (compressing it would send every insert through decompression)"
                } else {
                    ""
                }
            ));
        }
    }
    if !w.live.is_empty() {
        let which = match w.live.len() {
            1 => "this includes the chunk",
            _ => "this includes the chunks",
        };
        p.warnings.push(format!(
            "{}; give an older bound to spare it",
            live_warning(which, &w.live.join(", "))
        ));
    }
    let (now, then) = match (compress, w.ratio) {
        (true, Some(r)) if r > 0.0 => (
            w.bytes,
            format!(
                "about {} compressed, at the {} this table compressed to so far",
                bytes((w.bytes as f64 / r) as i64),
                crate::format::ratio(r)
            ),
        ),
        (true, _) => (
            w.bytes,
            "no basis for a size after compression: none of its chunks is compressed yet".into(),
        ),
        (false, _) => (w.bytes, format!("{} decompressed", bytes(w.bytes_before))),
    };
    p.impact.push(format!("{} now; {then}", bytes(now)));
    p.impact.push(match w.rate {
        Some((rate, runs)) if rate > 0.0 => format!(
            "about {} at the pace of {runs} earlier {} of this table",
            crate::format::seconds(w.bytes as f64 / rate),
            if compress {
                "compressions"
            } else {
                "decompressions"
            }
        ),
        _ => format!(
            "no basis for an estimate of its length: hypertop has not {} this table before",
            if compress {
                "compressed"
            } else {
                "decompressed"
            }
        ),
    });
}

fn chunk_plan(
    compress: bool,
    command: String,
    chunks: &[Object],
    vars: &[(&str, &str)],
    cs: super::Columnstore,
    base: impl Fn(String, String, Vec<String>, &str) -> Plan,
) -> Plan {
    let (file, undo_file, locks) = if compress {
        (cs.compress_chunk(), cs.decompress_chunk(), LOCKS_COMPRESS)
    } else {
        (cs.decompress_chunk(), cs.compress_chunk(), LOCKS_DECOMPRESS)
    };
    let mut p = base(
        command,
        format!(
            "{}, one transaction each",
            cs.converting(
                compress,
                &format!(
                    "{} chunk{}",
                    chunks.len(),
                    if chunks.len() == 1 { "" } else { "s" }
                )
            )
        ),
        chunks.iter().map(Object::shown).collect(),
        locks,
    );
    // A decompressed chunk is rewritten: analyzed, the planner sees its rows at once.
    let step = |to_columnstore: bool, file: Template, c: &Object| Step {
        analyze: (!to_columnstore).then(|| c.clone()),
        ..Step::new(
            cs.converting(to_columnstore, &c.shown()),
            file,
            vars,
            vec![c.param()],
        )
    };
    p.steps = chunks.iter().map(|c| step(compress, file, c)).collect();
    p.inverse = Some(
        chunks
            .iter()
            .map(|c| step(!compress, undo_file, c))
            .collect(),
    );
    p.inverse_per_step = true;
    p.restores = Some(format!(
        "the {} chunk{} as {} (by {} again)",
        chunks.len(),
        if chunks.len() == 1 { "" } else { "s" },
        if chunks.len() == 1 {
            "it was"
        } else {
            "they were"
        },
        match (cs.0, compress) {
            (true, true) => "converting them to the rowstore",
            (true, false) => "converting them to the columnstore",
            (false, true) => "decompressing them",
            (false, false) => "compressing them",
        }
    ));
    p.undo_locks = Some(
        if compress {
            LOCKS_DECOMPRESS
        } else {
            LOCKS_COMPRESS
        }
        .into(),
    );
    p.changes = chunks
        .iter()
        .map(|c| Change::ChunkCompression(c.oid))
        .collect();
    p
}

#[cfg(test)]
mod tests {
    use super::super::merge::{merge_groups, MERGE_TARGET_BYTES};
    use super::super::refresh::refresh_estimate;
    use super::*;

    const HOUR: i64 = 3_600_000_000;

    /// The demo's hourly aggregate: a policy of [now-3h, now-1h), materialized up to a day ago.
    fn lagging() -> RefreshFacts {
        RefreshFacts {
            now: Some(1000 * HOUR),
            watermark: Some(976 * HOUR),
            policy: Some((Some(3 * HOUR), Some(HOUR))),
            policy_runs: Some((4, 2.0)),
            bucket: Some(HOUR),
            chunk_interval: Some(HOUR),
            data_start: Some(928 * HOUR),
            source: "plant.telemetry_1m".into(),
            ..RefreshFacts::default()
        }
    }

    #[test]
    fn a_lagging_aggregate_is_refreshed_from_its_watermark_not_only_over_the_policys_window() {
        let w = refresh_window(&lagging());
        assert_eq!((w.from, w.to), (Some(976 * HOUR), Some(999 * HOUR)));
        assert!(w.why.starts_with("from its watermark"), "{}", w.why);
        assert_eq!(w.hole, None);
        // not behind: the policy's window
        let caught_up = RefreshFacts {
            watermark: Some(998 * HOUR),
            ..lagging()
        };
        let w = refresh_window(&caught_up);
        assert_eq!((w.from, w.to), (Some(997 * HOUR), Some(999 * HOUR)));
        // never refreshed: from the start of its data
        let never = RefreshFacts {
            watermark: None,
            ..lagging()
        };
        assert_eq!(refresh_window(&never).from, Some(928 * HOUR));
        // a window given above the watermark leaves a hole
        let given = RefreshFacts {
            given: Some((Some(997 * HOUR), None)),
            ..lagging()
        };
        assert_eq!(refresh_window(&given).hole, Some((976 * HOUR, 997 * HOUR)));
    }

    #[test]
    fn a_large_window_is_refreshed_in_batches_that_leave_no_bucket_out() {
        let f = RefreshFacts {
            watermark: Some(900 * HOUR),
            ..lagging()
        };
        let w = refresh_window(&f);
        let b = refresh_batches(&w, &f);
        assert_eq!(b.first().map(|x| x.0), Some(w.from));
        assert_eq!(b.last().map(|x| x.1), Some(w.to));
        // each batch after the first starts one bucket before the last one ended
        for pair in b.windows(2) {
            assert_eq!(pair[1].0, pair[0].1.map(|e| e - HOUR), "{b:?}");
        }
        assert_eq!(b.len(), 10, "{b:?}");
        // a small one is one statement
        assert_eq!(
            refresh_batches(&refresh_window(&lagging()), &lagging()).len(),
            3
        );
        let small = RefreshFacts {
            chunk_interval: Some(24 * HOUR),
            ..lagging()
        };
        assert_eq!(refresh_batches(&refresh_window(&small), &small).len(), 1);
    }

    fn candidate(start: i64, end: i64, bytes: i64) -> MergeCandidate {
        MergeCandidate {
            object: Object {
                oid: start as u32,
                schema: "s".into(),
                name: format!("c{start}"),
            },
            start,
            end,
            compressed: false,
            selected: true,
            live: false,
            bytes,
        }
    }

    #[test]
    fn merge_groups_are_runs_of_adjacent_chunks_alike_and_small_enough() {
        let mb = 1 << 20;
        let mut c: Vec<MergeCandidate> = (0..10).map(|i| candidate(i, i + 1, mb)).collect();
        // a gap after 3, a compressed one at 5, the newest being written, one too big at 8
        for x in &mut c[4..] {
            x.start += 1;
            x.end += 1;
        }
        c[5].compressed = true;
        c[8].bytes = MERGE_TARGET_BYTES;
        c[9].live = true;
        assert_eq!(merge_groups(&c), vec![vec![0, 1, 2, 3], vec![6, 7]]);
        // outside the bound: left alone
        c[1].selected = false;
        assert_eq!(merge_groups(&c), vec![vec![2, 3], vec![6, 7]]);
        // a long run is cut at the most chunks one merge takes
        let many: Vec<MergeCandidate> = (0..70).map(|i| candidate(i, i + 1, 1)).collect();
        let g = merge_groups(&many);
        assert_eq!(g.iter().map(Vec::len).collect::<Vec<_>>(), vec![32, 32, 6]);
        // and at the bytes one merged chunk should hold
        let big: Vec<MergeCandidate> = (0..6).map(|i| candidate(i, i + 1, 100 * mb)).collect();
        assert_eq!(merge_groups(&big), vec![vec![0, 1], vec![2, 3], vec![4, 5]]);
    }

    #[test]
    fn the_estimate_comes_from_the_policys_runs_or_says_there_is_none() {
        let f = lagging();
        let w = refresh_window(&f);
        // 2 s for a 2-hour window, 23 hours here: 23 s
        assert!(
            refresh_estimate(&f, &w).starts_with("about 23s"),
            "{}",
            refresh_estimate(&f, &w)
        );
        let unrun = RefreshFacts {
            policy_runs: Some((0, 0.0)),
            ..lagging()
        };
        assert!(refresh_estimate(&unrun, &w).contains("has not run"));
    }
}
