//! A continuous aggregate's refresh: the window chosen so no bucket is left behind, its
//! batches, and what it will read.

use super::*;

/// The window a refresh covers, why, and a hole a given window leaves below it.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshWindow {
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub why: &'static str,
    /// [watermark, from): data below the new watermark the window does not materialize.
    pub hole: Option<(i64, i64)>,
}

/// The window a refresh of `f` covers. Without one given: its refresh policy's window — or,
/// when the aggregate is behind it, from its watermark (from the start of its data when it was
/// never refreshed) to where the policy's window ends, so nothing is left unmaterialized below
/// the new watermark (the policy's window alone left 21 hours of a lagging aggregate empty and
/// called it up to date). A given window starting above the watermark leaves a hole: said.
pub fn refresh_window(f: &RefreshFacts) -> RefreshWindow {
    let floor = f.watermark.or(f.data_start);
    if let Some((from, to)) = f.given {
        let hole = match (floor, from) {
            (Some(fl), Some(a)) if a > fl => Some((fl, a)),
            _ => None,
        };
        return RefreshWindow {
            from,
            to,
            why: "the window given",
            hole,
        };
    }
    let window = match (f.policy, f.now) {
        (Some((start, end)), Some(now)) => (start.map(|s| now - s), end.map(|e| now - e)),
        _ => {
            return RefreshWindow {
                from: None,
                to: None,
                why: match f.policy {
                    None => "all of its data (it has no refresh policy)",
                    Some(_) => "all of its data (its integer now cannot be read here, so its policy's window is unknown)",
                },
                hole: None,
            }
        }
    };
    match (window.0, floor) {
        (Some(start), Some(fl)) if fl < start => RefreshWindow {
            from: Some(fl),
            to: window.1,
            why: match f.watermark {
                Some(_) => "from its watermark, where it is behind its refresh policy's window, to where that window ends",
                None => "from the start of its data (it was never refreshed) to where its refresh policy's window ends",
            },
            hole: None,
        },
        _ => RefreshWindow {
            from: window.0,
            to: window.1,
            why: "its refresh policy's window (it is not behind it)",
            hole: None,
        },
    }
}

/// Chunks of the source per batch of a large refresh: each batch is one statement, with
/// progress between them and a cancel that stops at the next.
pub(super) const CHUNKS_PER_BATCH: i64 = 10;

/// The window in batches of [`CHUNKS_PER_BATCH`] chunk intervals. Each after the first starts a
/// bucket early: TimescaleDB refreshes only the buckets a window holds whole, and the bucket
/// that straddles a boundary is then whole in the later batch.
pub fn refresh_batches(w: &RefreshWindow, f: &RefreshFacts) -> Vec<(Option<i64>, Option<i64>)> {
    let whole = vec![(w.from, w.to)];
    let (Some(interval), Some(start), Some(end)) = (
        f.chunk_interval.filter(|i| *i > 0),
        w.from.or(f.data_start),
        w.to.or(f.now),
    ) else {
        return whole;
    };
    let size = interval.saturating_mul(CHUNKS_PER_BATCH);
    // a month's worth where the bucket has no fixed width (monthly buckets)
    let overlap = f.bucket.unwrap_or(if f.integer_time {
        0
    } else {
        31 * 86_400_000_000
    });
    if end.saturating_sub(start) <= size || overlap >= size {
        return whole;
    }
    let mut out = Vec::new();
    let (mut from, mut cursor) = (w.from, start);
    while cursor < end {
        let next = cursor.saturating_add(size);
        if next >= end {
            out.push((from, w.to));
            break;
        }
        out.push((from, Some(next)));
        from = Some(next - overlap);
        cursor = next;
    }
    out
}

/// A bound for the statement (a time as text, or the integer) and for people.
pub(super) fn bound(integer: bool, v: Option<i64>) -> (Option<String>, String) {
    match v {
        None => (None, "open".into()),
        Some(n) if integer => (Some(n.to_string()), n.to_string()),
        Some(us) => {
            let t = chrono::DateTime::from_timestamp_micros(us);
            (
                t.map(|t| t.to_rfc3339()),
                t.map_or_else(|| us.to_string(), |t| crate::format::timestamp(t, true)),
            )
        }
    }
}

