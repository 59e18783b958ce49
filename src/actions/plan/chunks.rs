//! Plans that act on data chunk by chunk: refresh a cagg, compress and decompress, drop chunks.

use super::*;

/// The plan for one of refresh, compress, decompress, drop-chunks.
pub(super) fn plan(cmd: &Command, facts: &Facts) -> Result<Plan, String> {
    let base = Plan::new;
    let vars = facts.vars();
    let plan = match cmd {
        Command::Refresh { window, .. } => {
            let r = relation(facts, "continuous aggregate")?;
            expect_kind(r, &[RelationKind::Cagg], "continuous aggregate")?;
            let (from, to, source) = match window {
                Some((a, b)) => {
                    let v = |w: &WindowBound| match w {
                        WindowBound::Open => None,
                        WindowBound::Int(n) => Some(n.to_string()),
                        WindowBound::Time(t) => Some(t.clone()),
                    };
                    (v(a), v(b), "the given window")
                }
                None => match &facts.policy_window {
                    Some((a, b)) => (a.clone(), b.clone(), "its refresh policy's window"),
                    None => (None, None, "all time (no refresh policy)"),
                },
            };
            let file = if facts.integer_time {
                sql!("refresh_integer.sql")
            } else {
                sql!("refresh_time.sql")
            };
            let mut p = base(
                format!("refresh {}", r.shown()),
                format!(
                    "refresh {} over {source}: [{}, {})",
                    r.shown(),
                    from.as_deref().unwrap_or("-∞"),
                    to.as_deref().unwrap_or("+∞")
                ),
                vec![r.shown()],
                "the cagg's materialization (refreshes of it wait; reads continue); runs outside a transaction block",
            );
            p.steps = vec![Step::new(
                format!("refresh {}", r.shown()),
                file,
                &vars,
                vec![text(r.regclass()), from, to],
            )];
            p.irreversible =
                Some("a refresh only recomputes data; there is nothing to undo".into());
            p
        }
        Command::Compress { older_than, .. }
        | Command::Decompress {
            newer_than: older_than,
            ..
        } => {
            let compress = matches!(cmd, Command::Compress { .. });
            let r = relation(facts, "hypertable")?;
            expect_kind(r, &[RelationKind::Hypertable], "hypertable")?;
            if facts.items.is_empty() {
                return Err(format!(
                    "nothing to do: {} has no {} chunks{}",
                    r.shown(),
                    if compress {
                        "uncompressed"
                    } else {
                        "compressed"
                    },
                    older_than
                        .as_ref()
                        .map(|i| format!(
                            " {} than {}",
                            if compress { "older" } else { "newer" },
                            i.0
                        ))
                        .unwrap_or_default()
                ));
            }
            chunk_plan(
                compress,
                format!(
                    "{} {}{}",
                    if compress { "compress" } else { "decompress" },
                    r.shown(),
                    older_than
                        .as_ref()
                        .map(|i| format!(
                            " {} '{}'",
                            if compress { "older-than" } else { "newer-than" },
                            i.0
                        ))
                        .unwrap_or_default()
                ),
                &facts.items,
                &vars,
                base,
            )
        }
        Command::CompressChunk { .. } | Command::DecompressChunk { .. } => {
            let compress = matches!(cmd, Command::CompressChunk { .. });
            let r = relation(facts, "chunk")?;
            expect_kind(r, &[RelationKind::Chunk], "chunk")?;
            chunk_plan(
                compress,
                format!(
                    "{} chunk {}",
                    if compress { "compress" } else { "decompress" },
                    r.shown()
                ),
                &[r.target()],
                &vars,
                base,
            )
        }
        Command::DropChunks { older_than, .. } => {
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
                return Err(format!(
                    "nothing to do: none of the {} chunks of {} is entirely older than {}",
                    i.total_chunks,
                    r.shown(),
                    older_than.0
                ));
            }
            // On integer time drop_chunks takes an absolute bound: `now` less the threshold, as
            // its retention policy counts it, fixed when planned (what the preview counted).
            let (bound, shown) = match (facts.integer_time, older_than.integer()) {
                (false, _) => (older_than.0.clone(), older_than.0.clone()),
                (true, Some(n)) => {
                    let now = facts.integer_now.ok_or_else(|| {
                        format!(
                            "{} has integer time and its integer_now function cannot be called here: which chunks are older than {n} is unknown",
                            r.shown()
                        )
                    })?;
                    let bound = now.saturating_sub(n);
                    (
                        bound.to_string(),
                        format!("{n} (its now is {now}: ending at or before {bound})"),
                    )
                }
                (true, None) => {
                    return Err(format!("{} has integer time: give a number", r.shown()))
                }
            };
            let mut p = base(
                format!("drop-chunks {} older-than '{}'", r.shown(), older_than.0),
                format!(
                    "drop the chunks of {} entirely older than {shown}",
                    r.shown(),
                ),
                vec![r.shown()],
                LOCKS_DROP_CHUNKS,
            );
            p.steps = vec![Step::new(
                format!("drop chunks of {}", r.shown()),
                sql!("drop_chunks.sql"),
                &vars,
                vec![text(r.regclass()), text(bound)],
            )];
            p.irreversible = Some("dropped chunks and their data are gone".into());
            show_impact(&mut p, r, facts.impact.as_ref(), "this drops", true);
            p.confirm = r.confirm_by_name();
            p
        }
        other => return Err(format!("{} is not planned here", other.name())),
    };
    Ok(plan)
}

fn chunk_plan(
    compress: bool,
    command: String,
    chunks: &[Object],
    vars: &[(&str, &str)],
    base: impl Fn(String, String, Vec<String>, &str) -> Plan,
) -> Plan {
    let (verb, file, undo_file, locks) = if compress {
        (
            "compress",
            sql!("compress_chunk.sql"),
            sql!("decompress_chunk.sql"),
            LOCKS_COMPRESS,
        )
    } else {
        (
            "decompress",
            sql!("decompress_chunk.sql"),
            sql!("compress_chunk.sql"),
            LOCKS_DECOMPRESS,
        )
    };
    let undo_verb = if compress { "decompress" } else { "compress" };
    let mut p = base(
        command,
        format!(
            "{verb} {} chunk{}, one transaction each",
            chunks.len(),
            if chunks.len() == 1 { "" } else { "s" }
        ),
        chunks.iter().map(Object::shown).collect(),
        locks,
    );
    // A decompressed chunk is rewritten: analyzed, the planner sees its rows at once.
    let step = |verb: &str, file: &str, decompress: bool, c: &Object| Step {
        analyze: decompress.then(|| c.clone()),
        ..Step::new(format!("{verb} {}", c.shown()), file, vars, vec![c.param()])
    };
    p.steps = chunks
        .iter()
        .map(|c| step(verb, file, !compress, c))
        .collect();
    p.inverse = Some(
        chunks
            .iter()
            .map(|c| step(undo_verb, undo_file, compress, c))
            .collect(),
    );
    p.inverse_per_step = true;
    p.changes = chunks
        .iter()
        .map(|c| Change::ChunkCompression(c.oid))
        .collect();
    p
}
