//! The advisors: settings that work against the data. Nothing is broken, so each finding is
//! advice, with its evidence in numbers, the threshold it used and, where one exists, the
//! palette command that acts on it (Enter on the advice puts it in the palette).

use crate::command::spec::family;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Found, Inputs, Problem, ProblemKind, Put, Severity, Subject, Thresholds};
use crate::command::parse::{interval, Command, Interval, ObjectName};
use crate::format;
use crate::model::chunk_activity::ChunkActivity;
use crate::model::compression::{Compression, SegmentStats};
use crate::model::hypertables::Hypertable;
use crate::model::Bound;

/// Compressed data smaller than this is not judged by its ratio: the compressed table's and its
/// index's first pages decide it (on the test scenario, small data grew when compressed).
pub const RATIO_JUDGED_FROM: i64 = 1 << 20;

/// A hypertable reaching the retention size limit within this many days is advised about.
pub const GROWTH_HORIZON_DAYS: f64 = 365.0;

/// The small-chunks advisor suggests the interval at which the median chunk holds this many
/// times the small-chunk threshold (and never more than the memory allows).
const SMALL_CHUNK_GROWTH: f64 = 4.0;

/// Every advisor, in the order their findings rank.
pub(super) fn advice(input: &Inputs, limits: &Thresholds, now: DateTime<Utc>, out: &mut Found) {
    let hypertables = input.hypertables.unwrap_or_default();
    let budget = memory_budget(input, limits);
    chunks_over_memory(hypertables, budget.as_ref(), now, out);
    small_chunks(
        hypertables,
        budget.as_ref(),
        limits,
        now,
        input.merge_chunks,
        out,
    );
    compression(input, limits, out);
    growth_without_retention(hypertables, limits, now, out);
}

fn push(
    out: &mut Found,
    kind: ProblemKind,
    (schema, name): (&str, &str),
    message: String,
    magnitude: f64,
    action: Option<Command>,
) {
    out.put(Problem {
        severity: Severity::Advice,
        kind,
        object: format::qualified(schema, name),
        message,
        chain: Vec::new(),
        root: None,
        subject: Subject::relation(schema, name),
        magnitude,
        // typed into the palette: a control character (in a column name) would break the line
        action: action
            .map(|a| a.to_string())
            .filter(|a| !a.chars().any(char::is_control)),
        starved: false,
    });
}

/// The memory the recent chunks should fit in: a share of `effective_cache_size` (what the
/// server is told it can cache, shared buffers and the OS cache together).
struct Budget {
    bytes: i64,
    /// How it was reached, for the evidence.
    said: String,
}

fn memory_budget(input: &Inputs, limits: &Thresholds) -> Option<Budget> {
    let s = input.summary?;
    let memory = s.effective_cache_size_bytes;
    (memory > 0).then(|| Budget {
        bytes: (memory as f64 * limits.recent_chunks_memory_share) as i64,
        said: format!(
            "{:.0} % of effective_cache_size {} (shared_buffers {})",
            limits.recent_chunks_memory_share * 100.0,
            format::bytes(memory),
            format::bytes(s.shared_buffers_bytes)
        ),
    })
}

/// Whether a hypertable's newest chunks are being written: their range has not ended (an
/// integer time's "now" is the hypertable's own: counted as written).
fn being_written(h: &Hypertable, now: DateTime<Utc>) -> bool {
    match &h.newest_chunk_end {
        Some(Bound::Time(end)) => *end > now,
        Some(Bound::Int(_)) | None => h.newest_chunk_bytes > 0 && h.time_column.is_some(),
    }
}

/// The chunk interval scaled by `factor`, rounded to a whole unit people write (`4d`, `6h`), as
/// the palette reads it. Integer time: a whole number of its units.
fn scaled_interval(h: &Hypertable, factor: f64) -> Option<String> {
    if let Some(units) = h.interval_integer {
        return Some(((units as f64 * factor).round() as i64).max(1).to_string());
    }
    let secs = h.interval_seconds? * factor;
    let (unit, name) = [(86_400.0, "d"), (3_600.0, "h"), (60.0, "m")]
        .into_iter()
        .find(|(size, _)| secs >= *size)
        .unwrap_or((60.0, "m"));
    let n = (secs / unit).round().max(1.0);
    Some(format!("{n}{name}"))
}

fn current_interval(h: &Hypertable) -> String {
    match (h.interval_integer, h.interval_seconds) {
        (Some(n), _) => n.to_string(),
        (None, Some(s)) => format::seconds(s),
        (None, None) => "?".into(),
    }
}

