//! What the history keeps, as samples for the flight recorder, and a history made again from
//! them (a console opened at 3 a.m. shows the hour before it). Pure: the recorder stores and
//! reads the samples.

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

use super::{minute, CaggTrend, History, Minutes, Ring, MINUTES};

/// What a sample is of. The keys of objects are `schema.name`, as the history's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Series {
    Ingest,
    WorstLag,
    FailingJobs,
    Blocked,
    DatabaseBytes,
    /// A read of the continuous aggregates (the minute it was in).
    CaggsRead,
    /// A read of the hypertables (the minute it was in).
    HypertablesRead,
    CaggLag(Box<str>),
    /// A refresh seen, in the minute it finished (events: they add up).
    CaggRefreshes(Box<str>),
    /// When the aggregate last refreshed (seconds since 1970), as of the read.
    CaggLastSuccess(Box<str>),
    /// A hypertable's size, when it changed (carried forward through the reads).
    HypertableBytes(Box<str>),
}

/// One number kept: of what, when (seconds since 1970), and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub series: Series,
    pub at: u32,
    pub value: f64,
}

impl Series {
    /// The key the recorder stores it under.
    pub fn key(&self) -> String {
        let (prefix, object) = match self {
            Series::Ingest => return "ingest".into(),
            Series::WorstLag => return "worst_lag".into(),
            Series::FailingJobs => return "failing_jobs".into(),
            Series::Blocked => return "blocked".into(),
            Series::DatabaseBytes => return "database_bytes".into(),
            Series::CaggsRead => return "caggs_read".into(),
            Series::HypertablesRead => return "hypertables_read".into(),
            Series::CaggLag(k) => ("cagg_lag/", k),
            Series::CaggRefreshes(k) => ("cagg_refreshes/", k),
            Series::CaggLastSuccess(k) => ("cagg_last_success/", k),
            Series::HypertableBytes(k) => ("hypertable_bytes/", k),
        };
        format!("{prefix}{object}")
    }

    /// The series a stored key names (None: a key this build does not know).
    pub fn from_key(key: &str) -> Option<Series> {
        Some(match key {
            "ingest" => Series::Ingest,
            "worst_lag" => Series::WorstLag,
            "failing_jobs" => Series::FailingJobs,
            "blocked" => Series::Blocked,
            "database_bytes" => Series::DatabaseBytes,
            "caggs_read" => Series::CaggsRead,
            "hypertables_read" => Series::HypertablesRead,
            _ => {
                let (kind, object) = key.split_once('/')?;
                let object: Box<str> = object.into();
                match kind {
                    "cagg_lag" => Series::CaggLag(object),
                    "cagg_refreshes" => Series::CaggRefreshes(object),
                    "cagg_last_success" => Series::CaggLastSuccess(object),
                    "hypertable_bytes" => Series::HypertableBytes(object),
                    _ => return None,
                }
            }
        })
    }

    /// Events add up within their second; other values replace one another.
    pub fn adds(&self) -> bool {
        matches!(self, Series::CaggRefreshes(_))
    }
}

impl History {
    /// From now on each sample kept is also noted for the recorder ([`take_samples`]).
    pub fn record(&mut self) {
        self.recording = true;
    }

    pub(super) fn note(&mut self, series: Series, at: u32, value: f64) {
        if self.recording {
            self.recorded.push(Sample { series, at, value });
        }
    }

    /// The samples noted since the last call, oldest first.
    pub fn take_samples(&mut self) -> Vec<Sample> {
        std::mem::take(&mut self.recorded)
    }

    /// Takes in the recorded `samples` (oldest first; a carried-forward size may be older than
    /// the hour): what this history has read itself wins, the recording fills in the rest.
    pub fn restore(&mut self, samples: &[Sample]) {
        let mut past = rebuilt(samples);
        past.inserted = self.inserted.take();
        past.recording = self.recording;
        past.recorded = std::mem::take(&mut self.recorded);
        past.span = self.span;
        past.zoomed = self.zoomed.take();
        past.zoom_asked = self.zoom_asked;
        for (ring, own) in [
            (&mut past.ingest, &self.ingest),
            (&mut past.worst_lag, &self.worst_lag),
            (&mut past.failing_jobs, &self.failing_jobs),
            (&mut past.blocked, &self.blocked),
            (&mut past.database_bytes, &self.database_bytes),
        ] {
            *ring = ring_joined(ring, own);
        }
        for (key, own) in std::mem::take(&mut self.caggs) {
            let trend = match past.caggs.remove(&key) {
                Some(old) => {
                    let mut refreshes = minutes_joined(&old.refreshes, &own.refreshes);
                    // a refresh between the recording's last read and this history's first
                    if let Some(first) = own.first_seen {
                        if old.last_success.map(super::seconds) != Some(super::seconds(first)) {
                            refreshes.add(minute(first), 1.0);
                        }
                    }
                    Box::new(CaggTrend {
                        lag: minutes_joined(&old.lag, &own.lag),
                        refreshes,
                        last_success: own.last_success.or(old.last_success),
                        watermark: own.watermark.or(old.watermark),
                        first_seen: old.first_seen,
                    })
                }
                None => own,
            };
            past.caggs.insert(key, trend);
        }
        for (key, own) in std::mem::take(&mut self.hypertable_bytes) {
            let series = match past.hypertable_bytes.remove(&key) {
                Some(old) => Box::new(minutes_joined(&old, &own)),
                None => own,
            };
            past.hypertable_bytes.insert(key, series);
        }
        *self = past;
    }
}

