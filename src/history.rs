//! What the console remembers of its own reads, for the pictures: the server keeps job runs and
//! chunks, but not how ingest, lag, failures, blocking or size moved a minute ago. Pure: fed the
//! models as they arrive (`store::Dataset`), read by `pictures`.
//!
//! Bounded whatever the catalog: each pulse series keeps its samples of the last hour, at most
//! [`PULSE_SAMPLES`] (an hour of 2 s reads; 8 bytes each); each continuous aggregate and each
//! hypertable keeps one slot per minute for an hour. Objects no longer read are forgotten.
//! Values are kept as offsets from a first value in `f32`, so that a terabyte's growth by a few
//! kilobytes still shows.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use crate::model::activity::Backend;
use crate::model::caggs::Cagg;
use crate::model::hypertables::Hypertable;
use crate::model::jobs::Job;
use crate::model::structure::IdMap;
use crate::model::summary::Summary;
use crate::model::{Latest, Section};

mod recording;
pub mod zoom;
pub use recording::{Sample, Series};

/// Samples one pulse series keeps at most: an hour of reads at the default 2 s refresh.
pub const PULSE_SAMPLES: usize = 1800;
/// How long a pulse series keeps its samples, in seconds.
pub const PULSE_SECONDS: u32 = 3600;
/// Minutes a per-object series keeps.
pub const MINUTES: usize = 60;

/// One number's samples of the last hour, oldest first, each with when it was read (seconds
/// since 1970) and as its offset from `base`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ring {
    base: f64,
    values: VecDeque<(u32, f32)>,
}

impl Ring {
    pub fn push(&mut self, at: DateTime<Utc>, value: f64) {
        let now = seconds(at);
        // a clock set back starts the series again: its time axis would run backwards
        if self.values.back().is_some_and(|&(t, _)| t > now) {
            self.values.clear();
        }
        if self.values.is_empty() {
            self.base = value;
        }
        while self.values.len() >= PULSE_SAMPLES
            || self
                .values
                .front()
                .is_some_and(|&(t, _)| now - t > PULSE_SECONDS)
        {
            self.values.pop_front();
        }
        self.values.push_back((now, (value - self.base) as f32));
    }

    pub fn latest(&self) -> Option<f64> {
        self.values.back().map(|&(_, v)| self.base + v as f64)
    }

    /// When the first and the newest sample kept were read (seconds since 1970).
    pub fn span(&self) -> Option<(u32, u32)> {
        Some((self.values.front()?.0, self.values.back()?.0))
    }

    /// The samples read in the `window` seconds up to `end`, in `n` equal spans of time, each
    /// the largest read in it (None: no read then).
    pub fn buckets(&self, end: u32, window: u32, n: usize) -> Vec<Option<f64>> {
        let mut out = vec![None; n];
        let window = window.max(1);
        let start = end.saturating_sub(window);
        for &(t, v) in self.values.iter().filter(|&&(t, _)| t >= start && t <= end) {
            let i = ((t - start) as u64 * n as u64)
                .div_ceil(window as u64)
                .saturating_sub(1) as usize;
            let v = self.base + v as f64;
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(slot.map_or(v, |s: f64| s.max(v)));
            }
        }
        out
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn bytes(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<(u32, f32)>()
    }
}

/// Seconds since 1970, as the rings keep them.
pub fn seconds(at: DateTime<Utc>) -> u32 {
    at.timestamp().clamp(0, u32::MAX as i64) as u32
}

/// Seconds since 1970 as a sample's value.
fn seconds_of(at: DateTime<Utc>) -> f64 {
    at.timestamp() as f64
}

/// One number per minute for the last [`MINUTES`] minutes, as offsets from `base`; a minute
/// without a value has none.
#[derive(Debug, Clone, PartialEq)]
pub struct Minutes {
    /// The newest minute read (minutes since 1970): the hour ends there.
    newest: u32,
    /// Without `slots`: every minute from this one to the newest holds `base`.
    since: u32,
    base: f64,
    /// Each minute's value, made at the first that is not `base` or leaves a minute out: most
    /// hypertables keep their size for the hour (an hour of slots for each held them for nothing).
    slots: Option<Box<[f32; MINUTES]>>,
}