/// TimescaleDB's guidance: the chunks being written, with their indexes, should fit in a
/// quarter of the memory. Each hypertable whose newest chunks take more than an even share is
/// advised a shorter interval.
fn chunks_over_memory(
    hypertables: &[Hypertable],
    budget: Option<&Budget>,
    now: DateTime<Utc>,
    out: &mut Found,
) {
    let Some(budget) = budget else { return };
    let written: Vec<&Hypertable> = hypertables
        .iter()
        .filter(|h| being_written(h, now))
        .collect();
    let total: i64 = written.iter().map(|h| h.newest_chunk_bytes).sum();
    if total <= budget.bytes || written.is_empty() {
        return;
    }
    let share = budget.bytes / written.len() as i64;
    for h in written.iter().filter(|h| h.newest_chunk_bytes > share) {
        let factor = share as f64 / h.newest_chunk_bytes as f64;
        let suggested = scaled_interval(h, factor);
        let object = ObjectName::qualified(&h.schema, &h.name);
        let advice = match &suggested {
            Some(shown) => format!(
                "; a chunk interval of {shown} instead of {} keeps them within it",
                current_interval(h)
            ),
            None => String::new(),
        };
        push(
            out,
            ProblemKind::ChunksOverMemory,
            (&h.schema, &h.name),
            format!(
                "the newest chunks of the {} hypertables being written take {} with their indexes, above {} = {}; this one's take {} (an even share is {}){advice}",
                written.len(),
                format::bytes(total),
                budget.said,
                format::bytes(budget.bytes),
                format::bytes(h.newest_chunk_bytes),
                format::bytes(share),
            ),
            h.newest_chunk_bytes as f64,
            suggested.and_then(|arg| set_chunk_interval(object, &arg)),
        );
    }
}

/// Thousands of small chunks: every query plans (and locks) each one it cannot exclude.
fn small_chunks(
    hypertables: &[Hypertable],
    budget: Option<&Budget>,
    limits: &Thresholds,
    now: DateTime<Utc>,
    merge: bool,
    out: &mut Found,
) {
    let written = hypertables
        .iter()
        .filter(|h| being_written(h, now))
        .count()
        .max(1);
    for h in hypertables.iter().filter(|h| {
        h.chunks >= limits.small_chunks_from
            && h.median_chunk_bytes > 0
            && h.median_chunk_bytes < limits.small_chunk_bytes
    }) {
        let mut target = limits.small_chunk_bytes as f64 * SMALL_CHUNK_GROWTH;
        if let Some(b) = budget {
            target = target.min((b.bytes / written as i64) as f64);
        }
        let factor = target / h.median_chunk_bytes as f64;
        // a suggestion only where the memory leaves room to grow them
        let suggested = (factor >= 2.0)
            .then(|| scaled_interval(h, factor))
            .flatten();
        let object = ObjectName::qualified(&h.schema, &h.name);
        let advice = match &suggested {
            Some(shown) => format!(
                ": a chunk interval of {shown} instead of {} makes them about {} (new chunks only)",
                current_interval(h),
                format::bytes(target as i64)
            ),
            None => String::new(),
        };
        // merging helps the chunks there are (2.18+); a larger interval only new ones
        let (advice, action) = match (merge, &suggested) {
            (true, _) => {
                let merge = Command::Merge(family::Merge::MergeChunks {
                    hypertable: object,
                    older_than: None,
                });
                (
                    format!("{advice}; {merge} merges the existing ones"),
                    Some(merge),
                )
            }
            (false, Some(arg)) => (advice, set_chunk_interval(object, arg)),
            (false, None) => (advice, None),
        };
        push(
            out,
            ProblemKind::SmallChunks,
            (&h.schema, &h.name),
            format!(
                "{} chunks with a median of {} as written (advice below {} from {} chunks): each query plans every chunk it cannot exclude{advice}",
                h.chunks,
                format::bytes(h.median_chunk_bytes),
                format::bytes(limits.small_chunk_bytes),
                limits.small_chunks_from,
            ),
            h.chunks as f64,
            action,
        );
    }
}

