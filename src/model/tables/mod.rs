//! The Hypertables, Compression and Retention tabs: one row per hypertable or continuous
//! aggregate (`queries/tables.sql`), its chunks counted, sized and judged here from the kept
//! chunk structure and the numbers read on every refresh of the catalog pass (see
//! [`super::catalog`]), then split into each tab's rows.

use chrono::{DateTime, Utc};
use tokio_postgres::Row;

use std::sync::Arc;

use super::compression::{Compression, CompressionDefinition};
use super::hypertables::{Hypertable, HypertableDefinition};
use super::names::{Interner, Name};
use super::retention::{Retention, RetentionDefinition};
use super::rows::{array, Bound};
use super::sizes::{Sizes, TableBytes};
use super::structure::IdMap;

mod listed;

pub use listed::{build, ListedRelation, ListedRelations, Places, PolicyClock};
/// The three tabs' rows from one read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tables {
    pub hypertables: Vec<Hypertable>,
    pub compression: Vec<Compression>,
    pub retention: Vec<Retention>,
}

/// A hypertable's compression settings as `ALTER TABLE … SET` takes them
/// (`queries/compression_settings.sql`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompressionSettings {
    pub segmentby: Option<Name>,
    pub orderby: Option<Name>,
}

impl CompressionSettings {
    /// Each hypertable's, by TimescaleDB id.
    pub fn from_rows(
        rows: &[Row],
    ) -> Result<IdMap<i32, CompressionSettings>, tokio_postgres::Error> {
        let mut names = Interner::default();
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("hypertable_id")?,
                    CompressionSettings {
                        segmentby: names.optional(r, "segmentby")?,
                        orderby: names.optional(r, "orderby")?,
                    },
                ))
            })
            .collect()
    }
}

/// What DDL changes about the chunks: read again only when a relation was created or dropped.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(from = "Vec<ChunkShape>")]
pub struct ChunkStructure {
    /// By hypertable, then id: a hypertable's chunks side by side, so that a refresh takes their
    /// median one hypertable at a time (every chunk's size listed and sorted on each refresh
    /// was one more list, held beside the read's new rows).
    chunks: Vec<ChunkShape>,
}

/// A chunk's place: its hypertable, tables and range in the primary dimension (internal time).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ChunkShape {
    pub id: i32,
    pub hypertable_id: i32,
    pub table: u32,
    /// Its compressed data's table (0: none).
    pub compressed: u32,
    pub range_start: i64,
    pub range_end: i64,
    pub created: Option<DateTime<Utc>>,
    /// Its attribute slots (`relnatts`): fewer than its hypertable's when a column had been
    /// dropped before it was created, and then it numbers its columns differently.
    pub columns: i16,
    /// An OSM chunk (tiered storage, or a table attached as one): its bytes count in its
    /// hypertable's size, as hypertable_detailed_size counts them, and nothing else.
    pub osm: bool,
}

/// On disk, the chunks alone.
impl serde::Serialize for ChunkStructure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.chunks.serialize(s)
    }
}

impl From<Vec<ChunkShape>> for ChunkStructure {
    /// As kept on disk: in any order.
    fn from(chunks: Vec<ChunkShape>) -> ChunkStructure {
        ChunkStructure::new(chunks)
    }
}

impl ChunkStructure {
    /// One row of `queries/table_chunks.sql`'s arrays: its chunks, their ranges not known yet.
    pub fn add_chunks(chunks: &mut Vec<ChunkShape>, r: &Row) -> Result<(), tokio_postgres::Error> {
        let ids: Vec<i32> = array(r, "ids")?;
        let hypertables: Vec<i32> = array(r, "hypertable_ids")?;
        let oids: Vec<u32> = array(r, "tables")?;
        let compressed: Vec<u32> = array(r, "compressed")?;
        let columns: Vec<i16> = array(r, "columns")?;
        let created: Vec<Option<DateTime<Utc>>> = array(r, "created")?;
        let osm: Vec<bool> = array(r, "osm")?;
        chunks.extend(
            ids.into_iter()
                .zip(hypertables)
                .zip(oids.into_iter().zip(compressed))
                .zip(columns.into_iter().zip(created))
                .zip(osm)
                .map(
                    |((((id, hypertable_id), (table, compressed)), (columns, created)), osm)| {
                        ChunkShape {
                            id,
                            hypertable_id,
                            table,
                            compressed,
                            range_start: 0,
                            range_end: 0,
                            created,
                            columns,
                            osm,
                        }
                    },
                ),
        );
        Ok(())
    }

