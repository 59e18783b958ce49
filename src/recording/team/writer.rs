//! A recorder's writes into the team store: each frame with its section values (each sent once
//! a period of six hours, kept with that period's frames) and, when its minute was not yet
//! stored by another recorder, its samples, in one transaction. While the store cannot be
//! reached the frames wait in a bounded buffer, sent oldest first when it is back.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::schema::{self, Use};
use super::{StoreSession, TargetId};
use crate::conninfo::Resolved;
use crate::history::Sample;
use crate::queries::team_store as sql;
use crate::recording::error::RecordError;
use crate::recording::store::Frame;

/// How many frames wait for a store that is down (a day of minute frames), and their bytes.
pub const BUFFER_FRAMES: usize = 1440;
pub const BUFFER_BYTES: usize = 64 << 20;

/// How often hypertop prunes the store itself (past --max-age where TimescaleDB's retention
/// does not, and --max-size).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// One frame to write, with what identifies it.
#[derive(Debug, Clone)]
pub struct Pending {
    /// The address the recorder reached (`super::address`).
    pub address: String,
    pub target: TargetId,
    pub frame: Frame,
    pub samples: Vec<Sample>,
}

impl Pending {
    fn bytes(&self) -> usize {
        self.frame
            .sections
            .iter()
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>()
            + self.samples.len() * 32
    }
}

/// What became of a frame sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// Stored with its samples.
    Stored,
    /// Its minute was already stored (another recorder's, or this one's resent).
    Taken,
}

/// What `write` did: the frames sent, each with what became of it, how many are still
/// waiting, and the error that stopped the sending (the store down, a right missing).
#[derive(Debug, Default)]
pub struct Flushed {
    pub sent: Vec<(DateTime<Utc>, Sent)>,
    pub waiting: usize,
    /// Frames let go because the buffer was full (the oldest).
    pub dropped: usize,
    pub error: Option<RecordError>,
}

pub struct TeamWriter {
    resolved: Resolved,
    /// Who writes, noted on each frame: the host and the store login.
    recorder: String,
    max_age: Duration,
    max_size: Option<u64>,
    session: Option<StoreSession>,
    buffer: VecDeque<Pending>,
    buffered_bytes: usize,
    /// The values of each target this session has sent, and for which period (a frame's
    /// values are kept with its period's: sent again in the next).
    sent_on: HashMap<(TargetId, [u8; 32]), DateTime<Utc>>,
    /// (address, identity) noted in the targets' table by this session, and when.
    noted: HashMap<(String, TargetId), Instant>,
    pruned_at: Option<Instant>,
    /// The store as the session found it (its retention, its kind).
    found: Option<schema::Store>,
    /// The store's bytes after the last cut for --max-size: its files keep their size after a
    /// delete (the space is used again), so it is cut again only once it grows past them.
    cut_at: Option<u64>,
}

impl TeamWriter {
    pub fn new(resolved: Resolved, max_age: Duration, max_size: Option<u64>) -> TeamWriter {
        let host = hostname();
        let recorder = format!("{host} as {}", resolved.user());
        TeamWriter {
            resolved,
            recorder,
            max_age,
            max_size,
            session: None,
            buffer: VecDeque::new(),
            buffered_bytes: 0,
            sent_on: HashMap::new(),
            noted: HashMap::new(),
            pruned_at: None,
            found: None,
            cut_at: None,
        }
    }

    /// The store's name in messages.
    pub fn store(&self) -> String {
        self.resolved.target_short()
    }

    /// Opens (or re-opens) the session and readies the store for writing: made or upgraded
    /// where this login may, refused where it may not write.
    pub async fn connect(&mut self) -> Result<(), RecordError> {
        if self
            .session
            .as_ref()
            .is_some_and(|s| !s.session.client.is_closed())
        {
            return Ok(());
        }
        self.session = None;
        self.sent_on.clear();
        self.noted.clear();
        let s = StoreSession::open(&self.resolved).await?;
        self.found = Some(schema::ready(&s, Use::Write, self.max_age).await?);
        self.session = Some(s);
        Ok(())
    }

    /// Adds `pending` behind what waits, then sends what waits, oldest first, until the store
    /// fails (what is left waits for the next call).
    pub async fn write(&mut self, pending: Pending) -> Flushed {
        let mut out = Flushed::default();
        self.buffered_bytes += pending.bytes();
        self.buffer.push_back(pending);
        while self.buffer.len() > BUFFER_FRAMES
            || (self.buffered_bytes > BUFFER_BYTES && self.buffer.len() > 1)
        {
            if let Some(p) = self.buffer.pop_front() {
                self.buffered_bytes = self.buffered_bytes.saturating_sub(p.bytes());
                out.dropped += 1;
            }
        }
        if let Err(e) = self.connect().await {
            out.error = Some(e);
            out.waiting = self.buffer.len();
            return out;
        }
        while let Some(p) = self.buffer.pop_front() {
            match self.send(&p).await {
                Ok(sent) => {
                    out.sent.push((p.frame.at, sent));
                    self.buffered_bytes = self.buffered_bytes.saturating_sub(p.bytes());
                }
                Err(e) => {
                    self.buffer.push_front(p);
                    // the session is opened and the store checked again at the next write (a
                    // right revoked, a store upgraded since are told then)
                    self.session = None;
                    out.error = Some(e);
                    break;
                }
            }
        }
        out.waiting = self.buffer.len();
        if out.error.is_none() {
            if let Err(e) = self.prune_if_due().await {
                out.error = Some(e);
            }
        }
        out
    }

