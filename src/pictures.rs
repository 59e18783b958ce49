//! What each picture shows, as numbers and words, built from the session's history and the
//! rows read (pure); `render::pictures` draws them. Every picture fits 80x24 and reads without
//! colour: a failed run or a compressed chunk carries a mark under its bar, not only a tone.

use crate::format;
use crate::history::zoom::{Span, COLUMNS};
use crate::history::{History, Minutes, Ring, Series, PULSE_SECONDS};
use crate::model::hypertables::Chunk;
use crate::model::jobs::JobRun;

/// Spans of time the pulse divides what it covers into (grouped further to the width drawn).
pub const PULSE_BUCKETS: usize = 60;

#[derive(Debug, Clone, PartialEq)]
pub enum Picture {
    /// Sparklines, each with its name and current value.
    Sparks(Vec<Spark>),
    /// Bars, oldest on the left, the newest kept when they do not all fit.
    Bars(Bars),
    /// How many values fall in each bucket.
    Histogram(Histogram),
    /// Pictures side by side, the first taking what the others leave.
    Beside(Vec<Picture>),
}

/// One sparkline: its values oldest first (None: nothing read then).
#[derive(Debug, Clone, PartialEq)]
pub struct Spark {
    pub name: &'static str,
    pub values: Vec<Option<u64>>,
    pub current: String,
    /// Its current value is bad news (drawn in the critical tone).
    pub alarm: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub title: String,
    /// Two rows of bars and no frame, for a detail pane; else five in a frame with the title.
    pub compact: bool,
    pub values: Vec<u64>,
    /// A mark under each bar (`x` a failure, `c` compressed), or a blank.
    pub marks: Vec<char>,
    /// What the marks mean and the figures worth reading (`3 of 50 failed · median 1.2s`).
    pub legend: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub title: String,
    pub buckets: Vec<(&'static str, u64)>,
}

impl Picture {
    /// The lines it needs, borders included.
    pub fn height(&self) -> u16 {
        match self {
            Picture::Sparks(lines) => lines.len() as u16,
            // a border, five rows of bars, the marks, the legend, a border; compact: two rows
            Picture::Bars(b) if b.compact => 4,
            Picture::Bars(_) => 9,
            Picture::Histogram(_) => 9,
            Picture::Beside(all) => all.iter().map(Picture::height).max().unwrap_or(0),
        }
    }
}

/// Groups `values` into at most `width` columns, each the largest of the values it covers:
/// a spike stays visible however narrow the picture.
pub fn fit(values: &[Option<u64>], width: usize) -> Vec<Option<u64>> {
    if values.len() <= width || width == 0 {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let (from, to) = (i * values.len() / width, (i + 1) * values.len() / width);
            values[from..to.max(from + 1)]
                .iter()
                .flatten()
                .max()
                .copied()
        })
        .collect()
}

fn minute_values(m: &Minutes) -> Vec<Option<u64>> {
    m.hour()
        .into_iter()
        .map(|v| v.map(|v| v.max(0.0).round() as u64))
        .collect()
}

/// Rows per second, short (`850/s`, `12k/s`, `1.2M/s`).
pub fn rate(per_second: f64) -> String {
    let r = per_second.max(0.0);
    match r {
        r if r >= 1e6 => format!("{:.1}M/s", r / 1e6),
        r if r >= 1e4 => format!("{:.0}k/s", r / 1e3),
        r if r >= 1e3 => format!("{:.1}k/s", r / 1e3),
        r => format!("{r:.0}/s"),
    }
}

/// A change in size, signed (`+16 KiB`, `-2.0 MiB`).
fn signed_bytes(d: f64) -> String {
    let sign = if d < 0.0 { "-" } else { "+" };
    format!("{sign}{}", format::bytes(d.abs() as i64))
}

/// Sizes drawn as their growth: each above the lowest shown (the size itself would fill every
/// column alike), and the change from the first to the last; None under two sizes.
fn growth(sizes: &[Option<f64>]) -> Option<(Vec<Option<u64>>, f64)> {
    let shown: Vec<f64> = sizes.iter().flatten().copied().collect();
    let (&first, &last) = (shown.first()?, shown.last()?);
    if shown.len() < 2 {
        return None;
    }
    let low = shown.iter().copied().fold(f64::INFINITY, f64::min);
    let above = sizes
        .iter()
        .map(|v| v.map(|v| (v - low).max(0.0).round() as u64))
        .collect();
    Some((above, last - first))
}