    /// One row of `queries/chunk_ranges.sql`'s arrays: (chunk id, start, end) of its chunks.
    pub fn add_ranges(
        ranges: &mut Vec<(i32, i64, i64)>,
        r: &Row,
    ) -> Result<(), tokio_postgres::Error> {
        let ids: Vec<i32> = array(r, "chunk_ids")?;
        let starts: Vec<i64> = array(r, "range_starts")?;
        let ends: Vec<i64> = array(r, "range_ends")?;
        ranges.extend(
            ids.into_iter()
                .zip(starts.into_iter().zip(ends))
                .map(|(id, (start, end))| (id, start, end)),
        );
        Ok(())
    }

    /// The chunks with their ranges (pure): a chunk without a range in its primary dimension
    /// is left out, but for an OSM chunk (only its size counts). By a binary search over the
    /// ranges sorted (a map of them took more memory).
    pub fn of(mut chunks: Vec<ChunkShape>, mut ranges: Vec<(i32, i64, i64)>) -> ChunkStructure {
        ranges.sort_unstable_by_key(|r| r.0);
        chunks.retain_mut(|c| match ranges.binary_search_by_key(&c.id, |r| r.0) {
            Ok(i) => {
                (c.range_start, c.range_end) = (ranges[i].1, ranges[i].2);
                true
            }
            Err(_) => c.osm,
        });
        ChunkStructure::new(chunks)
    }

    /// The structure of `chunks`, in any order.
    pub fn new(mut chunks: Vec<ChunkShape>) -> ChunkStructure {
        chunks.sort_unstable_by_key(|c| (c.hypertable_id, c.id));
        chunks.shrink_to_fit();
        ChunkStructure { chunks }
    }

    /// Every chunk, a hypertable's side by side.
    pub fn chunks(&self) -> &[ChunkShape] {
        &self.chunks
    }

    /// Its chunks, given up.
    pub fn into_chunks(self) -> Vec<ChunkShape> {
        self.chunks
    }

    /// A hypertable's chunks (side by side, by id: found by a binary search).
    pub fn of_hypertable(&self, id: i32) -> &[ChunkShape] {
        let start = self.chunks.partition_point(|c| c.hypertable_id < id);
        let end = start + self.chunks[start..].partition_point(|c| c.hypertable_id == id);
        &self.chunks[start..end]
    }
}

/// What a refresh reads flat besides every relation's size: which chunks are compressed, the
/// compression snapshot. Sorted by chunk id and found by a binary search (as hashed, the
/// compressed chunks took more room, beside a read's other new values).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkNumbers {
    compressed_chunks: Vec<i32>,
    /// Compressed chunks written into since (status partial or unordered): their new rows stay
    /// uncompressed until the chunk is compressed again.
    partial_chunks: Vec<i32>,
    /// Of those, the ones whose batches are only out of order (status unordered, not partial):
    /// compact_chunk orders them where the server has it.
    unordered_chunks: Vec<i32>,
    compressed: Vec<(i32, CompressedSize)>,
}

impl ChunkNumbers {
    /// From the ids of the compressed and of the partial chunks, and each compressed one's
    /// snapshot, in any order.
    pub fn new(
        mut compressed_chunks: Vec<i32>,
        mut partial_chunks: Vec<i32>,
        mut compressed: Vec<(i32, CompressedSize)>,
    ) -> ChunkNumbers {
        for ids in [&mut compressed_chunks, &mut partial_chunks] {
            ids.sort_unstable();
            ids.dedup();
        }
        compressed.sort_unstable_by_key(|c| c.0);
        compressed.dedup_by_key(|c| c.0);
        ChunkNumbers {
            compressed_chunks,
            partial_chunks,
            unordered_chunks: Vec::new(),
            compressed,
        }
    }

    /// With the ids of the chunks whose batches are only out of order, in any order.
    pub fn with_unordered(mut self, mut ids: Vec<i32>) -> ChunkNumbers {
        ids.sort_unstable();
        ids.dedup();
        self.unordered_chunks = ids;
        self
    }