impl Minutes {
    fn new(minute: u32) -> Minutes {
        Minutes {
            newest: minute,
            since: minute,
            base: f64::NAN,
            slots: None,
        }
    }

    /// The minutes' slots, made from what the series says when there are none yet.
    fn slots(&mut self) -> &mut [f32; MINUTES] {
        let (since, newest, known) = (self.since, self.newest, !self.base.is_nan());
        self.slots.get_or_insert_with(|| {
            let mut slots = Box::new([f32::NAN; MINUTES]);
            let from = since.max(newest.saturating_sub(MINUTES as u32 - 1));
            for m in (from..=newest).filter(|_| known) {
                slots[m as usize % MINUTES] = 0.0;
            }
            slots
        })
    }

    /// Moves the hour on to end at `minute`, clearing the minutes between; a minute more than
    /// an hour before the newest (a clock set back) starts the series again.
    pub fn advance(&mut self, minute: u32) {
        if minute > self.newest {
            if self.slots.is_some() || !self.base.is_nan() {
                let (newest, slots) = (self.newest, self.slots());
                let gap = (minute - newest).min(MINUTES as u32);
                for m in 1..=gap {
                    slots[((newest + m) as usize) % MINUTES] = f32::NAN;
                }
            }
            self.newest = minute;
        } else if self.newest - minute >= MINUTES as u32 {
            *self = Minutes::new(minute);
        }
    }

    /// Keeps `value` as the minute's (the last read of a minute wins), the hour moved on to it.
    pub fn put(&mut self, minute: u32, value: f64) {
        if self.slots.is_none() {
            let first = self.base.is_nan() && minute >= self.newest;
            let same = value == self.base && (minute == self.newest || minute == self.newest + 1);
            if first || same {
                if first {
                    (self.base, self.since) = (value, minute);
                }
                self.newest = minute;
                return;
            }
        }
        self.advance(minute);
        // made before a first value sets the base: until then no minute has one
        self.slots();
        if self.base.is_nan() {
            self.base = value;
        }
        self.slots()[minute as usize % MINUTES] = (value - self.base) as f32;
    }

    /// Adds `value` to the number of an event's minute (refreshes per minute); an event outside
    /// the hour kept is not counted.
    pub fn add(&mut self, minute: u32, value: f64) {
        if minute > self.newest || self.newest - minute >= MINUTES as u32 {
            return;
        }
        self.slots();
        if self.base.is_nan() {
            self.base = 0.0;
        }
        let before = self.at(minute).unwrap_or(0.0);
        self.slots()[minute as usize % MINUTES] = (before + value - self.base) as f32;
    }

    fn at(&self, minute: u32) -> Option<f64> {
        if minute > self.newest || self.newest - minute >= MINUTES as u32 {
            return None;
        }
        let v = match &self.slots {
            Some(slots) => slots[minute as usize % MINUTES],
            None if minute >= self.since => 0.0,
            None => f32::NAN,
        };
        (!v.is_nan() && !self.base.is_nan()).then_some(self.base + v as f64)
    }

    /// The memory it holds besides itself.
    fn heap_bytes(&self) -> usize {
        self.slots
            .as_ref()
            .map_or(0, |s| std::mem::size_of_val(&**s))
    }

    /// The hour ending at the newest minute read, oldest first (None: no value that minute).
    pub fn hour(&self) -> Vec<Option<f64>> {
        (0..MINUTES as u32)
            .rev()
            .map(|back| self.newest.checked_sub(back).and_then(|m| self.at(m)))
            .collect()
    }

    pub fn latest(&self) -> Option<f64> {
        self.at(self.newest)
    }
}