/// The overview's pulse on one time axis, the same for every line (from the first read kept
/// to the newest, an hour at most): ingest, the worst lag, the database's growth; failing
/// jobs and blocked sessions. With it, the time it covers (`now` after one read); None before
/// any read.
pub fn pulse(h: &History) -> Option<(String, Vec<Spark>)> {
    let rings = [
        &h.ingest,
        &h.worst_lag,
        &h.database_bytes,
        &h.failing_jobs,
        &h.blocked,
    ];
    let spans: Vec<(u32, u32)> = rings.iter().filter_map(|r| r.span()).collect();
    let end = spans.iter().map(|s| s.1).max()?;
    let first = spans.iter().map(|s| s.0).min()?;
    let covered = end - first;
    let window = covered.clamp(60, PULSE_SECONDS);
    // one unit, so "Pulse " and it fit the panel's label column (`3m 14s` lost its `s`)
    let mut label = match covered.min(PULSE_SECONDS) {
        0 => "now".to_string(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s => format!("{}h", s / 3600),
    };
    let zoomed = h.beyond_hour();
    if let Some(z) = zoomed {
        label = z.span.label().to_string();
    }
    // the recording's columns beyond the hour, else the console's own samples
    let buckets = |r: &Ring, series: Series| match zoomed {
        Some(z) => z
            .get(&series)
            .map_or_else(|| vec![None; COLUMNS], <[Option<f64>]>::to_vec),
        None => r.buckets(end, window, PULSE_BUCKETS),
    };
    let whole = |v: Vec<Option<f64>>, low: f64| -> Vec<Option<u64>> {
        v.into_iter()
            .map(|v| v.map(|v| (v - low).max(0.0).round() as u64))
            .collect()
    };
    let latest = |r: &Ring| r.latest();
    let count = |r: &Ring| latest(r).map_or("–".into(), |v| format!("{v:.0}"));
    let sizes = buckets(&h.database_bytes, Series::DatabaseBytes);
    let (size_values, size_change) = match growth(&sizes) {
        Some((values, change)) => (values, signed_bytes(change)),
        None => (vec![None; sizes.len()], "–".into()),
    };
    let sparks = vec![
        Spark {
            name: "ingest",
            values: whole(buckets(&h.ingest, Series::Ingest), 0.0),
            current: latest(&h.ingest).map_or("–".into(), rate),
            alarm: false,
        },
        Spark {
            name: "lag",
            values: whole(buckets(&h.worst_lag, Series::WorstLag), 0.0),
            current: latest(&h.worst_lag).map_or("–".into(), format::seconds),
            alarm: false,
        },
        Spark {
            name: "size",
            values: size_values,
            current: size_change,
            alarm: false,
        },
        Spark {
            name: "failing",
            values: whole(buckets(&h.failing_jobs, Series::FailingJobs), 0.0),
            current: count(&h.failing_jobs),
            alarm: latest(&h.failing_jobs).is_some_and(|v| v > 0.0),
        },
        Spark {
            name: "blocked",
            values: whole(buckets(&h.blocked, Series::Blocked), 0.0),
            current: count(&h.blocked),
            alarm: latest(&h.blocked).is_some_and(|v| v > 0.0),
        },
    ];
    Some((label, sparks))
}

/// A continuous aggregate's hour: its lag each minute and the refreshes seen (once two minutes
/// were read); beyond the hour, the recording's columns.
pub fn cagg_trend(h: &History, id: &str) -> Option<Picture> {
    if let Some(z) = h.beyond_hour() {
        let lag = z.get(&Series::CaggLag(id.into()))?;
        let refreshes = z.get(&Series::CaggRefreshes(id.into())).unwrap_or(&[]);
        let seen: u64 = refreshes.iter().flatten().map(|&v| v as u64).sum();
        let latest = h.caggs.get(id).and_then(|t| t.lag.latest());
        return Some(Picture::Sparks(vec![
            Spark {
                name: z.span.lag_name(),
                values: whole(lag),
                current: latest.map_or("–".into(), format::seconds),
                alarm: false,
            },
            Spark {
                name: "refresh",
                values: whole(refreshes),
                current: format!("{seen} in {}", z.span.label()),
                alarm: false,
            },
        ]));
    }
    let t = h
        .caggs
        .get(id)
        .filter(|t| t.lag.hour().iter().flatten().count() >= 2)?;
    let refreshes: u64 = t.refreshes.hour().iter().flatten().map(|&v| v as u64).sum();
    Some(Picture::Sparks(vec![
        Spark {
            name: "lag 1h",
            values: minute_values(&t.lag),
            current: t.lag.latest().map_or("–".into(), format::seconds),
            alarm: false,
        },
        Spark {
            name: "refresh",
            values: minute_values(&t.refreshes),
            current: format!("{refreshes} seen"),
            alarm: false,
        },
    ]))
}

/// A hypertable's size each minute of the last hour (once two minutes were read); beyond the
/// hour, the recording's columns.
pub fn hypertable_trend(h: &History, id: &str) -> Option<Picture> {
    let (sizes, span) = match h.beyond_hour() {
        Some(z) => (z.get(&Series::HypertableBytes(id.into()))?.to_vec(), z.span),
        None => (h.hypertable_bytes.get(id)?.hour(), Span::Hour),
    };
    // one minute read is no trend
    let (values, change) = growth(&sizes)?;
    Some(Picture::Sparks(vec![Spark {
        name: span.size_name(),
        values,
        current: format!("{} in {}", signed_bytes(change), span.label()),
        alarm: false,
    }]))
}

/// Values drawn as whole numbers, none below zero.
fn whole(values: &[Option<f64>]) -> Vec<Option<u64>> {
    values
        .iter()
        .map(|v| v.map(|v| v.max(0.0).round() as u64))
        .collect()
}

/// A job's runs, oldest left: each bar its duration, a failure marked `x` (a run still going,
/// or one that left no end, `?`). `runs` come newest first, as the history lists them.
pub fn job_runs(runs: &[JobRun], compact: bool) -> Option<Picture> {
    if runs.is_empty() {
        return None;
    }
    let mut values = Vec::with_capacity(runs.len());
    let mut marks = Vec::with_capacity(runs.len());
    let mut durations = Vec::new();
    for r in runs.iter().rev() {
        let took = match (r.start_time, r.finish_time) {
            (Some(s), Some(f)) if f >= s => Some((f - s).num_milliseconds() as u64),
            _ => None,
        };
        values.push(took.unwrap_or(0));
        durations.extend(took);
        marks.push(match (r.succeeded, took) {
            (Some(false), _) => 'x',
            (None, _) | (_, None) => '?',
            _ => ' ',
        });
    }
    let failed = runs.iter().filter(|r| r.succeeded == Some(false)).count();
    durations.sort_unstable();
    let ms = |v: u64| format::duration(std::time::Duration::from_millis(v));
    let mut legend = format!("last {} runs · x failed: {failed}", runs.len());
    if let (Some(&mid), Some(&max)) = (durations.get(durations.len() / 2), durations.last()) {
        legend.push_str(&format!(" · median {} · longest {}", ms(mid), ms(max)));
    }
    Some(Picture::Bars(Bars {
        title: "Run durations, newest right".into(),
        compact,
        values,
        marks,
        legend,
    }))
}

/// A hypertable's chunks by their start (`chunks` come newest first), oldest left: each bar its size on disk, a compressed
/// one marked `c`; beside it, when some are compressed, how well each compressed.
pub fn chunks(chunks: &[Chunk]) -> Option<Picture> {
    if chunks.is_empty() {
        return None;
    }
    // newest first, as the drill-down lists them
    let sorted: Vec<&Chunk> = chunks.iter().rev().collect();
    let values = sorted
        .iter()
        .map(|c| c.total_bytes.unwrap_or(0).max(0) as u64)
        .collect();
    let marks = sorted
        .iter()
        .map(|c| if c.compressed { 'c' } else { ' ' })
        .collect();
    let compressed = chunks.iter().filter(|c| c.compressed).count();
    let total = chunks
        .iter()
        .filter_map(|c| c.total_bytes)
        .fold(0i64, i64::saturating_add);
    let sizes = Picture::Bars(Bars {
        title: "Chunk sizes, newest right".into(),
        compact: false,
        values,
        marks,
        legend: format!(
            "{} chunks, {} · c compressed: {compressed}",
            chunks.len(),
            format::bytes(total)
        ),
    });
    match ratios(chunks) {
        Some(h) => Some(Picture::Beside(vec![sizes, Picture::Histogram(h)])),
        None => Some(sizes),
    }
}

/// Compressed chunks by how many times smaller compression made them: a segmentby that
/// leaves tiny segments shows as a heap at the low end.
pub fn ratios(chunks: &[Chunk]) -> Option<Histogram> {
    const EDGES: [(f64, &str); 6] = [
        (1.5, "<1.5"),
        (3.0, "<3"),
        (5.0, "<5"),
        (10.0, "<10"),
        (20.0, "<20"),
        (f64::INFINITY, "20+"),
    ];
    let mut buckets: Vec<(&'static str, u64)> = EDGES.iter().map(|&(_, l)| (l, 0)).collect();
    let mut any = false;
    for c in chunks.iter().filter(|c| c.compressed) {
        let (Some(before), Some(after)) = (c.before_bytes, c.after_bytes) else {
            continue;
        };
        if after <= 0 {
            continue;
        }
        let ratio = before as f64 / after as f64;
        let i = EDGES
            .iter()
            .position(|&(edge, _)| ratio < edge)
            .unwrap_or(EDGES.len() - 1);
        buckets[i].1 += 1;
        any = true;
    }
    any.then(|| Histogram {
        title: "Compression ratio (×)".into(),
        buckets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + s, 0).unwrap()
    }

    #[test]
    fn fitting_keeps_the_largest_of_each_column() {
        let v: Vec<Option<u64>> = (0..10).map(Some).collect();
        assert_eq!(
            fit(&v, 5),
            vec![Some(1), Some(3), Some(5), Some(7), Some(9)]
        );
        assert_eq!(fit(&v, 20), v);
        assert_eq!(fit(&[None, None, Some(4), None], 2), vec![None, Some(4)]);
    }

    #[test]
    fn rates_read_short() {
        assert_eq!(rate(850.4), "850/s");
        assert_eq!(rate(1234.0), "1.2k/s");
        assert_eq!(rate(56_000.0), "56k/s");
        assert_eq!(rate(2_500_000.0), "2.5M/s");
    }

    fn run(start: i64, secs: i64, ok: Option<bool>) -> JobRun {
        JobRun {
            succeeded: ok,
            start_time: Some(at(start)),
            finish_time: ok.map(|_| at(start + secs)),
            pid: None,
            sqlerrcode: None,
            err_message: None,
            crash_reported: false,
        }
    }

    #[test]
    fn job_runs_put_the_newest_right_and_mark_failures() {
        // newest first, as the history lists them
        let runs = [
            run(300, 1, None),
            run(200, 4, Some(false)),
            run(100, 2, Some(true)),
        ];
        let Some(Picture::Bars(b)) = job_runs(&runs, false) else {
            panic!("bars")
        };
        assert_eq!(b.values, vec![2000, 4000, 0]);
        assert_eq!(b.marks, vec![' ', 'x', '?']);
        assert!(b.legend.contains("x failed: 1"), "{}", b.legend);
        assert!(b.legend.contains("longest 4s"), "{}", b.legend);
        assert_eq!(job_runs(&[], true), None);
    }

    #[test]
    fn compression_ratios_fall_in_their_buckets() {
        let chunk = |before, after, compressed| Chunk {
            schema: "_timescaledb_internal".into(),
            name: "_hyper_1_1_chunk".into(),
            range_start: None,
            range_end: None,
            compressed,
            frozen: false,
            partial: false,
            created: None,
            total_bytes: Some(after),
            before_bytes: Some(before),
            after_bytes: Some(after),
            in_backlog: false,
            overdue: false,
        };
        let list = [
            chunk(1300, 1000, true),
            chunk(1000, 101, true),
            chunk(1000, 99, true),
            chunk(5000, 10, true),
            chunk(5000, 10, false),
        ];
        let h = ratios(&list).expect("some compressed");
        let counts: Vec<u64> = h.buckets.iter().map(|b| b.1).collect();
        assert_eq!(counts, vec![1, 0, 0, 1, 1, 1]);
        assert_eq!(ratios(&list[4..]), None, "none compressed");
    }

    #[test]
    fn the_pulse_shows_growth_and_alarms_on_failures_on_one_time_axis() {
        let mut h = History::default();
        assert_eq!(pulse(&h), None, "nothing read yet");
        h.failing_jobs.push(at(0), 0.0);
        assert_eq!(pulse(&h).unwrap().0, "now");
        // jobs read every 2 s for 10 minutes; the catalog only at 5 and 10 minutes
        for i in 1..=300 {
            h.failing_jobs.push(at(2 * i), (i / 200) as f64);
        }
        h.database_size(1_000_000, at(300));
        h.database_size(1_016_384, at(600));
        let (label, p) = pulse(&h).unwrap();
        assert_eq!(label, "10m");
        let size = p.iter().find(|s| s.name == "size").unwrap();
        assert_eq!(size.current, "+16 KiB");
        // the two size reads sit where their times are: the middle and the end
        let at_index: Vec<usize> = size
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|_| i))
            .collect();
        assert_eq!(at_index, vec![29, 59]);
        let failing = p.iter().find(|s| s.name == "failing").unwrap();
        assert!(failing.alarm);
        assert_eq!(failing.current, "1");
        assert_eq!(failing.values.len(), PULSE_BUCKETS);
    }
}