    /// From `queries/chunk_status.sql`'s and `queries/compressed_sizes.sql`'s rows.
    pub fn from_rows(status: &Row, sizes: &Row) -> Result<ChunkNumbers, tokio_postgres::Error> {
        let ids: Vec<i32> = array(sizes, "chunk_ids")?;
        let column = |name| array::<i64>(sizes, name);
        let (before, after) = (column("before")?, column("after")?);
        // arrays of one query have one length; a shorter one reads as zeros rather than panics
        let at = |v: &[i64], i: usize| v.get(i).copied().unwrap_or_default();
        let compressed = ids
            .into_iter()
            .enumerate()
            .map(|(i, id)| {
                (
                    id,
                    CompressedSize {
                        before: at(&before, i),
                        after: at(&after, i),
                    },
                )
            })
            .collect();
        Ok(ChunkNumbers::new(
            array(status, "compressed")?,
            array(status, "partial")?,
            compressed,
        )
        .with_unordered(array(status, "unordered")?))
    }

    pub fn is_compressed(&self, chunk: i32) -> bool {
        self.compressed_chunks.binary_search(&chunk).is_ok()
    }

    pub fn is_partial(&self, chunk: i32) -> bool {
        self.partial_chunks.binary_search(&chunk).is_ok()
    }

    pub fn is_unordered(&self, chunk: i32) -> bool {
        self.unordered_chunks.binary_search(&chunk).is_ok()
    }

    /// Its snapshot (zeros when it has none).
    /// None where TimescaleDB recorded none (a chunk not compressed, or compressed without a
    /// record: its statistics then say NULL, not 0).
    pub fn compressed_size(&self, chunk: i32) -> Option<CompressedSize> {
        match self.compressed.binary_search_by_key(&chunk, |c| c.0) {
            Ok(i) => Some(self.compressed[i].1),
            Err(_) => None,
        }
    }
}

/// A compressed chunk's sizes before and after compression, from TimescaleDB's snapshot taken
/// when it was compressed (what `hypertable_compression_stats` reports).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CompressedSize {
    pub before: i64,
    pub after: i64,
}

/// A relation's compression and retention thresholds: a chunk is due when its range ends at or
/// before `*_upto` (internal time) or it was created before `*_created`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChunkDue {
    pub compress_upto: Option<i64>,
    pub compress_created: Option<DateTime<Utc>>,
    pub drop_upto: Option<i64>,
    pub drop_created: Option<DateTime<Utc>>,
}

/// One hypertable's chunks summed and judged.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ChunkTotals {
    pub chunks: i64,
    pub compressed_chunks: i64,
    /// On disk, as `hypertable_detailed_size` counts: the hypertable's own table and every
    /// chunk's, compressed data included.
    pub bytes: TableBytes,
    /// Internal time (or integers) of the earliest start and latest end.
    pub range_start: Option<i64>,
    pub range_end: Option<i64>,
    /// Sums of the compressed chunks' sizes before and after compression; None where no chunk
    /// has them (as hypertable_compression_stats says NULL, not 0).
    pub before_bytes: Option<i64>,
    pub after_bytes: Option<i64>,
    pub backlog_chunks: i64,
    pub backlog_bytes: i64,
    pub overdue_chunks: i64,
    pub overdue_bytes: i64,
    /// The newest chunks (those starting latest; several with space partitions), on disk with
    /// their indexes: what is being written now, if anything is.
    pub newest_start: Option<i64>,
    pub newest_end: Option<i64>,
    pub newest_bytes: i64,
    /// The median chunk's size as written: a compressed chunk's size before compression.
    pub median_chunk_bytes: i64,
    /// Uncompressed chunks older than a compressed one: decompressed (or skipped) and not
    /// compressed again.
    pub uncompressed_between: i64,
    /// Compressed chunks written into since they were compressed.
    /// Of those, the ones only out of order (as direct compress writes them).
    pub unordered_chunks: i64,
    pub partial_chunks: i64,
}

/// Each hypertable's own table, by TimescaleDB id (sorted: found by a binary search).
#[derive(Debug, Default)]
pub struct Roots(Vec<(i32, u32)>);