/// A map's slots (each a key, a box and a control byte), its keys' text and its boxes.
fn map_bytes<V>(map: &IdMap<Box<str>, Box<V>>) -> usize {
    let slot = std::mem::size_of::<Box<str>>() + std::mem::size_of::<Box<V>>() + 1;
    map.capacity() * slot
        + map.len() * std::mem::size_of::<V>()
        + map.keys().map(|k| k.len()).sum::<usize>()
}

/// Minutes since 1970, the slot clock.
pub fn minute(at: DateTime<Utc>) -> u32 {
    (at.timestamp().max(0) / 60) as u32
}

/// One continuous aggregate's hour: its lag each minute, and the refreshes seen each minute.
#[derive(Debug, Clone, PartialEq)]
pub struct CaggTrend {
    pub lag: Minutes,
    pub refreshes: Minutes,
    last_success: Option<DateTime<Utc>>,
    /// Its watermark at the last read (internal units): a refresh by hand (from psql, from the
    /// console) moves it and no policy's last success.
    watermark: Option<i64>,
    /// The last refresh the first read saw (not counted: it may be older than the hour).
    first_seen: Option<DateTime<Utc>>,
}

/// Everything remembered. Keys are `schema.name`, as the rows' ids.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Rows inserted per second in this database between two reads of its counter.
    pub ingest: Ring,
    /// The largest lag of any continuous aggregate (seconds its data ends before now).
    pub worst_lag: Ring,
    /// Jobs whose last run failed.
    pub failing_jobs: Ring,
    /// Sessions waiting for a lock.
    pub blocked: Ring,
    /// The database's size on disk.
    pub database_bytes: Ring,
    /// Boxed, as the hypertables' series: a map's spare slots then cost a pointer, not an hour.
    pub caggs: IdMap<Box<str>, Box<CaggTrend>>,
    /// Each hypertable's total size.
    pub hypertable_bytes: IdMap<Box<str>, Box<Minutes>>,
    /// The insert counter last read and when (the server's clock).
    inserted: Option<(DateTime<Utc>, i64)>,
    /// Each sample as it is kept, for the flight recorder (only while `recording`).
    recording: bool,
    recorded: Vec<Sample>,
    /// How far back the pictures reach (`[` `]`), and beyond the hour the recording's samples.
    pub span: zoom::Span,
    pub zoomed: Option<Box<zoom::Zoomed>>,
    /// When the recording was last asked for the span (seconds since 1970).
    zoom_asked: Option<u32>,
}

impl History {
    /// Takes in the series it keeps from the datasets a read just gave a value (`fresh`).
    pub fn observe(&mut self, latest: &Latest, fresh: &[Section], at: DateTime<Utc>) {
        let read = |s: Section| fresh.contains(&s);
        if let Some(s) = latest.summary.value().filter(|_| read(Section::Summary)) {
            self.summary(s);
        }
        if let Some(h) = latest
            .hypertables
            .value()
            .filter(|_| read(Section::Hypertables))
        {
            self.hypertables(h, at);
        }
        if let Some(&b) = latest
            .database_bytes
            .value()
            .filter(|_| read(Section::DatabaseSize))
        {
            self.database_size(b, at);
        }
        if let Some(j) = latest.jobs.value().filter(|_| read(Section::Jobs)) {
            self.jobs(j, at);
        }
        if let Some(c) = latest.caggs.value().filter(|_| read(Section::Caggs)) {
            self.caggs(c, at);
        }
        if let Some(a) = latest.activity.value().filter(|_| read(Section::Activity)) {
            self.activity(a, at);
        }
    }

    pub fn summary(&mut self, s: &Summary) {
        let Some(count) = s.rows_inserted else {
            return;
        };
        if let Some((then, before)) = self.inserted {
            let elapsed = (s.server_now - then).num_milliseconds() as f64 / 1000.0;
            // A reset counter (statistics reset, a restart) gives no rate this once.
            let rows = count.checked_sub(before).filter(|&r| r >= 0);
            if let Some(rows) = rows.filter(|_| elapsed > 0.0) {
                let rate = rows as f64 / elapsed;
                self.ingest.push(s.server_now, rate);
                self.note(Series::Ingest, seconds(s.server_now), rate);
            }
        }
        self.inserted = Some((s.server_now, count));
    }