    /// One frame in one transaction.
    async fn send(&mut self, p: &Pending) -> Result<Sent, RecordError> {
        let Some(s) = &self.session else {
            return Err(RecordError::NoConnection);
        };
        let client = &s.session.client;
        let period = period_of(p.frame.at);
        let hashes: Vec<[u8; 32]> = p
            .frame
            .sections
            .iter()
            .map(|(_, v)| Sha256::digest(v.as_bytes()).into())
            .collect();
        client
            .batch_execute("BEGIN")
            .await
            .map_err(s.failed("cannot begin a frame"))?;
        // the target's row: at once for an address or identity new to this session, then
        // hourly (readers take the identity last found under an address)
        let key = (p.address.clone(), p.target.clone());
        let note_target = self
            .noted
            .get(&key)
            .is_none_or(|t| t.elapsed() >= PRUNE_EVERY);
        let result = async {
            if note_target {
                client
                    .execute(
                        sql::WRITE_TARGET,
                        &[
                            &p.address,
                            &p.target.system,
                            &p.target.database_oid,
                            &p.target.server(),
                            &p.frame.at,
                        ],
                    )
                    .await
                    .map_err(s.failed("cannot note the target"))?;
            }
            let body = client
                .prepare(sql::WRITE_BODY)
                .await
                .map_err(s.failed("cannot write a section"))?;
            let mut fresh = Vec::new();
            for ((_, value), hash) in p.frame.sections.iter().zip(&hashes) {
                if self.sent_on.get(&(p.target.clone(), *hash)) == Some(&period)
                    || fresh.contains(hash)
                {
                    continue;
                }
                client
                    .execute(
                        &body,
                        &[
                            &p.target.system,
                            &p.target.database_oid,
                            &period,
                            &hash.as_slice(),
                            value,
                        ],
                    )
                    .await
                    .map_err(s.failed("cannot write a section"))?;
                fresh.push(*hash);
            }
            let names: Vec<&str> = p.frame.sections.iter().map(|(n, _)| n.as_str()).collect();
            let bodies: Vec<&[u8]> = hashes.iter().map(|h| h.as_slice()).collect();
            let stored = client
                .query_opt(
                    sql::WRITE_FRAME,
                    &[
                        &p.target.system,
                        &p.target.database_oid,
                        &p.frame.at,
                        &names,
                        &bodies,
                        &self.recorder,
                    ],
                )
                .await
                .map_err(s.failed("cannot write a frame"))?
                .is_some();
            if stored && !p.samples.is_empty() {
                let (series, at, values) = merged(&p.samples);
                client
                    .execute(
                        sql::WRITE_SAMPLES,
                        &[
                            &p.target.system,
                            &p.target.database_oid,
                            &series,
                            &at,
                            &values,
                        ],
                    )
                    .await
                    .map_err(s.failed("cannot write the samples"))?;
            }
            Ok::<_, RecordError>((stored, fresh))
        }
        .await;
        match result {
            Ok((stored, fresh)) => {
                client
                    .batch_execute("COMMIT")
                    .await
                    .map_err(s.failed("cannot commit a frame"))?;
                for h in fresh {
                    self.sent_on.insert((p.target.clone(), h), period);
                }
                if note_target {
                    self.noted.insert(key, Instant::now());
                }
                // the values of periods gone are sent again anyway: only the current is kept
                self.sent_on.retain(|_, sent| *sent >= period);
                Ok(if stored { Sent::Stored } else { Sent::Taken })
            }
            Err(e) => {
                let _ = client.batch_execute("ROLLBACK").await;
                Err(e)
            }
        }
    }