impl Roots {
    pub fn new(roots: impl IntoIterator<Item = (i32, u32)>) -> Roots {
        let mut roots: Vec<(i32, u32)> = roots.into_iter().collect();
        roots.sort_unstable_by_key(|r| r.0);
        Roots(roots)
    }

    fn of(&self, id: i32) -> Option<u32> {
        let at = self.0.binary_search_by_key(&id, |r| r.0).ok()?;
        Some(self.0[at].1)
    }
}

/// One hypertable's chunks summed (pure): their sizes on disk (compressed data included) with
/// the hypertable's own table, the compression snapshot, the compression backlog (uncompressed
/// and due by `limits`) and what retention should have dropped. A chunk whose table is gone
/// since the structure was read is left out. `written` is room for the chunks' sizes as
/// written, for their median (one hypertable's at a time: each one's totals are made where its
/// row is, none kept for all of them: every hypertable's totals and thresholds held at once
/// added to the catalog pass's peak).
pub fn chunk_totals(
    id: i32,
    roots: &Roots,
    structure: &ChunkStructure,
    sizes: &Sizes,
    numbers: &ChunkNumbers,
    limits: &ChunkDue,
    written: &mut Vec<i64>,
) -> ChunkTotals {
    let mut t = ChunkTotals::default();
    if let Some(oid) = roots.of(id) {
        t.bytes += sizes.table(oid);
    }
    let chunks = structure.of_hypertable(id);
    let present = || chunks.iter().filter(|c| sizes.knows(c.table));
    written.clear();
    // the newest compressed chunk's start: an uncompressed chunk that ends before it is one
    // skipped or decompressed (the policy compresses oldest first)
    let mut newest_compressed = i64::MIN;
    for c in present() {
        let compressed = numbers.is_compressed(c.id);
        let size = numbers.compressed_size(c.id);
        let mut bytes = sizes.table(c.table);
        if c.compressed != 0 {
            bytes += sizes.table(c.compressed);
        }
        // an OSM chunk counts in the size alone: its range (tiered, or a sentinel) and its
        // state are not this hypertable's chunks'
        if c.osm {
            t.bytes += bytes;
            continue;
        }
        let due = |upto: Option<i64>, created: Option<DateTime<Utc>>| {
            upto.is_some_and(|u| c.range_end <= u)
                || matches!((c.created, created), (Some(at), Some(before)) if at <= before)
        };
        t.chunks += 1;
        t.compressed_chunks += i64::from(compressed);
        t.bytes += bytes;
        t.range_start = Some(
            t.range_start
                .map_or(c.range_start, |s| s.min(c.range_start)),
        );
        t.range_end = Some(t.range_end.map_or(c.range_end, |e| e.max(c.range_end)));
        if let Some(size) = size {
            t.before_bytes = Some(t.before_bytes.unwrap_or(0) + size.before);
            t.after_bytes = Some(t.after_bytes.unwrap_or(0) + size.after);
        }
        if !compressed && due(limits.compress_upto, limits.compress_created) {
            t.backlog_chunks += 1;
            t.backlog_bytes += bytes.total();
        }
        if due(limits.drop_upto, limits.drop_created) {
            t.overdue_chunks += 1;
            t.overdue_bytes += bytes.total();
        }
        t.partial_chunks += i64::from(numbers.is_partial(c.id));
        t.unordered_chunks += i64::from(numbers.is_unordered(c.id));
        match t.newest_start {
            Some(start) if start > c.range_start => {}
            Some(start) if start == c.range_start => t.newest_bytes += bytes.total(),
            _ => {
                t.newest_start = Some(c.range_start);
                t.newest_end = Some(c.range_end);
                t.newest_bytes = bytes.total();
            }
        }
        // (a compressed chunk without a record: only its size now is known)
        written.push(match size {
            Some(size) if compressed => size.before,
            _ => bytes.total(),
        });
        if compressed {
            newest_compressed = newest_compressed.max(c.range_start);
        }
    }
    if !written.is_empty() {
        let middle = written.len() / 2;
        t.median_chunk_bytes = *written.select_nth_unstable(middle).1;
    }
    if newest_compressed != i64::MIN {
        t.uncompressed_between = present()
            .filter(|c| !c.osm && c.range_end <= newest_compressed && !numbers.is_compressed(c.id))
            .count() as i64;
    }
    t
}