    pub fn caggs(&mut self, caggs: &[Cagg], at: DateTime<Utc>) {
        let now = minute(at);
        let worst = caggs
            .iter()
            .filter_map(|c| c.lag_seconds)
            .fold(None, |m: Option<f64>, l| Some(m.map_or(l, |m| m.max(l))));
        if let Some(worst) = worst {
            self.worst_lag.push(at, worst);
            self.note(Series::WorstLag, seconds(at), worst);
        }
        self.note(Series::CaggsRead, now * 60, 1.0);
        // a number read is kept at its read's second (the history keeps a minute's last)
        let read_at = seconds(at);
        let mut kept = std::mem::take(&mut self.caggs);
        for c in caggs {
            let key: Box<str> = crate::format::qualified(&c.schema, &c.name).into();
            let mut trend = match kept.remove(&key) {
                Some(trend) => trend,
                None => {
                    if let Some(last) = c.last_success {
                        self.note(
                            Series::CaggLastSuccess(key.clone()),
                            read_at,
                            seconds_of(last),
                        );
                    }
                    Box::new(CaggTrend {
                        lag: Minutes::new(now),
                        refreshes: Minutes::new(now),
                        last_success: c.last_success,
                        watermark: c.watermark_units(),
                        first_seen: c.last_success,
                    })
                }
            };
            // both hours end at this read, refreshed or not: a cagg that stopped refreshing
            // shows its hour emptying
            trend.lag.advance(now);
            trend.refreshes.advance(now);
            trend.refreshes.add(now, 0.0); // read: none seen, rather than not known
            if let Some(lag) = c.lag_seconds {
                trend.lag.put(now, lag);
                self.note(Series::CaggLag(key.clone()), read_at, lag);
            }
            // to the second: a restored trend knows its last refresh to the second
            let by_policy = c.last_success.is_some()
                && c.last_success.map(seconds) != trend.last_success.map(seconds);
            // a watermark moved on: refreshed, by its policy or by hand
            let moved_on = match (c.watermark_units(), trend.watermark) {
                (Some(w), Some(before)) => w > before,
                _ => false,
            };
            trend.watermark = c.watermark_units().or(trend.watermark);
            if by_policy || moved_on {
                let when = match by_policy {
                    true => c.last_success.map_or(now, minute),
                    false => now,
                };
                trend.refreshes.add(when, 1.0);
                self.note(Series::CaggRefreshes(key.clone()), when * 60, 1.0);
            }
            if by_policy {
                trend.last_success = c.last_success;
                if let Some(last) = c.last_success {
                    self.note(
                        Series::CaggLastSuccess(key.clone()),
                        read_at,
                        seconds_of(last),
                    );
                }
            }
            self.caggs.insert(key, trend);
        }
    }

    pub fn jobs(&mut self, jobs: &[Job], at: DateTime<Utc>) {
        let failing = jobs.iter().filter(|j| j.consecutive_failures > 0).count();
        self.failing_jobs.push(at, failing as f64);
        self.note(Series::FailingJobs, seconds(at), failing as f64);
    }

    pub fn activity(&mut self, sessions: &[Backend], at: DateTime<Utc>) {
        let blocked = sessions.iter().filter(|s| s.blocked()).count();
        self.blocked.push(at, blocked as f64);
        self.note(Series::Blocked, seconds(at), blocked as f64);
    }

    pub fn database_size(&mut self, bytes: i64, at: DateTime<Utc>) {
        self.database_bytes.push(at, bytes as f64);
        self.note(Series::DatabaseBytes, seconds(at), bytes as f64);
    }

