//! What TimescaleDB (2.28+) counts of its compressed chunks' use (`queries/chunk_activity.sql`):
//! writes that had to decompress batches to change rows in them, and how often the bloom filters
//! let such a write skip a batch. Kept per chunk between refreshes (each refresh reads only the
//! chunks active since the last) and summed per hypertable for the Columnstore tab and its
//! advice.

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

use super::structure::IdMap;

/// One chunk's counters, or their sums over a hypertable's chunks.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct ChunkActivity {
    /// The chunks counted (those in TimescaleDB's cache).
    pub chunks: i64,
    /// Compressed batches writes (INSERT … ON CONFLICT, UPDATE, DELETE) decompressed, and the
    /// rows in them.
    pub batches_decompressed: i64,
    pub rows_decompressed: i64,
    /// Batches such a write checked with a bloom filter, those the filter let it skip, and
    /// those it passed that then held no match.
    pub bloom_checked: i64,
    pub bloom_pruned: i64,
    pub bloom_false_positives: i64,
    /// INSERT, UPDATE and DELETE statements on the chunks.
    pub writes: i64,
    /// Since when the oldest of these counts counts, and the last write counted.
    pub since: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

impl ChunkActivity {
    fn from_row(r: &Row) -> Result<((u32, u32), ChunkActivity), tokio_postgres::Error> {
        let compressed: Option<u32> = r.try_get("compressed")?;
        Ok((
            (r.try_get("chunk")?, compressed.unwrap_or(0)),
            ChunkActivity {
                chunks: 1,
                batches_decompressed: r.try_get("batches_decompressed")?,
                rows_decompressed: r.try_get("rows_decompressed")?,
                bloom_checked: r.try_get("bloom_checked")?,
                bloom_pruned: r.try_get("bloom_pruned")?,
                bloom_false_positives: r.try_get("bloom_false_positives")?,
                writes: r.try_get("writes")?,
                since: r.try_get("first_update")?,
                last: r.try_get("last_update")?,
            },
        ))
    }

    pub fn add(&mut self, other: &ChunkActivity) {
        self.chunks += other.chunks;
        self.batches_decompressed += other.batches_decompressed;
        self.rows_decompressed += other.rows_decompressed;
        self.bloom_checked += other.bloom_checked;
        self.bloom_pruned += other.bloom_pruned;
        self.bloom_false_positives += other.bloom_false_positives;
        self.writes += other.writes;
        self.since = earliest(self.since, other.since);
        self.last = self.last.max(other.last);
    }

    /// The share of the batches checked that the bloom filters let a write skip.
    pub fn bloom_pruned_share(&self) -> Option<f64> {
        (self.bloom_checked > 0).then(|| self.bloom_pruned as f64 / self.bloom_checked as f64)
    }
}

fn earliest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// How far back of the last read's time a refresh asks: a write that was under way then is
/// counted when it ends, stamped with a time that can be before the read.
const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(10);

/// The counters kept between refreshes on one connection: each chunk's as last read (by its
/// table, with the compressed table they count), and when.
#[derive(Debug, Default)]
pub struct KeptActivity {
    chunks: IdMap<u32, (u32, ChunkActivity)>,
    read_at: Option<DateTime<Utc>>,
}

impl KeptActivity {
    /// Reads the chunks active since the last read (every chunk counted at the first, and when
    /// `whole`: a chunk TimescaleDB let go of its cache is then let go here too).
    pub async fn read(
        &mut self,
        client: &Client,
        whole: bool,
    ) -> Result<(), tokio_postgres::Error> {
        let since = self.read_at.filter(|_| !whole).map(|at| at - OVERLAP);
        let rows = client
            .query(crate::queries::CHUNK_ACTIVITY, &[&since])
            .await?;
        self.take(&rows, since.is_none())
    }

    fn take(&mut self, rows: &[Row], whole: bool) -> Result<(), tokio_postgres::Error> {
        if whole {
            self.chunks.clear();
        }
        for r in rows {
            let ((chunk, compressed), activity) = ChunkActivity::from_row(r)?;
            self.chunks.insert(chunk, (compressed, activity));
            self.read_at = self.read_at.max(r.try_get("read_at")?);
        }
        // (no row: the next asks from the same time again, the server's clock alone deciding)
        Ok(())
    }

    /// The counters summed by hypertable, over `chunks` (each chunk's table, its compressed
    /// table and its hypertable, as the structure knows them): a chunk dropped since is left
    /// out, and so is one decompressed (or compressed again: its counts begin anew), as
    /// TimescaleDB leaves them out.
    pub fn by_hypertable(
        &self,
        chunks: impl Iterator<Item = (u32, u32, i32)>,
    ) -> IdMap<i32, ChunkActivity> {
        let mut sums: IdMap<i32, ChunkActivity> = IdMap::default();
        if self.chunks.is_empty() {
            return sums;
        }
        for (table, compressed, hypertable) in chunks {
            match self.chunks.get(&table) {
                Some((counted, a)) if *counted == compressed && compressed != 0 => {
                    sums.entry(hypertable).or_default().add(a)
                }
                _ => {}
            }
        }
        sums
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(decompressed: i64, checked: i64, pruned: i64) -> ChunkActivity {
        ChunkActivity {
            chunks: 1,
            batches_decompressed: decompressed,
            bloom_checked: checked,
            bloom_pruned: pruned,
            ..Default::default()
        }
    }

    #[test]
    fn sums_add_up_and_the_share_needs_a_check() {
        let mut sum = ChunkActivity::default();
        assert_eq!(sum.bloom_pruned_share(), None);
        sum.add(&counted(3, 10, 9));
        sum.add(&counted(4, 30, 1));
        assert_eq!((sum.chunks, sum.batches_decompressed), (2, 7));
        assert_eq!(sum.bloom_pruned_share(), Some(0.25));
    }

    #[test]
    fn only_chunks_still_compressed_as_counted_are_summed() {
        let mut kept = KeptActivity::default();
        kept.chunks.insert(10, (110, counted(5, 0, 0)));
        kept.chunks.insert(11, (111, counted(7, 0, 0)));
        kept.chunks.insert(12, (112, counted(9, 0, 0)));
        kept.chunks.insert(20, (120, counted(1, 0, 0)));
        // 11 decompressed since, 12 compressed again (a new table: its counts begin anew), 13
        // never counted, 20 of another hypertable
        let chunks = [
            (10, 110, 1),
            (11, 0, 1),
            (12, 212, 1),
            (13, 113, 1),
            (20, 120, 2),
        ];
        let sums = kept.by_hypertable(chunks.into_iter());
        assert_eq!((sums[&1].chunks, sums[&1].batches_decompressed), (1, 5));
        assert_eq!(sums[&2].batches_decompressed, 1);
        // a chunk dropped since is not in the structure: nothing of it
        let sums = kept.by_hypertable([(20, 120, 2)].into_iter());
        assert!(!sums.contains_key(&1));
    }

    #[test]
    fn the_earliest_since_and_the_latest_write() {
        let at = |s| DateTime::from_timestamp(s, 0);
        let mut sum = ChunkActivity::default();
        for (since, last) in [(20, 30), (10, 25)] {
            sum.add(&ChunkActivity {
                since: at(since),
                last: at(last),
                ..Default::default()
            });
        }
        assert_eq!((sum.since, sum.last), (at(10), at(30)));
    }
}