/// A range bound as shown: a time (the open-ended sentinels left out), or an integer.
fn bound(internal: Option<i64>, integer_time: bool, sentinel: i64) -> Option<Bound> {
    match internal? {
        v if integer_time => Some(Bound::Int(v)),
        v if v == sentinel => None,
        v => DateTime::from_timestamp_micros(v).map(Bound::Time),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sizes::RelationSlots;

    /// Each of `limits`' hypertables summed as [`build`] sums it, by id.
    fn totals(
        structure: &ChunkStructure,
        roots: impl IntoIterator<Item = (i32, u32)>,
        sizes: &Sizes,
        numbers: &ChunkNumbers,
        limits: &[(i32, ChunkDue)],
    ) -> IdMap<i32, ChunkTotals> {
        let (roots, mut written) = (Roots::new(roots), Vec::new());
        (limits.iter())
            .map(|(id, l)| {
                let t = chunk_totals(*id, &roots, structure, sizes, numbers, l, &mut written);
                (*id, t)
            })
            .collect()
    }

    fn chunk(id: i32, hypertable_id: i32, table: u32, range_end: i64) -> ChunkShape {
        ChunkShape {
            id,
            hypertable_id,
            table,
            compressed: 0,
            range_start: range_end - 10,
            range_end,
            created: None,
            columns: 3,
            osm: false,
        }
    }

    #[test]
    fn chunk_numbers_answer_as_sets_and_a_map_of_the_same_ids() {
        let mut rng = crate::testing::Xorshift(0x5eed_c0de);
        for _ in 0..200 {
            let n = rng.below(60) as usize;
            let mut ids = || {
                (0..n)
                    .map(|_| rng.below(80) as i32 - 10)
                    .collect::<Vec<_>>()
            };
            let (compressed, partial) = (ids(), ids());
            let sizes: Vec<(i32, CompressedSize)> = compressed
                .iter()
                .map(|&id| {
                    let before = id as i64 * 1000;
                    (
                        id,
                        CompressedSize {
                            before,
                            after: before / 7,
                        },
                    )
                })
                .collect();
            let numbers = ChunkNumbers::new(compressed.clone(), partial.clone(), sizes.clone());
            let sizes: IdMap<i32, CompressedSize> = sizes.into_iter().collect();
            for id in -12..72 {
                assert_eq!(numbers.is_compressed(id), compressed.contains(&id), "{id}");
                assert_eq!(numbers.is_partial(id), partial.contains(&id), "{id}");
                assert_eq!(numbers.compressed_size(id), sizes.get(&id).copied(), "{id}");
            }
        }
    }

    #[test]
    fn chunks_are_summed_and_judged_per_hypertable() {
        let mut compressed = chunk(1, 1, 100, 10);
        compressed.compressed = 110;
        let structure = ChunkStructure::new(vec![
            compressed,
            chunk(2, 1, 200, 20),
            chunk(3, 1, 300, 30),
            chunk(4, 2, 400, 10),
            chunk(5, 1, 500, 40), // its table dropped since: left out
            chunk(6, 9, 600, 10), // not a listed hypertable: left out
        ]);
        // each chunk table with index table+1; chunk 3 with TOAST 302 (index 303); chunk 1's
        // compressed data in 110 (index 111, TOAST 112); the hypertable's own table 50
        let owners = (
            [
                (101, 100),
                (111, 110),
                (201, 200),
                (301, 300),
                (303, 302),
                (401, 400),
                (51, 50),
            ],
            [(300, 302), (110, 112)],
        );
        let bytes: IdMap<u32, i64> = [
            (100, 0),
            (101, 8192),
            (110, 100),
            (111, 10),
            (112, 1),
            (200, 1000),
            (201, 2000),
            (300, 1000),
            (301, 2000),
            (302, 4000),
            (303, 1000),
            (400, 1000),
            (401, 1000),
            (600, 1000),
            (50, 0),
            (51, 8192),
        ]
        .into_iter()
        .collect();
        let relations = RelationSlots::of(bytes, owners.0, owners.1);
        let sizes = relations.sizes();
        let numbers = ChunkNumbers::new(
            vec![1],
            vec![1],
            vec![(
                1,
                CompressedSize {
                    before: 9000,
                    after: 111,
                },
            )],
        );
        let thresholds = [
            (
                1,
                ChunkDue {
                    compress_upto: Some(20),
                    drop_upto: Some(10),
                    ..ChunkDue::default()
                },
            ),
            (2, ChunkDue::default()),
        ];
        let t = totals(
            &structure,
            [(9, 60), (1, 50)],
            &sizes,
            &numbers,
            &thresholds,
        );
        let one = *t.get(&1).unwrap();
        assert_eq!((one.chunks, one.compressed_chunks), (3, 1));
        assert_eq!(
            one.bytes,
            TableBytes {
                heap: 100 + 1000 + 1000,
                index: 8192 + 10 + 2000 + 2000 + 8192,
                toast: 1 + 4000 + 1000,
            }
        );
        assert_eq!((one.range_start, one.range_end), (Some(0), Some(30)));
        assert_eq!((one.before_bytes, one.after_bytes), (Some(9000), Some(111)));
        // chunk 1 is due but compressed; chunk 2 ends at the threshold: due
        assert_eq!((one.backlog_chunks, one.backlog_bytes), (1, 3000));
        assert_eq!((one.overdue_chunks, one.overdue_bytes), (1, 8192 + 111));
        // the newest chunk (3) with its index and TOAST; the median of 9000 (before
        // compression), 3000 and 8000
        assert_eq!((one.newest_start, one.newest_end), (Some(20), Some(30)));
        assert_eq!((one.newest_bytes, one.median_chunk_bytes), (8000, 8000));
        assert_eq!((one.partial_chunks, one.uncompressed_between), (1, 0));
        let two = *t.get(&2).unwrap();
        assert_eq!(
            (two.chunks, two.backlog_chunks, two.overdue_chunks),
            (1, 0, 0)
        );
        assert!(!t.contains_key(&9));
    }

    #[test]
    fn each_hypertables_median_is_its_own_whatever_order_its_chunks_come_in() {
        // two hypertables' chunks read interleaved: the structure puts each one's together
        let structure = ChunkStructure::new(vec![
            chunk(1, 1, 100, 10),
            chunk(2, 2, 200, 10),
            chunk(3, 1, 300, 20),
            chunk(4, 2, 400, 20),
            chunk(5, 1, 500, 30),
            chunk(6, 3, 600, 10),
        ]);
        let relations = RelationSlots::of(
            [
                (100, 100),
                (200, 5000),
                (300, 300),
                (400, 1000),
                (500, 200),
                (600, 7),
            ],
            [],
            [],
        );
        let limits = [(2, ChunkDue::default()), (1, ChunkDue::default())];
        let t = totals(
            &structure,
            [],
            &relations.sizes(),
            &ChunkNumbers::default(),
            &limits,
        );
        // the upper median: 100, 200, 300 and 1000, 5000; hypertable 3 is not summed
        assert_eq!(
            t.get(&1).map(|t| (t.chunks, t.median_chunk_bytes)),
            Some((3, 200))
        );
        assert_eq!(
            t.get(&2).map(|t| (t.chunks, t.median_chunk_bytes)),
            Some((2, 5000))
        );
        assert!(!t.contains_key(&3));
    }

    #[test]
    fn a_hypertables_chunks_are_found_whichever_ids_are_around_it() {
        let structure = ChunkStructure::new(vec![
            chunk(5, 3, 500, 10),
            chunk(1, 1, 100, 10),
            chunk(3, 3, 300, 10),
            chunk(7, 9, 700, 10),
        ]);
        let ids =
            |h: i32| -> Vec<i32> { structure.of_hypertable(h).iter().map(|c| c.id).collect() };
        assert_eq!(ids(1), [1]);
        assert_eq!(ids(3), [3, 5]);
        assert_eq!(ids(9), [7]);
        for none in [0, 2, 4, 10, i32::MIN, i32::MAX] {
            assert!(ids(none).is_empty(), "{none}");
        }
        assert!(ChunkStructure::default().of_hypertable(1).is_empty());
    }

    #[test]
    fn an_uncompressed_chunk_older_than_a_compressed_one_is_counted() {
        let structure = ChunkStructure::new(vec![
            chunk(1, 1, 100, 10),
            chunk(2, 1, 200, 20),
            chunk(3, 1, 300, 30),
            chunk(4, 1, 400, 40),
            chunk(5, 1, 500, 15), // its table dropped since: not counted either
        ]);
        let relations = RelationSlots::of([(100, 1), (200, 2), (300, 3), (400, 4)], [], []);
        // 1 and 3 compressed: 2 lies between them, 4 is newer than any compressed one
        let numbers = ChunkNumbers::new(vec![3, 1], vec![], vec![]);
        let thresholds = [(1, ChunkDue::default())];
        let t = totals(&structure, [], &relations.sizes(), &numbers, &thresholds);
        let one = t.get(&1).unwrap();
        assert_eq!(one.uncompressed_between, 1);
        assert_eq!((one.newest_start, one.newest_bytes), (Some(30), 4));
    }

    #[test]
    fn created_before_policies_judge_by_creation_time() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut old = chunk(1, 1, 100, 10);
        old.created = Some(at("2024-01-01T00:00:00Z"));
        let mut new = chunk(2, 1, 200, 20);
        new.created = Some(at("2024-03-01T00:00:00Z"));
        let structure = ChunkStructure::new(vec![old, new]);
        let relations = RelationSlots::of([(100, 8192), (200, 8192)], [], []);
        let thresholds = [(
            1,
            ChunkDue {
                drop_created: Some(at("2024-02-01T00:00:00Z")),
                ..ChunkDue::default()
            },
        )];
        let t = totals(
            &structure,
            [],
            &relations.sizes(),
            &ChunkNumbers::default(),
            &thresholds,
        );
        let t = *t.get(&1).unwrap();
        assert_eq!((t.overdue_chunks, t.backlog_chunks), (1, 0));
    }

    /// Read through their kept definitions, the rows still write the keys they always wrote,
    /// each once (the snapshot's and the exporter's documents are made of them).
    #[test]
    fn the_tabs_rows_write_their_keys_each_once() {
        use crate::model::fixtures;
        let keys = |text: String, expected: &str| {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(|k| &**k).collect();
            keys.sort_unstable();
            let mut want: Vec<&str> = expected.split_whitespace().collect();
            want.sort_unstable();
            assert_eq!(keys, want);
            for k in want {
                assert_eq!(
                    text.matches(&format!("\"{k}\":")).count(),
                    1,
                    "{k} in {text}"
                );
            }
        };
        keys(
            serde_json::to_string(&fixtures::hypertable("h", 3, 1, 3000)).unwrap(),
            "schema name compression_enabled chunks compressed_chunks heap_bytes index_bytes
             toast_bytes total_bytes time_column time_type interval_seconds interval_integer
             range_start range_end policies newest_chunk_bytes newest_chunk_end
             median_chunk_bytes status",
        );
        keys(
            serde_json::to_string(&fixtures::compression("h", 1)).unwrap(),
            "schema name enabled is_cagg materialization segmentby orderby job_id scheduled compress_after
             compress_after_seconds chunks compressed_chunks backlog_chunks backlog_bytes
             before_bytes after_bytes partial_chunks unordered_chunks uncompressed_between",
        );
        keys(
            serde_json::to_string(&fixtures::retention("h", 30.0)).unwrap(),
            "schema name is_cagg job_id scheduled schedule_seconds drop_after
             drop_after_seconds chunks oldest_start overdue_chunks overdue_bytes last_run
             last_run_status next_start",
        );
    }

    #[test]
    fn bounds_leave_out_open_ends_of_time_but_not_integers() {
        assert_eq!(bound(Some(i64::MIN), false, i64::MIN), None);
        assert_eq!(bound(Some(i64::MAX), false, i64::MAX), None);
        assert_eq!(
            bound(Some(1_700_000_000_000_000), false, i64::MAX),
            Some(Bound::Time("2023-11-14T22:13:20Z".parse().unwrap()))
        );
        assert_eq!(
            bound(Some(i64::MIN), true, i64::MIN),
            Some(Bound::Int(i64::MIN))
        );
        assert_eq!(bound(None, true, i64::MIN), None);
    }
}
