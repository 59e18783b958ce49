//! What TimescaleDB (2.28+) counts of the writes into its compressed chunks
//! (`queries/chunk_activity.sql`): the batches UPDATE, DELETE and upserts had to read, those
//! deleted whole, and how often the bloom filters let a write skip a batch or passed one that
//! held no match. A refresh reads the chunks whose counts moved since the last (every chunk once
//! a minute), summed per hypertable for the Columnstore tab and its advice.

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

use super::structure::IdMap;

/// One chunk's counters, or their sums over a hypertable's chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ChunkActivity {
    /// The chunks counted (those a write touched, in TimescaleDB's cache).
    pub chunks: i64,
    /// Compressed batches writes read (those the scan's keys left out are not counted): each
    /// decompressed, unless a filter (the min/max, a bloom filter) skipped it or it was
    /// deleted whole.
    pub batches_read: i64,
    pub batches_deleted: i64,
    /// Batches a bloom filter let a write skip, and batches it passed that held no match (each
    /// decompressed for nothing).
    pub bloom_pruned: i64,
    pub bloom_false_positives: i64,
    /// Since when the oldest of these counts counts.
    pub since: Option<DateTime<Utc>>,
}

impl ChunkActivity {
    /// One row's chunk and counts; None for the row that says only the bound.
    fn from_row(r: &Row) -> Result<Option<Counted>, tokio_postgres::Error> {
        let Some(chunk) = r.try_get("chunk")? else {
            return Ok(None);
        };
        let compressed: Option<u32> = r.try_get("compressed")?;
        Ok(Some(Counted {
            chunk,
            compressed: compressed.unwrap_or(0),
            activity: ChunkActivity {
                chunks: 1,
                batches_read: r.try_get("batches_read")?,
                batches_deleted: r.try_get("batches_deleted")?,
                bloom_pruned: r.try_get("bloom_pruned")?,
                bloom_false_positives: r.try_get("bloom_false_positives")?,
                since: r.try_get("first_update")?,
            },
        }))
    }

    pub fn add(&mut self, other: &ChunkActivity) {
        self.chunks = self.chunks.saturating_add(other.chunks);
        self.batches_read = self.batches_read.saturating_add(other.batches_read);
        self.batches_deleted = self.batches_deleted.saturating_add(other.batches_deleted);
        self.bloom_pruned = self.bloom_pruned.saturating_add(other.bloom_pruned);
        self.bloom_false_positives = self
            .bloom_false_positives
            .saturating_add(other.bloom_false_positives);
        self.since = match (self.since, other.since) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }

    /// Of the batches without a match a bloom filter judged, the share it let the write skip
    /// (the rest it passed, and they were decompressed for nothing).
    pub fn bloom_skipped_share(&self) -> Option<f64> {
        let judged = self.bloom_pruned.saturating_add(self.bloom_false_positives);
        (judged > 0).then(|| self.bloom_pruned as f64 / judged as f64)
    }
}

/// One chunk's counters, with its table and the compressed table they count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Counted {
    chunk: u32,
    compressed: u32,
    activity: ChunkActivity,
}

/// The chunks whose counts moved since `since` (None: every chunk a write touched), as
/// TimescaleDB counts them now, with the bound to ask from next (`statement`: the refresh keeps
/// it prepared, so each run is one round trip and is not planned again).
pub async fn read(
    client: &Client,
    statement: &tokio_postgres::Statement,
    since: Option<DateTime<Utc>>,
) -> Result<Read, tokio_postgres::Error> {
    let rows = client.query(statement, &[&since]).await?;
    let bound = match rows.first() {
        Some(r) => r.try_get("bound")?,
        None => None,
    };
    let mut counted = Vec::with_capacity(rows.len());
    for r in &rows {
        counted.extend(ChunkActivity::from_row(r)?);
    }
    Ok(Read { bound, counted })
}

/// One read's answer: the chunks counted, and since when the next read asks.
#[derive(Debug, Default)]
pub struct Read {
    bound: Option<DateTime<Utc>>,
    counted: Vec<Counted>,
}

/// Every chunk is read whole this often: a write running longer than this is counted then,
/// and an entry TimescaleDB let go of its cache (or counts reset) goes.
pub const WHOLE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The counts kept between refreshes, by chunk: those read since a bound replace theirs.
#[derive(Debug, Default)]
pub struct Kept {
    counted: Vec<Counted>,
    bound: Option<DateTime<Utc>>,
    whole_at: Option<std::time::Instant>,
}

impl Kept {
    /// Since when the next read asks: None (every chunk) at first and once a minute.
    pub fn since(&self, now: std::time::Instant) -> Option<DateTime<Utc>> {
        let due = (self.whole_at).is_none_or(|at| now.duration_since(at) >= WHOLE_EVERY);
        self.bound.filter(|_| !due)
    }