/// Compression settings and state: no policy, a poor ratio, an orderby not led by time, chunks
/// not compressed again.
fn compression(input: &Inputs, limits: &Thresholds, out: &mut Found) {
    // writes into compressed data, a cagg's refreshes among them (advice without a command)
    for c in input.compression.unwrap_or_default() {
        if let Some(activity) = &c.activity {
            decompressing_writes(c, activity, out);
        }
    }
    // each hypertable's time column, looked up once (thousands of hypertables)
    let time_columns: HashMap<(&str, &str), &str> = input
        .hypertables
        .unwrap_or_default()
        .iter()
        .filter_map(|h| Some(((&*h.schema, &*h.name), h.time_column.as_deref()?)))
        .collect();
    for c in input
        .compression
        .unwrap_or_default()
        .iter()
        // a cagg's columnstore: the advisors' commands take hypertables
        .filter(|c| c.enabled && !c.is_cagg)
    {
        let at = (&*c.schema, &*c.name);
        let object = ObjectName::qualified(&c.schema, &c.name);
        let segmentby = c.segmentby.as_deref().filter(|s| !s.is_empty());
        let orderby = c.orderby.as_deref().unwrap_or_default();
        let time = time_columns.get(&at).copied();
        if c.job_id.is_none() {
            push(
                out,
                ProblemKind::CompressionWithoutPolicy,
                at,
                format!(
                    "compression is enabled but no policy compresses it: {} of {} chunks compressed, the rest stay as written",
                    c.compressed_chunks, c.chunks
                ),
                c.chunks as f64,
                Some(Command::Policies(family::Policies::SetCompressAfter {
                    hypertable: object.clone(),
                    after: Interval("7 days".into()),
                })),
            );
        }
        let judged = c.before_bytes.is_some_and(|b| b >= RATIO_JUDGED_FROM);
        if let (Some(ratio), Some(before), Some(after)) = (
            c.ratio()
                .filter(|r| judged && *r < limits.min_compression_ratio),
            c.before_bytes,
            c.after_bytes,
        ) {
            push(
                out,
                ProblemKind::LowCompressionRatio,
                at,
                format!(
                    "{} compressed chunks went from {} to {} ({}; advice below {}): segmentby {} may leave segments too small to compress (each chunk's ratio: the Compression tab's chunks)",
                    c.compressed_chunks,
                    format::bytes(before),
                    format::bytes(after),
                    format::ratio(ratio),
                    format::ratio(limits.min_compression_ratio),
                    segmentby.unwrap_or("(none)"),
                ),
                before as f64,
                Some(set_compression(&object, "", orderby)),
            );
        }
        if let Some(segments) = &c.segments {
            segment_size(c, segments, &object, orderby, limits, out);
        }
        // TimescaleDB appends the time column to an orderby that leaves it out (every version
        // from 2.9): what can be wrong is another column before it.
        let first = first_orderby(orderby);
        if let Some(time) = time.filter(|t| !first.is_empty() && first != *t) {
            push(
                out,
                ProblemKind::OrderbyNotByTime,
                at,
                format!(
                    "orderby {orderby} sorts by {} before the time column {}: each compressed batch spans a wide time range, so a query on a time range decompresses batches their min/max could have skipped",
                    format::ident(&first),
                    format::ident(time)
                ),
                c.chunks as f64,
                Some(set_compression(
                    &object,
                    segmentby.unwrap_or_default(),
                    &format!("{} DESC", format::ident(time)),
                )),
            );
        }
        not_recompressed(c, &object, out);
        if input.compact_chunk {
            unordered(c, &object, out);
        }
    }
}