    pub fn hypertables(&mut self, hypertables: &[Hypertable], at: DateTime<Utc>) {
        let now = minute(at);
        self.note(Series::HypertablesRead, now * 60, 1.0);
        let mut kept = std::mem::take(&mut self.hypertable_bytes);
        for h in hypertables {
            let key: Box<str> = crate::format::qualified(&h.schema, &h.name).into();
            let mut series = kept
                .remove(&key)
                .unwrap_or_else(|| Box::new(Minutes::new(now)));
            let bytes = h.total_bytes as f64;
            // recorded when it changes: a restore carries a size forward through the reads
            if self.recording && series.latest() != Some(bytes) {
                self.note(Series::HypertableBytes(key.clone()), seconds(at), bytes);
            }
            series.put(now, bytes);
            self.hypertable_bytes.insert(key, series);
        }
    }

    /// The memory it holds (its heap, roughly: the maps' slots and keys, the rings' buffers).
    pub fn bytes(&self) -> usize {
        let rings = [
            &self.ingest,
            &self.worst_lag,
            &self.failing_jobs,
            &self.blocked,
            &self.database_bytes,
        ];
        rings.iter().map(|r| r.bytes()).sum::<usize>()
            + map_bytes(&self.caggs)
            + self
                .caggs
                .values()
                .map(|t| t.lag.heap_bytes() + t.refreshes.heap_bytes())
                .sum::<usize>()
            + map_bytes(&self.hypertable_bytes)
            + self
                .hypertable_bytes
                .values()
                .map(|m| m.heap_bytes())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_ring_keeps_the_last_hour_in_time_buckets() {
        let mut r = Ring::default();
        for i in 0..(PULSE_SAMPLES + 10) {
            r.push(at(2 * i as i64), i as f64);
        }
        assert_eq!(r.len(), PULSE_SAMPLES);
        assert_eq!(r.latest(), Some((PULSE_SAMPLES + 9) as f64));
        // four buckets of the last 8 s: two reads each, the larger kept
        let end = seconds(at(2 * (PULSE_SAMPLES as i64 + 9)));
        let b = r.buckets(end, 8, 4);
        assert_eq!(
            b,
            vec![Some(1806.0), Some(1807.0), Some(1808.0), Some(1809.0)]
        );
        assert_eq!(r.buckets(end, 16, 2), vec![Some(1805.0), Some(1809.0)]);
        // reads every 10 minutes are kept for an hour, not for 1,800 reads
        let mut slow = Ring::default();
        for i in 0..10 {
            slow.push(at(600 * i), 1.0);
        }
        assert_eq!(slow.len(), 7, "60 minutes back and the read itself");
        // a clock set back starts again
        slow.push(at(0), 5.0);
        assert_eq!((slow.len(), slow.latest()), (1, Some(5.0)));
    }

    #[test]
    fn large_values_keep_small_changes() {
        let tib = (1u64 << 40) as f64;
        let mut r = Ring::default();
        r.push(at(0), tib);
        r.push(at(2), tib + 16384.0);
        assert_eq!(r.latest(), Some(tib + 16384.0));
        let mut m = Minutes::new(minute(at(0)));
        m.put(minute(at(0)), tib);
        m.put(minute(at(60)), tib + 8192.0);
        assert_eq!(m.latest(), Some(tib + 8192.0));
    }

    #[test]
    fn minutes_keep_an_hour_and_leave_gaps_empty() {
        let mut m = Minutes::new(minute(at(0)));
        m.put(minute(at(0)), 5.0);
        m.put(minute(at(120)), 7.0); // two minutes later: the minute between is empty
        let hour = m.hour();
        assert_eq!(hour.len(), MINUTES);
        assert_eq!(&hour[MINUTES - 3..], &[Some(5.0), None, Some(7.0)]);
        // an hour and more later, the old values are gone
        m.put(minute(at(120 + 3600)), 1.0);
        let hour = m.hour();
        assert_eq!(hour.iter().flatten().count(), 1);
        // an event older than the hour kept is not counted; one in it is
        m.add(minute(at(0)), 9.0);
        assert_eq!(m.hour().iter().flatten().count(), 1);
        m.add(minute(at(120 + 3600)), 2.0);
        assert_eq!(m.latest(), Some(3.0));
        // a read more than an hour before the newest (a clock set back) starts again
        m.put(minute(at(0)), 4.0);
        assert_eq!(
            m.hour().iter().flatten().copied().collect::<Vec<_>>(),
            vec![4.0]
        );
    }

    #[test]
    fn minutes_say_what_a_minute_by_minute_record_says_whether_or_not_their_slots_are_made() {
        // the record: each minute's value, the newest minute, as put, added and advanced
        #[derive(Default)]
        struct Record {
            newest: u32,
            values: std::collections::BTreeMap<u32, f64>,
        }
        impl Record {
            fn advance(&mut self, m: u32) {
                if m > self.newest {
                    self.newest = m;
                } else if self.newest - m >= MINUTES as u32 {
                    (self.newest, self.values) = (m, Default::default());
                }
            }
            fn in_hour(&self, m: u32) -> bool {
                m <= self.newest && self.newest - m < MINUTES as u32
            }
            fn hour(&self) -> Vec<Option<f64>> {
                (0..MINUTES as u32)
                    .rev()
                    .map(|back| self.newest.checked_sub(back))
                    .map(|m| m.filter(|&m| self.in_hour(m)))
                    .map(|m| m.and_then(|m| self.values.get(&m).copied()))
                    .collect()
            }
        }
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut next = |n: u64| rng.below(n);
        let (mut compact, mut steps) = (0, 0);
        for _ in 0..300 {
            let start = 1_000 + next(100) as u32;
            let (mut m, mut r) = (Minutes::new(start), Record::default());
            r.newest = start;
            let mut minute = start;
            for _ in 0..200 {
                // mostly the next minute or the same, now and then a gap, a step back, an hour
                minute = match next(20) {
                    0 => minute + 2 + next(5) as u32,
                    1 => minute.saturating_sub(next(3) as u32),
                    2 => minute + 61,
                    3 => minute.saturating_sub(70),
                    4..=11 => minute + 1,
                    _ => minute,
                };
                // mostly the value before
                let value = [1_000.0, 1_000.0, 1_000.0, 2_000.0][next(4) as usize];
                match next(10) {
                    0 => {
                        m.advance(minute);
                        r.advance(minute);
                    }
                    1 => {
                        m.add(minute, 1.0);
                        if r.in_hour(minute) {
                            *r.values.entry(minute).or_default() += 1.0;
                        }
                    }
                    _ => {
                        m.put(minute, value);
                        r.advance(minute);
                        r.values.insert(minute, value);
                    }
                }
                compact += usize::from(m.slots.is_none());
                steps += 1;
                assert_eq!(m.hour(), r.hour(), "at minute {minute}");
                assert_eq!(m.latest(), r.hour()[MINUTES - 1]);
            }
        }
        // both ways were taken
        assert!(compact > 0 && compact < steps, "{compact} of {steps}");
        // a size that never moves keeps no slots
        let mut m = Minutes::new(start_minute());
        for i in 0..200 {
            m.put(start_minute() + i, 7.0);
        }
        assert!(m.slots.is_none());
        assert_eq!(m.hour(), vec![Some(7.0); MINUTES]);
    }

    fn start_minute() -> u32 {
        minute(at(0))
    }

    #[test]
    fn ingest_is_the_counters_rate_and_a_reset_gives_none() {
        let mut h = History::default();
        let mut s = fixtures::summary();
        s.server_now = at(0);
        s.rows_inserted = Some(1_000);
        h.summary(&s);
        assert!(h.ingest.is_empty(), "one read has no rate");
        s.server_now = at(2);
        s.rows_inserted = Some(5_000);
        h.summary(&s);
        assert_eq!(h.ingest.latest(), Some(2_000.0));
        s.server_now = at(4);
        s.rows_inserted = Some(10);
        h.summary(&s);
        assert_eq!(h.ingest.len(), 1, "a reset counter is no sample");
        s.server_now = at(6);
        s.rows_inserted = Some(110);
        h.summary(&s);
        assert_eq!(h.ingest.latest(), Some(50.0));
    }

    #[test]
    fn caggs_keep_lag_and_count_refreshes_and_dropped_ones_are_forgotten() {
        let mut h = History::default();
        let mut caggs = vec![
            fixtures::cagg("hourly", None, "2026-11-23T00:00:00Z", 0.0),
            fixtures::cagg("daily", None, "2026-11-23T00:00:00Z", 0.0),
        ];
        caggs[0].lag_seconds = Some(600.0);
        caggs[1].lag_seconds = Some(60.0);
        h.caggs(&caggs, at(0));
        assert_eq!(h.worst_lag.latest(), Some(600.0));
        let key: Box<str> = crate::format::qualified(&caggs[0].schema, &caggs[0].name).into();
        caggs[0].last_success = Some(at(90));
        caggs[0].lag_seconds = Some(30.0);
        h.caggs(&caggs, at(100));
        let t = &h.caggs[&key];
        assert_eq!(t.lag.latest(), Some(30.0));
        assert_eq!(t.refreshes.hour().iter().flatten().sum::<f64>(), 1.0);
        // no refresh for an hour: the one seen slides out of the hour shown
        h.caggs(&caggs, at(100 + 3700));
        let t = &h.caggs[&key];
        assert_eq!(t.refreshes.hour().iter().flatten().sum::<f64>(), 0.0);
        h.caggs(&caggs[1..], at(200));
        assert!(!h.caggs.contains_key(&key), "dropped");
        assert_eq!(h.caggs.len(), 1);
    }

    /// A refresh by hand (from psql, from the console's palette) moves the watermark and not
    /// the policy's last success: the picture counts it all the same, at the read that saw it.
    #[test]
    fn a_watermark_moved_on_by_hand_is_a_refresh_seen() {
        let mut h = History::default();
        let mut caggs = vec![fixtures::cagg("hourly", None, "2026-11-23T00:00:00Z", 0.0)];
        let key: Box<str> = crate::format::qualified(&caggs[0].schema, &caggs[0].name).into();
        h.caggs(&caggs, at(0));
        let seen = |h: &History| h.caggs[&key].refreshes.hour().iter().flatten().sum::<f64>();
        assert_eq!(seen(&h), 0.0, "the first read sees none");
        h.caggs(&caggs, at(60));
        assert_eq!(seen(&h), 0.0, "nothing moved");
        caggs[0] = fixtures::cagg("hourly", None, "2026-11-23T23:00:00Z", 0.0);
        h.caggs(&caggs, at(120));
        assert_eq!(seen(&h), 1.0, "moved on by hand");
        // by its policy: the same run counted once, whatever else moved
        caggs[0] = fixtures::cagg("hourly", None, "2026-11-24T00:00:00Z", 0.0);
        caggs[0].last_success = Some(at(170));
        h.caggs(&caggs, at(180));
        assert_eq!(seen(&h), 2.0);
    }

    #[test]
    fn memory_stays_within_a_megabyte_for_an_hour_of_5000_hypertables_50_of_them_growing() {
        let mut h = History::default();
        let mut tables: Vec<Hypertable> = (0..5000)
            .map(|i| fixtures::hypertable(&format!("metrics_{i:05}"), 10, 0, 1 << 20))
            .collect();
        let mut s = fixtures::summary();
        for read in 0..PULSE_SAMPLES as i64 {
            // the catalog pass, slower than the summary: every 30 s
            if read % 15 == 0 {
                for t in tables.iter_mut().take(50) {
                    t.total_bytes += 8192;
                }
                h.hypertables(&tables, at(2 * read));
            }
            s.server_now = at(2 * read);
            s.rows_inserted = Some(read * 100);
            h.summary(&s);
            h.database_size(read, at(2 * read));
        }
        assert_eq!(h.hypertable_bytes.len(), 5000);
        // slots only for the 50 that grew (an hour of slots each was 1.3 MB for all)
        assert!(h.bytes() < 1 << 20, "{} bytes", h.bytes());
    }
}