    /// hypertop's own pruning, once an hour: past --max-age (on TimescaleDB its retention
    /// drops the frames; the values no kept day used go here), then, over --max-size, the
    /// oldest twentieth of the time stored (the space freed is used again by the next frames).
    async fn prune_if_due(&mut self) -> Result<(), RecordError> {
        if self.pruned_at.is_some_and(|t| t.elapsed() < PRUNE_EVERY) {
            return Ok(());
        }
        self.pruned_at = Some(Instant::now());
        let Some(s) = &self.session else {
            return Ok(());
        };
        let client = &s.session.client;
        let found = self.found.unwrap_or(schema::Store {
            version: schema::VERSION,
            kept_for: None,
            hypertables: false,
        });
        // the store's own retention (TimescaleDB's drops its hypertables' chunks)
        if let (Some(kept_for), false) = (found.kept_for, found.hypertables) {
            let age = chrono::Duration::from_std(kept_for).unwrap_or(chrono::Duration::MAX);
            let cut = Utc::now().checked_sub_signed(age).unwrap_or_default();
            client
                .query_one(sql::PRUNE, &[&cut])
                .await
                .map_err(s.failed("cannot prune"))?;
        }
        let Some(max) = self.max_size else {
            return Ok(());
        };
        let size = bytes(s).await?;
        if size <= max || self.cut_at.is_some_and(|at| size <= at) {
            return Ok(());
        }
        self.cut_at = Some(size);
        let row = client
            .query_one(sql::OLDEST_MINUTE, &[])
            .await
            .map_err(s.failed("cannot prune"))?;
        let (oldest, newest): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) =
            (row.get("oldest"), row.get("newest"));
        if let (Some(oldest), Some(newest)) = (oldest, newest) {
            let step = ((newest - oldest) / 20).max(chrono::Duration::minutes(1));
            client
                .query_one(sql::PRUNE, &[&(oldest + step)])
                .await
                .map_err(s.failed("cannot prune"))?;
        }
        Ok(())
    }
}

/// The store's bytes: its tables, and its hypertables' chunks, compressed ones included.
pub async fn bytes(s: &StoreSession) -> Result<u64, RecordError> {
    let client = &s.session.client;
    let mut total: i64 = client
        .query_one(sql::STORE_BYTES, &[])
        .await
        .map_err(s.failed("cannot measure the store"))?
        .get(0);
    if let Some(ts) = &s.timescaledb {
        super::schema::own_functions(s).await?;
        let q = crate::queries::render(
            sql::STORE_BYTES_CHUNKS,
            &[("ts", &crate::format::quote_ident(ts))],
        );
        total += client
            .query_one(&q, &[])
            .await
            .map_err(s.failed("cannot measure the store"))?
            .get::<_, i64>(0);
    }
    Ok(u64::try_from(total).unwrap_or(0))
}

/// A frame's samples as three columns, one row a series and second: an event's counts added,
/// another series' last value kept (as the local recording takes them).
fn merged(samples: &[Sample]) -> (Vec<String>, Vec<f64>, Vec<f64>) {
    let mut at: Vec<((String, u32), f64)> = Vec::new();
    let mut index: HashMap<(String, u32), usize> = HashMap::new();
    for s in samples {
        let key = (s.series.key(), s.at);
        match index.get(&key) {
            Some(&i) if s.series.adds() => at[i].1 += s.value,
            Some(&i) => at[i].1 = s.value,
            None => {
                index.insert(key.clone(), at.len());
                at.push((key, s.value));
            }
        }
    }
    let mut series = Vec::with_capacity(at.len());
    let mut seconds = Vec::with_capacity(at.len());
    let mut values = Vec::with_capacity(at.len());
    for ((key, second), value) in at {
        series.push(key);
        seconds.push(f64::from(second));
        values.push(value);
    }
    (series, seconds, values)
}

/// The six hours (from the epoch) a frame's values are kept with (`frame_at.sql` says the same).
fn period_of(at: DateTime<Utc>) -> DateTime<Utc> {
    const PERIOD: i64 = 6 * 3600;
    DateTime::from_timestamp(at.timestamp().div_euclid(PERIOD) * PERIOD, 0).unwrap_or(at)
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length; gethostname NUL-terminates within it or
    // truncates, and the read below stops at the first NUL or the end.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    if !ok {
        return "unknown host".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Series;

    #[test]
    fn a_frames_samples_are_one_row_a_series_and_second() {
        let keys = ["cagg_refreshes/public.daily", "hypertable_bytes/public.m"];
        let series: Vec<Series> = keys.iter().filter_map(|k| Series::from_key(k)).collect();
        assert_eq!(series.len(), 2, "the keys are this build's");
        let (events, size) = (&series[0], &series[1]);
        assert!(events.adds() && !size.adds());
        let s = |series: &Series, at, value| Sample {
            series: series.clone(),
            at,
            value,
        };
        let (names, at, values) = merged(&[
            s(events, 10, 1.0),
            s(size, 10, 5.0),
            s(events, 10, 2.0),
            s(size, 10, 7.0),
            s(size, 11, 8.0),
        ]);
        assert_eq!(names, vec![keys[0], keys[1], keys[1]]);
        assert_eq!(at, vec![10.0, 10.0, 11.0]);
        assert_eq!(values, vec![3.0, 7.0, 8.0]);
    }

    #[test]
    fn a_frames_values_are_kept_with_its_six_hours() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            period_of(at("2026-11-29T05:59:59Z")),
            at("2026-11-29T00:00:00Z")
        );
        assert_eq!(
            period_of(at("2026-11-29T06:00:00Z")),
            at("2026-11-29T06:00:00Z")
        );
        assert_eq!(
            period_of(at("1969-12-31T23:00:00Z")),
            at("1969-12-31T18:00:00Z")
        );
    }
}