/// A segmentby judged by the statistics of a full chunk: segments of a few rows (each stored
/// in batches of up to 1,000, compressed apart) compress little and are read one by one; a
/// column with one value splits nothing. The suggestion drops the column splitting finest, or
/// the one that splits nothing.
fn segment_size(
    c: &Compression,
    s: &SegmentStats,
    object: &ObjectName,
    orderby: &str,
    limits: &Thresholds,
    out: &mut Found,
) {
    let distinct: Vec<(&str, f64)> = s
        .columns
        .iter()
        .map(|(name, n)| (name.as_str(), s.distinct(*n)))
        .collect();
    let evidence = distinct
        .iter()
        .map(|(name, d)| format!("{} {:.0}", format::ident(name), d))
        .collect::<Vec<_>>()
        .join(", ");
    let per_segment = s.rows_per_segment();
    let (drop, message) = if per_segment < limits.min_rows_per_segment {
        let finest = distinct
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, _)| *name);
        (
            finest,
            format!(
                "segmentby leaves {per_segment:.0} rows per segment (advice below {:.0}): {:.0} rows in {} with distinct values {evidence}; each segment compresses apart, so small ones shrink little and are read one by one",
                limits.min_rows_per_segment,
                s.rows,
                s.chunk,
            ),
        )
    } else if let Some((name, _)) = distinct.iter().find(|(_, d)| *d <= 1.0) {
        (
            Some(*name),
            format!(
                "segmentby column {} has one value in {} ({:.0} rows): it splits nothing and filters nothing",
                format::ident(name),
                s.chunk,
                s.rows,
            ),
        )
    } else {
        return;
    };
    let Some(drop) = drop else { return };
    let rest = s
        .segmentby
        .iter()
        .filter(|name| *name != drop)
        // always quoted: TimescaleDB parses the list, where a keyword (`user`) must be
        .map(|name| format!("\"{}\"", name.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(", ");
    push(
        out,
        ProblemKind::SegmentSize,
        (&c.schema, &c.name),
        message,
        c.chunks as f64,
        Some(set_compression(object, &rest, orderby)),
    );
}

/// `set-compression <ht> segmentby='…' orderby='…'`, the settings as SQL lists.
fn set_compression(object: &ObjectName, segmentby: &str, orderby: &str) -> Command {
    Command::Settings(family::Settings::SetCompression {
        hypertable: object.clone(),
        segmentby: Some(segmentby.into()),
        orderby: Some(orderby.into()),
    })
}

/// `set-chunk-interval <ht> <interval>`, the interval as the palette reads `arg` (`4d`).
fn set_chunk_interval(hypertable: ObjectName, arg: &str) -> Option<Command> {
    Some(Command::Settings(family::Settings::SetChunkInterval {
        hypertable,
        interval: interval(arg).ok()?,
    }))
}

/// Chunks left uncompressed among compressed ones (decompressed and not compressed again), and
/// compressed chunks written into since, when no policy will compress them again.
fn not_recompressed(c: &Compression, object: &ObjectName, out: &mut Found) {
    let partial = if c.job_id.is_none() {
        c.partial_chunks
    } else {
        0
    };
    if c.uncompressed_between == 0 && partial == 0 {
        return;
    }
    let mut evidence = Vec::new();
    if c.uncompressed_between > 0 {
        evidence.push(format!(
            "{} chunks older than a compressed one are not compressed (decompressed, or skipped, and not compressed again)",
            c.uncompressed_between
        ));
    }
    if partial > 0 {
        evidence.push(format!(
            "{partial} compressed chunks were written into since, and no policy compresses their new rows"
        ));
    }
    push(
        out,
        ProblemKind::NotRecompressed,
        (&c.schema, &c.name),
        evidence.join("; "),
        (c.uncompressed_between + partial) as f64,
        (c.uncompressed_between > 0).then(|| {
            Command::Chunks(family::Chunks::Compress {
                hypertable: object.clone(),
                older_than: None,
            })
        }),
    );
}

/// Compressed batches writes read, from which this many a hypertable's are advice.
pub const DECOMPRESSING_WRITES: i64 = 1_000;

/// Batches a bloom filter passed to writes that held no match, from which this many are advice
/// (when they are at least as many as it let the writes skip).
const BLOOM_MISSES: i64 = 1_000;

/// What TimescaleDB counted of the writes into compressed data (2.28+): an UPDATE, DELETE or
/// upsert decompresses each batch it reads unless a filter skips it, and writes its rows again;
/// a bloom filter that passes batches holding no match does not spare it. Cumulative since the
/// chunk came into TimescaleDB's cache, said with the time.
fn decompressing_writes(c: &Compression, a: &ChunkActivity, out: &mut Found) {
    let since = match a.since {
        Some(t) => format!(" since {}", format::timestamp(t, true)),
        None => String::new(),
    };
    let reset = "_timescaledb_functions.chunk_statistics_reset() starts the count again";
    if a.batches_read >= DECOMPRESSING_WRITES {
        let spares = match (&c.compress_after, c.is_cagg) {
            (Some(after), true) => format!("its columnstore policy compresses after {after}: a compress_after beyond its refresh window spares it"),
            (None, true) => "a compress_after beyond its refresh window spares it".into(),
            (Some(after), false) => format!("the policy compresses after {after}: compressing later, or segmenting by the columns the writes filter on, spares it"),
            (None, false) => "compressing later, or segmenting by the columns the writes filter on, spares it".into(),
        };
        let writes = match c.is_cagg {
            true => "refreshes",
            false => "writes (UPDATE, DELETE, upserts)",
        };
        push(
            out,
            ProblemKind::DecompressingWrites,
            (&c.schema, &c.name),
            format!(
                "{writes} read {} compressed batches in {} chunk{}{since} ({} deleted whole), as TimescaleDB counts them: each batch a write reads is decompressed unless a filter skips it, and its rows written again; {spares} ({reset})",
                a.batches_read,
                a.chunks,
                if a.chunks == 1 { "" } else { "s" },
                a.batches_deleted,
            ),
            a.batches_read as f64,
            None,
        );
    }
    if a.bloom_false_positives >= BLOOM_MISSES && a.bloom_false_positives >= a.bloom_pruned {
        push(
            out,
            ProblemKind::BloomMisses,
            (&c.schema, &c.name),
            format!(
                "bloom filters passed {} batches to writes that held no match{since} (each decompressed for nothing) and let them skip {}: a bloom index on a column the writes filter on by equality, with many values per batch, prunes more ({reset})",
                a.bloom_false_positives, a.bloom_pruned,
            ),
            a.bloom_false_positives as f64,
            None,
        );
    }
}

/// Compressed chunks whose batches are out of order, as direct compress writes them (2.21+): a
/// query decompresses batches their min/max could have skipped, until compact_chunk (2.29+)
/// orders them.
fn unordered(c: &Compression, object: &ObjectName, out: &mut Found) {
    if c.unordered_chunks == 0 {
        return;
    }
    push(
        out,
        ProblemKind::UnorderedChunks,
        (&c.schema, &c.name),
        format!(
            "{} compressed chunk{} hold{} batches out of order (as direct compress writes them): range queries decompress batches they could skip until they are compacted",
            c.unordered_chunks,
            if c.unordered_chunks == 1 { "" } else { "s" },
            if c.unordered_chunks == 1 { "s" } else { "" },
        ),
        c.unordered_chunks as f64,
        Some(Command::Merge(family::Merge::Compact {
            hypertable: object.clone(),
            max_batches: None,
        })),
    );
}

/// A hypertable with no retention policy that, at the rate its data grows, reaches the size
/// limit within [`GROWTH_HORIZON_DAYS`]. The rate is its size over the days its chunks span (up
/// to now): bytes per day of data.
fn growth_without_retention(
    hypertables: &[Hypertable],
    limits: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Found,
) {
    for h in hypertables
        .iter()
        .filter(|h| !h.policies.iter().any(|p| &**p == "policy_retention"))
    {
        let (Some(Bound::Time(start)), Some(Bound::Time(end))) = (&h.range_start, &h.range_end)
        else {
            continue;
        };
        let days = (*end.min(&now) - *start).num_seconds() as f64 / 86_400.0;
        if days < 1.0 || h.total_bytes <= 0 {
            continue;
        }
        let per_day = h.total_bytes as f64 / days;
        let left = (limits.retention_size_limit - h.total_bytes) as f64 / per_day;
        if left > GROWTH_HORIZON_DAYS {
            continue;
        }
        let reach = if left <= 0.0 {
            format!(
                "it is past the {} limit already",
                format::bytes(limits.retention_size_limit)
            )
        } else {
            format!(
                "it reaches the {} limit in {:.0} days",
                format::bytes(limits.retention_size_limit),
                left.ceil()
            )
        };
        // The days of data that fit the limit: what a retention policy would keep.
        let keep = ((limits.retention_size_limit as f64 / per_day).floor() as i64).max(1);
        let object = ObjectName::qualified(&h.schema, &h.name);
        push(
            out,
            ProblemKind::GrowthWithoutRetention,
            (&h.schema, &h.name),
            format!(
                "no retention policy: {} over {:.1} days of data, {} per day; {reach} (keeping {keep} days stays within it)",
                format::bytes(h.total_bytes),
                days,
                format::bytes(per_day as i64),
            ),
            -left,
            Some(Command::Policies(family::Policies::SetRetention {
                relation: object,
                after: Interval(format!("{keep} days")),
            })),
        );
    }
}

/// The first column an orderby list names (`"device" DESC, "time"`: `device`), unquoted: names
/// come quoted where `quote_ident` quotes them, keywords included.
pub(super) fn first_orderby(orderby: &str) -> String {
    let mut name = String::new();
    let mut quoted = false;
    let mut chars = orderby.trim_start().chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                name.push('"');
            }
            '"' => quoted = !quoted,
            ' ' | ',' if !quoted => break,
            _ => name.push(ch),
        }
    }
    name
}
