//! A continuous aggregate's refresh: where it stands and what it reads, from the catalog (I/O);
//! the window chosen so no bucket is left behind, its batches, and its plan (pure).

use super::Reading;
use crate::actions::Template;
use crate::command::spec::family;
use tokio_postgres::Client;

use super::batching::Batching;
use super::*;
use crate::actions::parse::WindowBound;
use crate::actions::resolve::{self as read, ResolveError};
use crate::capabilities::Capabilities;

/// What a refresh acts on (I/O): the aggregate, and where it stands.
pub(super) async fn facts(db: Reading<'_, family::Refresh>) -> Result<(), ResolveError> {
    let family::Refresh::Refresh {
        cagg,
        window,
        buckets_per_batch,
        max_batches_per_execution,
        refresh_newest_first,
    } = db.cmd;
    let asked = [
        buckets_per_batch,
        max_batches_per_execution,
        refresh_newest_first,
    ];
    if asked.iter().any(|o| o.is_some()) {
        // the options argument is older than the batches read from it (a known limit)
        let takes = (db.caps.timescaledb.as_ref()).is_some_and(|t| {
            t.refresh_options
                && crate::releases::has_even_before(
                    &t.version,
                    crate::releases::Limit::RefreshOptionsWithoutBatches,
                )
                .is_none()
        });
        read::needs(
            db.caps,
            takes,
            "a refresh in TimescaleDB's own batches needs refresh_continuous_aggregate to read them from its options (TimescaleDB 2.28 or later, #9903)",
            "; without them, hypertop refreshes a large window in batches of its own",
        )?;
    }
    let r = read::relation(db.client, db.caps, cagg, &[RelationKind::Cagg]).await?;
    if r.kind == RelationKind::Cagg {
        let facts = refresh_facts(db.client, db.caps, &r, window.as_ref()).await?;
        db.facts.integer_time = facts.integer_time;
        db.facts.refresh = Some(facts);
    }
    db.facts.relation = Some(r);
    Ok(())
}

/// The plan for a refresh.
pub(super) fn plan(cmd: &family::Refresh, facts: &Facts) -> Result<Plan, PlanError> {
    let r = relation(facts, "continuous aggregate")?;
    expect_kind(r, &[RelationKind::Cagg], "continuous aggregate")?;
    refresh(cmd, r, facts)
}

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

/// A window's end as the palette takes it: NULL, the integer, or the time.
fn typed_bound(integer: bool, v: Option<i64>) -> WindowBound {
    match (v, bound(integer, v).0) {
        (None, _) => WindowBound::Open,
        (Some(n), _) if integer => WindowBound::Int(n),
        (Some(_), Some(t)) => WindowBound::Time(t),
        (Some(n), None) => WindowBound::Int(n),
    }
}