pub(super) fn refresh(cmd: &Command, r: &Relation, facts: &Facts) -> Result<Plan, PlanError> {
    let f = facts.refresh.as_ref().ok_or_else(|| PlanError::NotRead {
        part: Unread::ContinuousAggregate,
        object: r.shown(),
    })?;
    let w = refresh_window(f);
    let shown = |v| bound(f.integer_time, v).1;
    let batches = refresh_batches(&w, f);
    let file = if f.integer_time {
        sql!("refresh_integer.sql")
    } else {
        sql!("refresh_time.sql")
    };
    let mut p = Plan::new(
        cmd.to_string(),
        format!(
            "refresh {} over [{}, {}): {}",
            r.shown(),
            shown(w.from),
            shown(w.to),
            w.why
        ),
        vec![r.shown()],
        "the aggregate's materialization (refreshes of it wait; reads continue); each batch outside a transaction block",
    );
    let vars = facts.vars();
    let n = batches.len();
    p.steps = batches
        .iter()
        .enumerate()
        .map(|(i, (a, b))| {
            let label = match n {
                1 => format!("refresh {}", r.shown()),
                _ => format!(
                    "refresh {} [{}, {}) ({} of {n})",
                    r.shown(),
                    shown(*a),
                    shown(*b),
                    i + 1
                ),
            };
            Step::new(
                label,
                file,
                &vars,
                vec![
                    text(r.regclass()),
                    bound(f.integer_time, *a).0,
                    bound(f.integer_time, *b).0,
                ],
            )
        })
        .collect();
    p.impact.push(format!(
        "reads {} chunk{} of {} ({} rows, {}){}",
        f.chunks,
        if f.chunks == 1 { "" } else { "s" },
        f.source,
        f.rows,
        crate::format::bytes(f.bytes),
        match n {
            1 => String::new(),
            n => format!(
                ", in {n} batches of up to {CHUNKS_PER_BATCH} chunks: progress after each, Esc stops before the next"
            ),
        }
    ));
    p.impact.push(refresh_estimate(f, &w));
    if let Some((a, b)) = w.hole.filter(|_| f.gap_chunks > 0) {
        p.warnings.push(format!(
            "this leaves [{}, {}) unmaterialized below the new watermark: {} chunk{} of {} hold data there that queries of the aggregate then no longer see; refresh from its watermark instead: refresh {} '{}' '{}'",
            shown(Some(a)),
            shown(Some(b)),
            f.gap_chunks,
            if f.gap_chunks == 1 { "" } else { "s" },
            f.source,
            crate::format::qualified_escaped(&r.schema, &r.name),
            bound(f.integer_time, Some(a)).0.unwrap_or_default(),
            bound(f.integer_time, w.to).0.unwrap_or_else(|| "NULL".into()),
        ));
        p.confirm = r.confirm_by_name();
        p.needs_force = true;
    }
    p.irreversible = Some(
        "a refresh only recomputes the aggregate from its source; there is nothing to undo".into(),
    );
    Ok(p)
}

/// How long the refresh may take, from its refresh policy's runs: their mean length over the
/// policy's window, scaled to this one; or that there is no basis for a guess.
pub(super) fn refresh_estimate(f: &RefreshFacts, w: &RefreshWindow) -> String {
    let policy_window = f.policy.and_then(|(s, e)| Some(s? - e.unwrap_or(0)));
    let ours = match (w.from.or(f.data_start), w.to.or(f.now)) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    match (f.policy_runs, policy_window, ours) {
        (Some((runs, mean)), Some(pw), Some(ours)) if runs > 0 && pw > 0 => format!(
            "about {} (its refresh policy's {runs} run{} took {} on average for a window of {})",
            crate::format::seconds(mean * ours as f64 / pw as f64),
            if runs == 1 { "" } else { "s" },
            crate::format::seconds(mean),
            match f.integer_time {
                true => pw.to_string(),
                false => crate::format::seconds(pw as f64 / 1e6),
            }
        ),
        (Some((0, _)) | None, ..) if f.policy.is_some() => {
            "no basis for an estimate of its length: its refresh policy has not run here".into()
        }
        _ => "no basis for an estimate of its length: no refresh policy has run for it".into(),
    }
}