    /// `read`, asked from `since`, taken in (pure): every chunk when it was asked from none,
    /// else the chunks it names replacing theirs. A read that failed (None) keeps nothing:
    /// the next reads every chunk.
    pub fn take(
        &mut self,
        read: Option<Read>,
        since: Option<DateTime<Utc>>,
        now: std::time::Instant,
    ) {
        let Some(read) = read else {
            *self = Kept::default();
            return;
        };
        match since {
            None => {
                self.counted = read.counted;
                self.whole_at = Some(now);
            }
            Some(_) => {
                let moved: IdMap<u32, Counted> =
                    read.counted.into_iter().map(|c| (c.chunk, c)).collect();
                for c in &mut self.counted {
                    if let Some(now) = moved.get(&c.chunk) {
                        *c = *now;
                    }
                }
                let kept: std::collections::HashSet<u32> =
                    self.counted.iter().map(|c| c.chunk).collect();
                (self.counted).extend(moved.into_values().filter(|c| !kept.contains(&c.chunk)));
            }
        }
        self.bound = read.bound;
    }

    pub fn counted(&self) -> &[Counted] {
        &self.counted
    }
}

/// The counters summed by hypertable, over `chunks` (each chunk's table, its compressed table
/// and its hypertable, as the structure knows them): a chunk counted under another compressed
/// table than the structure's (compressed again since) is left out.
pub fn by_hypertable(
    counted: &[Counted],
    chunks: impl Iterator<Item = (u32, u32, i32)>,
) -> IdMap<i32, ChunkActivity> {
    let mut sums: IdMap<i32, ChunkActivity> = IdMap::default();
    if counted.is_empty() {
        return sums;
    }
    let of: IdMap<u32, &Counted> = counted.iter().map(|c| (c.chunk, c)).collect();
    for (table, compressed, hypertable) in chunks {
        match of.get(&table) {
            Some(c) if c.compressed == compressed && compressed != 0 => {
                sums.entry(hypertable).or_default().add(&c.activity)
            }
            _ => {}
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(read: i64, pruned: i64, missed: i64) -> ChunkActivity {
        ChunkActivity {
            chunks: 1,
            batches_read: read,
            bloom_pruned: pruned,
            bloom_false_positives: missed,
            ..Default::default()
        }
    }

    #[test]
    fn sums_add_up_and_the_share_needs_a_judgement() {
        let mut sum = ChunkActivity::default();
        assert_eq!(sum.bloom_skipped_share(), None);
        sum.add(&counted(3, 9, 1));
        sum.add(&counted(4, 1, 9));
        assert_eq!((sum.chunks, sum.batches_read), (2, 7));
        assert_eq!(sum.bloom_skipped_share(), Some(0.5));
        sum.add(&counted(i64::MAX, 0, 0));
        assert_eq!(sum.batches_read, i64::MAX, "saturates");
    }

    #[test]
    fn only_chunks_still_compressed_as_counted_are_summed() {
        let c = |chunk, compressed, read| Counted {
            chunk,
            compressed,
            activity: counted(read, 0, 0),
        };
        let counted = [c(10, 110, 5), c(12, 112, 9), c(20, 120, 1)];
        // 11 never counted, 12 compressed again (another table), 20 of another hypertable
        let chunks = [(10, 110, 1), (11, 111, 1), (12, 212, 1), (20, 120, 2)];
        let sums = by_hypertable(&counted, chunks.into_iter());
        assert_eq!((sums[&1].chunks, sums[&1].batches_read), (1, 5));
        assert_eq!(sums[&2].batches_read, 1);
    }

    /// Asked since a bound, the chunks read replace theirs and the new ones join; every
    /// chunk is asked for at first, once a minute and after a read that failed.
    #[test]
    fn chunks_read_since_replace_theirs_and_every_chunk_is_read_each_minute() {
        let c = |chunk, read| Counted {
            chunk,
            compressed: chunk + 100,
            activity: counted(read, 0, 0),
        };
        let at = |s| DateTime::from_timestamp(s, 0);
        let start = std::time::Instant::now();
        let mut kept = Kept::default();
        assert_eq!(kept.since(start), None, "every chunk at first");
        let whole = Read {
            bound: at(100),
            counted: vec![c(10, 1), c(11, 2)],
        };
        kept.take(Some(whole), None, start);
        assert_eq!(kept.since(start), at(100));
        let moved = Read {
            bound: at(102),
            counted: vec![c(11, 5), c(12, 7)],
        };
        kept.take(Some(moved), at(100), start);
        let mut now: Vec<(u32, i64)> = (kept.counted().iter())
            .map(|c| (c.chunk, c.activity.batches_read))
            .collect();
        now.sort_unstable();
        assert_eq!(now, [(10, 1), (11, 5), (12, 7)]);
        assert_eq!(kept.since(start), at(102));
        assert_eq!(
            kept.since(start + WHOLE_EVERY),
            None,
            "a minute on: every chunk"
        );
        kept.take(None, at(102), start);
        assert!(
            kept.counted().is_empty() && kept.since(start).is_none(),
            "failed"
        );
    }

    #[test]
    fn the_earliest_since() {
        let at = |s| DateTime::from_timestamp(s, 0);
        let mut sum = ChunkActivity::default();
        for since in [20, 10] {
            sum.add(&ChunkActivity {
                since: at(since),
                ..Default::default()
            });
        }
        assert_eq!(sum.since, at(10));
    }
}