fn refresh(cmd: &family::Refresh, r: &Relation, facts: &Facts) -> Result<Plan, PlanError> {
    let f = facts.refresh.as_ref().ok_or_else(|| PlanError::NotRead {
        part: Unread::ContinuousAggregate,
        object: r.shown(),
    })?;
    let w = refresh_window(f);
    let shown = |v| bound(f.integer_time, v).1;
    let family::Refresh::Refresh {
        buckets_per_batch,
        max_batches_per_execution,
        refresh_newest_first,
        ..
    } = cmd;
    let batching = Batching::read(
        buckets_per_batch,
        max_batches_per_execution,
        refresh_newest_first,
    )?;
    // asked for, TimescaleDB's own batches (2.28+) over the whole window; else hypertop's
    let incremental = !batching.given().is_empty();
    let batches = match incremental {
        true => vec![(w.from, w.to)],
        false => refresh_batches(&w, f),
    };
    let file = match (f.integer_time, incremental) {
        (true, false) => Template::RefreshInteger,
        (false, false) => Template::RefreshTime,
        (true, true) => Template::RefreshIntegerBatched,
        (false, true) => Template::RefreshTimeBatched,
    };
    let options = incremental.then(|| batching.options().to_string());
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
                ]
                .into_iter()
                .chain(options.clone().map(Some))
                .collect(),
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
    if incremental {
        p.impact.push(format!(
            "in TimescaleDB's own batches (its incremental refresh{}): each commits when done, so a cancel (Esc) stops inside one and keeps those done",
            batching.said()
        ));
    }
    if let Some(n) = batching.max_batches_per_execution.filter(|n| *n > 0) {
        p.warnings.push(format!(
            "it stops after {n} batch{}: what of the window they do not reach stays as it is until a refresh over it (its changes wait in the invalidation log)",
            if n == 1 { "" } else { "es" }
        ));
    }
    p.impact.push(refresh_estimate(f, &w));
    if let Some((a, b)) = w.hole.filter(|_| f.gap_chunks > 0) {
        // the same refresh, from the watermark
        let mut instead = cmd.clone();
        let family::Refresh::Refresh { cagg, window, .. } = &mut instead;
        *cagg = r.object_name();
        *window = Some((
            typed_bound(f.integer_time, Some(a)),
            typed_bound(f.integer_time, w.to),
        ));
        p.warnings.push(format!(
            "this leaves [{}, {}) unmaterialized below the new watermark: {} chunk{} of {} hold data there that queries of the aggregate then no longer see; refresh from its watermark instead: {instead}",
            shown(Some(a)),
            shown(Some(b)),
            f.gap_chunks,
            if f.gap_chunks == 1 { "" } else { "s" },
            f.source,
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

/// A bound as the command gave it.
fn window_text(w: &WindowBound) -> String {
    match w {
        WindowBound::Open => "open".into(),
        WindowBound::Int(n) => n.to_string(),
        WindowBound::Time(t) => format!("'{t}'"),
    }
}

/// A continuous aggregate about to be refreshed ([`RefreshFacts`]): where it
/// stands, its policy, and what the window the plan will choose reads of its source.
async fn refresh_facts(
    client: &Client,
    caps: &Capabilities,
    r: &Relation,
    window: Option<&(WindowBound, WindowBound)>,
) -> Result<RefreshFacts, ResolveError> {
    use crate::model::caggs;
    let (all, _) = caggs::read_rows(client, caps, &mut Default::default())
        .await
        .map_err(read::db)?;
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
        true => read::integer_now(client, r).await?.flatten(),
        false => Some(
            client
                .query_one("SELECT (extract(epoch FROM now()) * 1000000)::int8", &[])
                .await
                .map_err(read::db)?
                .get(0),
        ),
    };
    let mut given = None;
    if let Some((a, b)) = window {
        let read = |w: &WindowBound| -> Result<Option<i64>, ResolveError> {
            match w {
                WindowBound::Open => Ok(None),
                WindowBound::Int(n) if integer_time => Ok(Some(*n)),
                WindowBound::Int(n) => Err(ResolveError::WindowNotTime {
                    object: r.shown(),
                    bound: *n,
                }),
                WindowBound::Time(t) if integer_time => Err(ResolveError::WindowNotInteger {
                    object: r.shown(),
                    bound: t.clone(),
                }),
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
                        .map_err(|e| format!("'{t}' is not a time: {}", read::db(e)))?
                        .get(0),
                );
            }
        }
        // a window that ends where or before it starts refreshes nothing (the server refuses
        // it): said now, before any plan
        if let (Some(f), Some(t)) = (from, to) {
            if t <= f {
                return Err(format!(
                    "the window's end ({}) is not after its start ({}): a refresh window runs forward in time",
                    window_text(b),
                    window_text(a)
                )
                .into());
            }
        }
        given = Some((from, to));
    }
    let runs = match &c.refresh_policy {
        Some(p) => client
            .query_opt(sql!("refresh_runs.sql"), &[&p.job_id])
            .await
            .map_err(read::db)?
            .map(|row| (row.get::<_, i64>("runs"), row.get::<_, f64>("mean_seconds"))),
        None => None,
    };
    let interval: Option<i64> = client
        .query_opt(
            sql!("source_interval.sql"),
            &[&c.hypertable_schema, &c.hypertable_name],
        )
        .await
        .map_err(read::db)?
        .and_then(|row| row.get("interval"));
    let mut f = RefreshFacts {
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
        bucket: match integer_time {
            true => c.bucket_width.as_deref().and_then(units),
            false => (c.bucket_width.as_deref())
                .and_then(crate::format::fixed_interval_seconds)
                .map(|s| (s * 1e6) as i64),
        },
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
    let sql = read::reading(sql!("refresh_reads.sql"), caps);
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
    let first = ask(None, None, None).await.map_err(read::db)?;
    f.data_start = first.get("data_start");
    let w = refresh_window(&f);
    let floor = w.hole.map(|(a, _)| a);
    let row = ask(w.from, w.to, floor).await.map_err(read::db)?;
    f.chunks = row.get("chunks");
    f.rows = row.get("rows");
    f.bytes = row.get("bytes");
    f.gap_chunks = row.get("gap_chunks");
    Ok(f)
}