/// The samples of `older` before `newer`'s first, then `newer`'s.
fn ring_joined(older: &Ring, newer: &Ring) -> Ring {
    let first = newer.values.front().map_or(u32::MAX, |&(t, _)| t);
    let mut joined = Ring::default();
    let values = |r: &Ring| -> Vec<(u32, f64)> {
        r.values
            .iter()
            .map(|&(t, v)| (t, r.base + v as f64))
            .collect()
    };
    for (t, v) in values(older).into_iter().filter(|&(t, _)| t < first) {
        joined.push(at(t), v);
    }
    for (t, v) in values(newer) {
        joined.push(at(t), v);
    }
    joined
}

/// The hour ending at the later of the two, each minute `newer`'s where it has one.
fn minutes_joined(older: &Minutes, newer: &Minutes) -> Minutes {
    let end = older.newest.max(newer.newest);
    let start = end.saturating_sub(MINUTES as u32 - 1);
    let mut joined = Minutes::new(start);
    for m in start..=end {
        if let Some(v) = newer.at(m).or_else(|| older.at(m)) {
            joined.put(m, v);
        }
    }
    joined.advance(end);
    joined
}

fn at(seconds: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(seconds.into(), 0).unwrap_or_default()
}

/// A history made from recorded samples alone.
fn rebuilt(samples: &[Sample]) -> History {
    let mut h = History::default();
    let mut caggs_read: Vec<u32> = Vec::new();
    let mut tables_read: Vec<u32> = Vec::new();
    let mut lags: FxHashMap<&str, FxHashMap<u32, f64>> = FxHashMap::default();
    let mut refreshes: FxHashMap<&str, Vec<(u32, f64)>> = FxHashMap::default();
    let mut last_success: FxHashMap<&str, (u32, f64)> = FxHashMap::default();
    let mut sizes: FxHashMap<&str, Vec<(u32, f64)>> = FxHashMap::default();
    for s in samples {
        let (when, minute) = (at(s.at), s.at / 60);
        match &s.series {
            Series::Ingest => h.ingest.push(when, s.value),
            Series::WorstLag => h.worst_lag.push(when, s.value),
            Series::FailingJobs => h.failing_jobs.push(when, s.value),
            Series::Blocked => h.blocked.push(when, s.value),
            Series::DatabaseBytes => h.database_bytes.push(when, s.value),
            Series::CaggsRead => caggs_read.push(minute),
            Series::HypertablesRead => tables_read.push(minute),
            Series::CaggLag(k) => {
                lags.entry(k).or_default().insert(minute, s.value);
            }
            Series::CaggRefreshes(k) => refreshes.entry(k).or_default().push((minute, s.value)),
            Series::CaggLastSuccess(k) => {
                last_success.insert(k, (minute, s.value));
            }
            Series::HypertableBytes(k) => sizes.entry(k).or_default().push((minute, s.value)),
        }
    }
    caggs_read.dedup();
    tables_read.dedup();
    let mut caggs: Vec<&str> = lags
        .keys()
        .chain(refreshes.keys())
        .chain(last_success.keys())
        .copied()
        .collect();
    caggs.sort_unstable();
    caggs.dedup();
    for key in caggs {
        // from the first minute anything of it was recorded
        let first = [
            lags.get(key).and_then(|l| l.keys().min().copied()),
            refreshes.get(key).and_then(|r| r.first().map(|&(m, _)| m)),
            last_success.get(key).map(|&(m, _)| m),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(0);
        let reads: Vec<u32> = caggs_read.iter().copied().filter(|&m| m >= first).collect();
        let Some(&start) = reads.first() else {
            continue;
        };
        let mut trend = CaggTrend {
            lag: Minutes::new(start),
            refreshes: Minutes::new(start),
            last_success: last_success
                .get(key)
                .and_then(|&(_, s)| DateTime::from_timestamp(s as i64, 0)),
            watermark: None,
            first_seen: None,
        };
        let events = refreshes.get(key).map_or(&[][..], Vec::as_slice);
        let mut next_event = 0;
        for &m in &reads {
            trend.lag.advance(m);
            trend.refreshes.advance(m);
            trend.refreshes.add(m, 0.0);
            if let Some(&lag) = lags.get(key).and_then(|l| l.get(&m)) {
                trend.lag.put(m, lag);
            }
            while let Some(&(e, n)) = events.get(next_event).filter(|&&(e, _)| e <= m) {
                trend.refreshes.add(e, n);
                next_event += 1;
            }
        }
        h.caggs.insert(key.into(), Box::new(trend));
    }
    for (key, values) in sizes {
        let reads: Vec<u32> = tables_read
            .iter()
            .copied()
            .filter(|&m| m >= values[0].0)
            .collect();
        let Some(&start) = reads.first() else {
            continue;
        };
        let mut series = Minutes::new(start);
        let mut i = 0;
        for m in reads {
            while values.get(i + 1).is_some_and(|&(t, _)| t <= m) {
                i += 1;
            }
            series.put(m, values[i].1);
        }
        h.hypertable_bytes.insert(key.into(), Box::new(series));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    /// Reads every 20 s: the pulse, two caggs (one refreshing every ten minutes, one appearing
    /// at read 41), two hypertables (one growing every few minutes).
    fn live(from: i64, reads: i64) -> History {
        let mut h = History::default();
        h.record();
        let mut summary = fixtures::summary();
        for i in from..from + reads {
            let when = at(20 * i);
            summary.server_now = when;
            summary.rows_inserted = Some(1_000 * i + i * i);
            h.summary(&summary);
            let mut caggs = vec![fixtures::cagg("hourly", None, "2026-11-23T00:00:00Z", 0.0)];
            caggs[0].lag_seconds = Some(300.0 + (i % 30) as f64 * 20.0);
            caggs[0].last_success = Some(at(20 * (i - i % 30)));
            if i > 40 {
                let mut late = fixtures::cagg("late", None, "2026-11-23T00:00:00Z", 0.0);
                late.lag_seconds = Some(60.0);
                caggs.push(late);
            }
            h.caggs(&caggs, when);
            let grows = fixtures::hypertable("grows", 3, 0, 1 << 20 | (i / 10) << 13);
            let still = fixtures::hypertable("still", 3, 0, 8192);
            h.hypertables(&[grows, still], when);
            h.jobs(
                &[fixtures::job(
                    1000,
                    "policy_compression",
                    Some("a"),
                    (i % 3) as i32,
                    true,
                )],
                when,
            );
            h.database_size(1 << 30 | i << 12, when);
        }
        h
    }

    fn pictures(h: &History) -> Vec<String> {
        let ring = |r: &Ring| r.buckets(r.span().map_or(0, |s| s.1), 3600, 120);
        let mut out = vec![
            format!("{:?}", ring(&h.ingest)),
            format!("{:?}", ring(&h.worst_lag)),
            format!("{:?}", ring(&h.failing_jobs)),
            format!("{:?}", ring(&h.database_bytes)),
        ];
        let mut caggs: Vec<_> = h.caggs.iter().collect();
        caggs.sort_by(|a, b| a.0.cmp(b.0));
        for (k, t) in caggs {
            out.push(format!("{k} lag {:?}", t.lag.hour()));
            out.push(format!("{k} refreshes {:?}", t.refreshes.hour()));
        }
        let mut tables: Vec<_> = h.hypertable_bytes.iter().collect();
        tables.sort_by(|a, b| a.0.cmp(b.0));
        for (k, m) in tables {
            out.push(format!("{k} bytes {:?}", m.hour()));
        }
        out
    }

    #[test]
    fn a_history_made_from_its_samples_draws_the_same_pictures() {
        let mut h = live(0, 120);
        let samples = h.take_samples();
        assert!(h.take_samples().is_empty(), "taken once");
        // sizes only when they change: two tables, forty minutes, one of them growing
        let sizes = samples
            .iter()
            .filter(|s| matches!(s.series, Series::HypertableBytes(_)))
            .count();
        assert!((2..=14).contains(&sizes), "{sizes} size samples");
        let mut restored = History::default();
        restored.restore(&samples);
        assert_eq!(pictures(&restored), pictures(&h));
        // each key reads back as its series
        for s in &samples {
            assert_eq!(Series::from_key(&s.series.key()).as_ref(), Some(&s.series));
        }
        assert_eq!(
            Series::from_key("cagg_lag/a/b"),
            Some(Series::CaggLag("a/b".into()))
        );
        assert_eq!(Series::from_key("future_series/x"), None);
    }

    #[test]
    fn a_console_that_read_before_the_recording_arrives_keeps_its_reads_and_gains_the_past() {
        let mut before = live(0, 60);
        let samples = before.take_samples();
        // the same reads, then twenty more, all by one history: the truth
        let whole = live(0, 80);
        // a console that began at read 60 and took the recording in after five of its reads
        let mut console = live(60, 5);
        console.restore(&samples);
        assert!(
            console.take_samples().len() > 10,
            "its own samples are still to record"
        );
        let mut rest = live(60, 20);
        rest.restore(&samples);
        let ingest_points = rest.ingest.len();
        // the rate of the read at which the console began is not known to it: one point less
        assert_eq!(ingest_points + 1, whole.ingest.len());
        let (p, w) = (pictures(&rest), pictures(&whole));
        assert_eq!(p[1..], w[1..]);
        // a refresh seen before is not counted again when the console's first read sees it
        let hourly = &rest.caggs["telemetry.hourly"];
        assert_eq!(
            hourly.refreshes.hour().iter().flatten().sum::<f64>(),
            whole.caggs["telemetry.hourly"]
                .refreshes
                .hour()
                .iter()
                .flatten()
                .sum::<f64>()
        );
    }
}
