//! Indexes: usage category, duplicates and validity, hypertable indexes summed over chunks.

use std::sync::Arc;

use tokio_postgres::{Client, Row};

use super::names::Interner;
use super::sizes::Sizes;
use super::statements::Prepared;
use super::structure::IdSet;
use super::{relation, DrillTarget};
use crate::queries;

/// Fewer scans than this since the statistics were reset makes an index LOW.
pub const LOW_SCANS: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Unused,
    Low,
    Active,
    /// Enforces a primary key or a unique constraint: kept whatever its scans.
    Constraint,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Unused => "UNUSED",
            Category::Low => "LOW",
            Category::Active => "ACTIVE",
            Category::Constraint => "CONSTRAINT",
        }
    }
}

/// Shared between the structure's listed index and the tab's row made of it each refresh
/// (copied, every index's eight strings were held twice at each refresh).
pub use super::names::Name;

/// An index the tab lists with its numbers: what it is (shared with the catalog structure that
/// listed it, so a refresh copies one pointer per index, not its eight fields), read through
/// `Deref` as `index.name`; then its usage and size.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Index {
    #[serde(flatten)]
    pub listed: Arc<ListedIndex>,
    pub valid: bool,
    pub scans: i64,
    pub tuples_read: i64,
    pub size_bytes: i64,
    /// Chunk (or partition) indexes summed into this row.
    pub chunk_indexes: i64,
    pub category: Category,
    /// Another index on the same table with the same keys and predicate.
    pub duplicate_of: Option<Name>,
}

impl std::ops::Deref for Index {
    type Target = ListedIndex;

    fn deref(&self) -> &ListedIndex {
        &self.listed
    }
}

/// Tests change an index's definition in place: a change copies it first, and the structure's
/// listed index stays as it was read.
#[cfg(test)]
impl std::ops::DerefMut for Index {
    fn deref_mut(&mut self) -> &mut ListedIndex {
        Arc::make_mut(&mut self.listed)
    }
}

impl Index {
    /// A listed index with its numbers (its own plus its chunk indexes' sums), not yet
    /// compared with the others for duplicates.
    pub fn new(
        listed: &Arc<ListedIndex>,
        usage: IndexUsage,
        size_bytes: i64,
        chunk_indexes: i64,
    ) -> Index {
        Index {
            category: category(usage.scans, listed.unique),
            listed: listed.clone(),
            valid: usage.valid,
            scans: usage.scans,
            tuples_read: usage.tuples_read,
            size_bytes,
            chunk_indexes,
            duplicate_of: None,
        }
    }
}

/// CONSTRAINT: it enforces uniqueness (a primary key, a unique constraint), whatever its scans;
/// else UNUSED: never scanned; LOW: a few scans; else ACTIVE.
pub fn category(scans: i64, unique: bool) -> Category {
    match scans {
        _ if unique => Category::Constraint,
        0 => Category::Unused,
        s if s < LOW_SCANS => Category::Low,
        _ => Category::Active,
    }
}

/// TimescaleDB's own index on a continuous aggregate's materialization (made with the cagg,
/// named `_materialized_hypertable_N_…`): the cagg's refreshes need it, whatever its scans.
pub fn timescaledb_own(i: &Index) -> bool {
    i.index_schema.starts_with("_timescaledb_") && i.name.starts_with("_materialized_hypertable_")
}

/// Marks each index that repeats an earlier one (same table, method, keys, expressions and
/// predicate).
/// The one kept is the primary key, else a unique index, else the oldest (lowest oid); the
/// others point at it. Never by scans: PostgreSQL's planner prefers the newest of identical
/// indexes, so scans accrue to the copy, and keeping the most scanned would advise dropping the
/// original (TimescaleDB's own time index).
pub fn mark_duplicates(indexes: &mut [Index]) {
    // Same table, access method, key columns, expressions and predicate: the positions sorted
    // by it, each run of equals a group (a map of the borrowed definitions took more memory, at
    // the console's peak).
    let definition = |i: u32| {
        let ix = &indexes[i as usize];
        (
            (&ix.schema, &ix.table, &ix.method, &ix.key_columns),
            (ix.expressions.as_deref(), ix.predicate.as_deref()),
        )
    };
    // An INVALID index serves no query: it is reported as such, not as an original to keep.
    let mut valid: Vec<u32> = (0..indexes.len() as u32)
        .filter(|&i| indexes[i as usize].valid)
        .collect();
    valid.sort_unstable_by(|&a, &b| definition(a).cmp(&definition(b)));
    let mut marks = Vec::new();
    for members in valid.chunk_by(|&a, &b| definition(a) == definition(b)) {
        if members.len() < 2 {
            continue;
        }
        let keep = *members
            .iter()
            .min_by(|&&a, &&b| {
                let (x, y) = (&indexes[a as usize], &indexes[b as usize]);
                (y.primary, y.unique)
                    .cmp(&(x.primary, x.unique))
                    .then(x.oid.cmp(&y.oid))
            })
            .expect("a run is not empty");
        marks.extend(members.iter().filter(|&&m| m != keep).map(|&m| (m, keep)));
    }
    for (m, keep) in marks {
        indexes[m as usize].duplicate_of = Some(indexes[keep as usize].name.clone());
    }
}

/// Which hypertable index each chunk index was created from, the indexes the tab lists and the
/// invalid ones: read again only when the catalog changed (see [`super::structure`]). On disk
/// each listed index with its oid, and read back as a read makes it: the invalid ones sorted,
/// the names held once.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(from = "KeptIndexes")]
pub struct IndexStructure {
    /// (chunk index, hypertable index)
    pub chunk_indexes: Vec<(u32, u32)>,
    pub listed: Vec<Arc<ListedIndex>>,
    /// The invalid indexes, sorted (`queries/invalid_indexes.sql`).
    pub invalid: Vec<u32>,
}

/// How an [`IndexStructure`] is kept on disk.
type KeptIndexes = (Vec<(u32, u32)>, Vec<(u32, u32, ListedIndex)>, Vec<u32>);

impl serde::Serialize for IndexStructure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let listed: Vec<(u32, u32, &ListedIndex)> = (self.listed.iter())
            .map(|l| (l.oid, l.table_oid, &**l))
            .collect();
        (&self.chunk_indexes, listed, &self.invalid).serialize(s)
    }
}

impl From<KeptIndexes> for IndexStructure {
    fn from((chunk_indexes, listed, mut invalid): KeptIndexes) -> IndexStructure {
        let mut names = Interner::default();
        let listed = listed
            .into_iter()
            .map(|(oid, table_oid, index)| {
                Arc::new(ListedIndex {
                    oid,
                    table_oid,
                    ..index.interned(&mut names)
                })
            })
            .collect();
        invalid.sort_unstable();
        IndexStructure {
            chunk_indexes,
            listed,
            invalid,
        }
    }
}

impl IndexStructure {
    /// The invalid indexes as they come, sorted.
    pub fn invalid_from(r: &Row) -> Result<Vec<u32>, tokio_postgres::Error> {
        let mut invalid: Vec<u32> = super::rows::array(r, "invalid")?;
        invalid.sort_unstable();
        Ok(invalid)
    }

    /// An index's validity and counters: zeros when none came (never scanned since the
    /// statistics were reset).
    #[cfg(test)]
    fn usage(&self, usage: &Usage, oid: u32) -> IndexUsage {
        let (scans, tuples_read) = usage.get(oid);
        IndexUsage {
            valid: self.invalid.binary_search(&oid).is_err(),
            scans,
            tuples_read,
        }
    }
}

/// An index the tab lists, without its numbers (`queries/listed_indexes.sql`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ListedIndex {
    /// The index's oid: the older of two duplicates is the one kept. Not in the document, and
    /// kept on disk beside each (see [`IndexStructure`]).
    #[serde(skip)]
    pub oid: u32,
    /// Its table's oid (a hypertable's, a cagg's materialization's, an ordinary table's): a
    /// table's indexes are read again on their own when one is made (kept as `oid` is).
    #[serde(skip)]
    pub table_oid: u32,
    /// Schema of the table (for a cagg's index: the cagg's schema).
    pub schema: Name,
    pub table: Name,
    /// Where the index itself lives (a cagg's indexes are in TimescaleDB's internal schema).
    pub index_schema: Name,
    pub name: Name,
    pub on_hypertable: bool,
    /// Access method: btree, brin, gin, …
    pub method: Name,
    pub unique: bool,
    pub primary: bool,
    /// Key columns by name, comma-separated (empty entries are expressions).
    pub key_columns: Name,
    pub expressions: Option<Name>,
    pub predicate: Option<Name>,
}

impl ListedIndex {
    /// The same index, its repeated names held once in `names` (as a listing holds them).
    fn interned(self, names: &mut Interner) -> ListedIndex {
        let mut name = |n: Name| names.name(&n);
        ListedIndex {
            schema: name(self.schema),
            table: name(self.table),
            index_schema: name(self.index_schema),
            method: name(self.method),
            key_columns: name(self.key_columns),
            expressions: self.expressions.map(&mut name),
            predicate: self.predicate.map(&mut name),
            ..self
        }
    }

    /// One row of a listing, its repeated names held once in `names` (the listing's).
    pub fn from_row(r: &Row, names: &mut Interner) -> Result<ListedIndex, tokio_postgres::Error> {
        Ok(ListedIndex {
            oid: r.try_get("index_oid")?,
            table_oid: r.try_get("table_oid")?,
            schema: names.column(r, "schema")?,
            table: names.column(r, "table_name")?,
            index_schema: names.column(r, "index_schema")?,
            // each index's own: not worth a lookup
            name: r.try_get::<_, &str>("index_name")?.into(),
            on_hypertable: r.try_get("on_hypertable")?,
            method: names
                .optional(r, "method")?
                .unwrap_or_else(|| names.name("")),
            unique: r.try_get("is_unique")?,
            primary: r.try_get("is_primary")?,
            key_columns: names.column(r, "key_columns")?,
            expressions: names.optional(r, "expressions")?,
            predicate: names.optional(r, "predicate")?,
        })
    }
}

/// Each listed index's scans and tuples read with its chunk indexes' summed in, as of one read
/// of the counters (`queries/index_numbers.sql`), kept until the next: the counters of every
/// chunk index (many times the listed indexes) are let go once summed, and read again every few
/// minutes, not at every refresh (a slow read at many chunks).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UsageSums {
    /// By listed index oid.
    sums: Vec<(u32, i64, i64)>,
}

impl UsageSums {
    /// The sums of `usage` along `structure` (pure).
    pub fn of(structure: &IndexStructure, usage: &Usage) -> UsageSums {
        let mut sums: Vec<(u32, i64, i64)> = (structure.listed.iter())
            .map(|l| {
                let (scans, tuples) = usage.get(l.oid);
                (l.oid, scans, tuples)
            })
            .collect();
        sums.sort_unstable_by_key(|s| s.0);
        sums.dedup_by_key(|s| s.0);
        for (chunk_index, hypertable_index) in &structure.chunk_indexes {
            if let Ok(at) = sums.binary_search_by_key(hypertable_index, |s| s.0) {
                let (scans, tuples) = usage.get(*chunk_index);
                sums[at].1 += scans;
                sums[at].2 += tuples;
            }
        }
        UsageSums { sums }
    }

    /// A listed index's sums (zeros: none counted, or listed since they were read).
    fn get(&self, oid: u32) -> (i64, i64) {
        (self.sums.binary_search_by_key(&oid, |s| s.0))
            .map_or((0, 0), |at| (self.sums[at].1, self.sums[at].2))
    }
}

/// The tab's rows (pure): each listed index with its own numbers and its chunk indexes' summed
/// into it (valid when all are), duplicates marked. Every index the structure lists is counted,
/// with zeros where `usage` has none: the structure is read again whenever an index is made or
/// dropped.
pub fn rows(structure: &IndexStructure, usage: &UsageSums, sizes: &Sizes) -> Vec<Index> {
    let mut out: Vec<Index> = (structure.listed.iter())
        .map(|l| {
            let (scans, tuples_read) = usage.get(l.oid);
            let usage = IndexUsage {
                valid: structure.invalid.binary_search(&l.oid).is_err(),
                scans,
                tuples_read,
            };
            Index::new(l, usage, sizes.own(l.oid), 0)
        })
        .collect();
    // by oid (unique: an unstable sort orders alike, without a stable sort's buffer)
    out.sort_unstable_by_key(|i| i.oid);
    // each chunk index added to its row, found by oid (a map of the sums apart cost more
    // memory)
    for (chunk_index, hypertable_index) in &structure.chunk_indexes {
        let Ok(at) = out.binary_search_by_key(hypertable_index, |i| i.oid) else {
            continue;
        };
        let row = &mut out[at];
        row.chunk_indexes += 1;
        row.valid &= structure.invalid.binary_search(chunk_index).is_err();
        row.size_bytes += sizes.own(*chunk_index);
    }
    for i in &mut out {
        i.category = category(i.scans, i.listed.unique);
    }
    mark_duplicates(&mut out);
    out
}

/// What `queries/chunk_indexes.sql` tells, sorted out (pure): the chunk indexes settled by
/// definition, and the chunk tables with an index it could not settle (no candidate or
/// several), for `queries/index_structure.sql` to look at.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Candidates {
    pub settled: Vec<Settled>,
    pub unsettled_tables: IdSet<u32>,
}

/// A chunk index, its table and the hypertable index it was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Settled {
    pub index: u32,
    pub table: u32,
    pub hypertable_index: u32,
}

impl Candidates {
    /// One row of the query's arrays: each chunk index with its table and one candidate
    /// hypertable index (0: none), an index with several candidates once per candidate.
    pub fn add_row(rows: &mut Vec<Settled>, r: &Row) -> Result<(), tokio_postgres::Error> {
        let indexes: Vec<u32> = super::rows::array(r, "indexes")?;
        let tables: Vec<u32> = super::rows::array(r, "tables")?;
        let candidates: Vec<u32> = super::rows::array(r, "hypertable_indexes")?;
        rows.extend(indexes.into_iter().zip(tables).zip(candidates).map(
            |((index, table), hypertable_index)| Settled {
                index,
                table,
                hypertable_index,
            },
        ));
        Ok(())
    }

    /// The rows sorted out (pure): one candidate settles an index; none or several, or a table
    /// of the `renumbered` (columns numbered unlike their hypertable's, so that key numbers say
    /// nothing), leave its table unsettled. Sorted, each index's candidates side by side (a map
    /// took more memory), and the settled kept in the rows' own room (a second list grown
    /// beside them added to a first read's peak).
    pub fn sort_out(mut rows: Vec<Settled>, renumbered: &IdSet<u32>) -> Candidates {
        rows.sort_unstable();
        let mut unsettled_tables = IdSet::default();
        let (mut kept, mut start) = (0, 0);
        while let Some(&first) = rows.get(start) {
            let group = rows[start..].partition_point(|c| c.index == first.index);
            let several = rows[start..start + group]
                .iter()
                .any(|c| c.hypertable_index != first.hypertable_index);
            if first.hypertable_index != 0 && !several && !renumbered.contains(&first.table) {
                // never ahead of `start`: only rows already looked at are written over
                rows[kept] = first;
                kept += 1;
            } else {
                unsettled_tables.insert(first.table);
            }
            start += group;
        }
        rows.truncate(kept);
        Candidates {
            settled: rows,
            unsettled_tables,
        }
    }
}

/// The usage counters of every index that has any, by oid (in sorted lists: a map took several
/// times their memory).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    /// The indexes with counters; any other has none since the statistics were reset.
    oids: super::structure::SortedIds,
    /// Each one's scans and tuples read, in the same order.
    counts: Counts,
}

/// Counters in a row: each pair in 8 bytes when both fit in 32 bits (as 64-bit numbers the pairs
/// took twice the room, and more while put in order), else kept apart.
#[derive(Debug, Clone, Default, PartialEq)]
struct Counts {
    narrow: Vec<(u32, u32)>,
    /// The pairs that do not fit, by their position, in order.
    wide: Vec<(u32, i64, i64)>,
}

/// In `narrow`: the pair is in `wide`.
const WIDE: (u32, u32) = (u32::MAX, u32::MAX);

impl Counts {
    fn get(&self, i: usize) -> (i64, i64) {
        match self.narrow[i] {
            WIDE => self
                .wide
                .binary_search_by_key(&(i as u32), |w| w.0)
                .map_or((0, 0), |at| (self.wide[at].1, self.wide[at].2)),
            (s, t) => (i64::from(s), i64::from(t)),
        }
    }
}

impl Usage {
    /// An index's scans and tuples read: zeros when it came with none.
    pub fn get(&self, oid: u32) -> (i64, i64) {
        (self.oids.position(oid)).map_or((0, 0), |i| self.counts.get(i))
    }
}

/// Every index's oid with its counters as they come, each pair beside its oid: put in oid order
/// where they lie (the rows come by groups of oids, in no order between groups). Sorted apart,
/// the oids, the counters, their order and their sorted copies were all held at once.
#[derive(Debug, Default)]
struct Taking {
    rows: Vec<(u32, (u32, u32))>,
    /// The pairs that do not fit in 32 bits, by oid.
    wide: Vec<(u32, i64, i64)>,
}

impl Taking {
    fn expecting(n: usize) -> Taking {
        Taking {
            rows: Vec::with_capacity(n),
            ..Taking::default()
        }
    }

    fn push(&mut self, oid: u32, (scans, tuples): (i64, i64)) {
        match (u32::try_from(scans), u32::try_from(tuples)) {
            (Ok(s), Ok(t)) if (s, t) != WIDE => self.rows.push((oid, (s, t))),
            _ => {
                self.wide.push((oid, scans, tuples));
                self.rows.push((oid, WIDE));
            }
        }
    }

    /// One row's arrays, as long as each other: an oid past its counters has zeros.
    fn push_row(&mut self, oids: Vec<u32>, scans: Vec<i64>, tuples: Vec<i64>) {
        let (mut scans, mut tuples) = (scans.into_iter(), tuples.into_iter());
        for oid in oids {
            let pair = (scans.next().unwrap_or(0), tuples.next().unwrap_or(0));
            self.push(oid, pair);
        }
    }

    fn finish(self) -> Usage {
        let Taking {
            mut rows,
            wide: mut wide_by_oid,
        } = self;
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        wide_by_oid.sort_unstable_by_key(|w| w.0);
        let oids: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let wide = (rows.iter().enumerate())
            .filter(|(_, r)| r.1 == WIDE)
            .filter_map(|(i, r)| {
                let at = wide_by_oid.binary_search_by_key(&r.0, |w| w.0).ok()?;
                Some((i as u32, wide_by_oid[at].1, wide_by_oid[at].2))
            })
            .collect();
        // the pairs made in the rows' own room
        let narrow = rows.into_iter().map(|(_, pair)| pair).collect();
        Usage {
            oids: super::structure::SortedIds::new(oids),
            counts: Counts { narrow, wide },
        }
    }
}

/// From each index's (oid, (scans, tuples read)).
impl FromIterator<(u32, (i64, i64))> for Usage {
    fn from_iter<I: IntoIterator<Item = (u32, (i64, i64))>>(iter: I) -> Usage {
        let mut taking = Taking::default();
        for (oid, counters) in iter {
            taking.push(oid, counters);
        }
        taking.finish()
    }
}

/// An index's validity (kept with the catalog structure) and usage counters (read on every
/// refresh).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IndexUsage {
    pub valid: bool,
    pub scans: i64,
    pub tuples_read: i64,
}

/// The Indexes tab's rows on plain PostgreSQL (`queries/indexes_plain.sql`: each row with its
/// numbers, a partitioned index with its partitions' sums), sized from `sizes`, duplicates
/// marked.
pub fn from_plain_rows(rows: &[Row], sizes: &Sizes) -> Result<Vec<Index>, tokio_postgres::Error> {
    let mut names = Interner::default();
    let mut out = rows
        .iter()
        .map(|r| {
            let listed = Arc::new(ListedIndex::from_row(r, &mut names)?);
            let size_bytes = sizes.own(listed.oid)
                + r.try_get::<_, Vec<u32>>("part_indexes")?
                    .into_iter()
                    .map(|i| sizes.own(i))
                    .sum::<i64>();
            let usage = IndexUsage {
                valid: r.try_get("valid")?,
                scans: r.try_get("scans")?,
                tuples_read: r.try_get("tuples_read")?,
            };
            Ok(Index::new(
                &listed,
                usage,
                size_bytes,
                r.try_get("chunk_indexes")?,
            ))
        })
        .collect::<Result<Vec<_>, tokio_postgres::Error>>()?;
    mark_duplicates(&mut out);
    Ok(out)
}

impl Usage {
    /// The counters of every index that has any (`queries/index_numbers.sql`'s rows of arrays),
    /// read as they come, with room for `expecting` (the last read's count).
    pub async fn read(
        client: &tokio_postgres::Client,
        sql: &(impl tokio_postgres::ToStatement + ?Sized),
        expecting: usize,
    ) -> Result<Usage, tokio_postgres::Error> {
        let mut taking = Taking::expecting(expecting);
        super::rows::each_row(client, sql, &[], |r| {
            taking.push_row(
                super::rows::array(r, "oids")?,
                super::rows::array(r, "scans")?,
                super::rows::array(r, "tuples_read")?,
            );
            Ok(())
        })
        .await?;
        Ok(taking.finish())
    }

    /// How many indexes came with counters.
    pub fn count(&self) -> usize {
        self.oids.len()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChunkIndex {
    pub name: String,
    pub chunk: String,
    pub valid: bool,
    pub scans: i64,
    pub tuples_read: i64,
    /// On disk (none while busy behind a lock).
    pub size_bytes: Option<i64>,
}

pub async fn fetch_chunks(
    client: &Client,
    index: &DrillTarget,
    statements: &mut Prepared,
) -> Result<Vec<ChunkIndex>, tokio_postgres::Error> {
    let (schema, name) = relation(index);
    let [sql] = statements
        .get(client, [queries::INDEX_CHUNKS.as_str()])
        .await?;
    super::rows::collect_rows(client, &sql, &[&schema, &name], |r| {
        Ok(ChunkIndex {
            name: r.try_get("index_name")?,
            chunk: r.try_get("chunk_name")?,
            valid: r.try_get("valid")?,
            scans: r.try_get("scans")?,
            tuples_read: r.try_get("tuples_read")?,
            size_bytes: r.try_get("size_bytes")?,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sizes::RelationSlots;

    fn ix(name: &str, keys: &str, scans: i64, unique: bool) -> Index {
        let listed = ListedIndex {
            on_hypertable: false,
            unique,
            ..crate::model::fixtures::listed(0, "s", "t", name, keys)
        };
        Index::new(&Arc::new(listed), used(true, scans, 0), 0, 0)
    }

    /// An index's usage, each scan reading `per_scan` tuples.
    fn used(valid: bool, scans: i64, per_scan: i64) -> IndexUsage {
        IndexUsage {
            valid,
            scans,
            tuples_read: scans * per_scan,
        }
    }

    /// Usage by oid: `(oid, scans)`, each scan reading `per_scan` tuples.
    fn usage_of(rows: &[(u32, i64)], per_scan: i64) -> Usage {
        rows.iter()
            .map(|&(oid, scans)| (oid, (scans, scans * per_scan)))
            .collect()
    }

    #[test]
    fn usage_is_found_by_oid_in_whatever_order_it_came() {
        let u = |scans| (scans, scans * 10);
        let usage: Usage = [(30, u(3)), (10, u(1)), (20, u(2)), (10, u(1))]
            .into_iter()
            .collect();
        for (oid, scans) in [(10, 1), (20, 2), (30, 3)] {
            assert_eq!(usage.get(oid), u(scans), "{oid}");
        }
        assert_eq!(
            usage.get(15),
            (0, 0),
            "an index that came with none has none"
        );
        let sorted: Usage = [(10, u(1)), (20, u(2))].into_iter().collect();
        assert_eq!(sorted.get(20), u(2));
    }

    /// Validity comes from the structure, counters from the usage read: an invalid index
    /// without counters reads invalid and never scanned.
    #[test]
    fn validity_is_the_structures_and_counters_the_usage_reads() {
        let structure = IndexStructure {
            invalid: vec![10, 15],
            ..IndexStructure::default()
        };
        let usage = usage_of(&[(10, 4), (16, 2)], 10);
        let read = |oid| structure.usage(&usage, oid);
        assert_eq!(read(10), used(false, 4, 10));
        assert_eq!(read(15), used(false, 0, 0));
        assert_eq!(read(16), used(true, 2, 10));
        assert_eq!(read(17), used(true, 0, 0));
    }

    /// Counters past 32 bits (a busy index's tuples read) come back whole, wherever the
    /// index was in the answer and whatever order it is put in.
    #[test]
    fn counters_past_32_bits_come_back_whole() {
        let big = i64::from(u32::MAX);
        let cases = [
            (50, (5, 6)),
            (40, (big + 1, 7)),
            (30, (big, big)),
            (20, (3, 9_000_000_000_000)),
            (10, (big - 1, big - 1)),
            (60, (-1, 0)),
        ];
        let usage: Usage = cases.into_iter().collect();
        for (oid, want) in cases {
            assert_eq!(usage.get(oid), want, "{oid}");
        }
        // rows of arrays, an oid past its counters counted zero, a wide pair among them
        let mut taking = Taking::default();
        taking.push_row(vec![30, 10], vec![big + 1, 2], vec![7, 9]);
        taking.push_row(vec![20, 40], vec![3], vec![4]);
        let usage = taking.finish();
        let counts = [10, 20, 30, 40].map(|oid| usage.get(oid));
        assert_eq!(counts, [(2, 9), (3, 4), (big + 1, 7), (0, 0)]);
        assert_eq!(usage.count(), 4);
        let mut in_order = cases;
        in_order.sort_by_key(|c| c.0);
        let sorted: Usage = in_order.into_iter().collect();
        for (oid, want) in cases {
            assert_eq!(sorted.get(oid), want, "{oid}");
        }
    }

    #[test]
    fn one_candidate_settles_a_chunk_index_none_or_several_leave_its_table_unsettled() {
        // (chunk index, its table, one candidate hypertable index; 0: none)
        let rows = [
            (11, 100, 1),
            (12, 100, 2),
            (13, 100, 0), // made on the chunk alone, or a dropped column renumbered it
            (21, 200, 1),
            (22, 200, 5), // two identical hypertable indexes: listed once each
            (22, 200, 6),
            (31, 300, 7), // the same candidate twice is still one
            (31, 300, 7),
            (41, 400, 8), // a chunk created after a column was dropped: numbers say nothing
        ];
        let rows: Vec<Settled> = rows
            .iter()
            .map(|&(index, table, hypertable_index)| Settled {
                index,
                table,
                hypertable_index,
            })
            .collect();
        let renumbered: IdSet<u32> = [400].into_iter().collect();
        let c = Candidates::sort_out(rows, &renumbered);
        let settled: Vec<(u32, u32, u32)> = c
            .settled
            .iter()
            .map(|s| (s.index, s.table, s.hypertable_index))
            .collect();
        assert_eq!(
            settled,
            vec![(11, 100, 1), (12, 100, 2), (21, 200, 1), (31, 300, 7)]
        );
        let mut unsettled: Vec<u32> = c.unsettled_tables.iter().copied().collect();
        unsettled.sort();
        assert_eq!(unsettled, vec![100, 200, 400]);
        assert_eq!(
            Candidates::sort_out(Vec::new(), &IdSet::default()),
            Candidates::default()
        );
    }

    #[test]
    fn listed_indexes_get_their_own_and_their_chunks_numbers() {
        let listed =
            |oid, name, keys| Arc::new(crate::model::fixtures::listed(oid, "s", "t", name, keys));
        let list = [
            listed(10, "t_time_idx", "time"),
            listed(20, "t_copy", "time"), // never scanned: no counters came
            listed(30, "t_value_idx", "value"), // never scanned itself: no counters came
            listed(40, "t_device_idx", "device"),
        ];
        // own numbers, and chunk indexes': 11-13 of 10, 41 and 99 (no counters) of 40, 31 of 30;
        // 41 is invalid
        let usage = usage_of(
            &[(10, 1), (40, 5), (11, 20), (12, 30), (13, 10), (31, 7)],
            2,
        );
        let chunk_indexes = [(11, 10), (41, 40), (12, 10), (99, 40), (13, 10), (31, 30)];
        let relations = RelationSlots::of(
            [
                (10, 100),
                (20, 100),
                (11, 300),
                (12, 300),
                (13, 300),
                (41, 8),
                (99, 16),
            ],
            [],
            [],
        );
        let structure = IndexStructure {
            listed: list.to_vec(),
            chunk_indexes: chunk_indexes.to_vec(),
            invalid: vec![41], // no counters either
        };
        let out = rows(
            &structure,
            &UsageSums::of(&structure, &usage),
            &relations.sizes(),
        );
        assert_eq!(out.len(), 4, "every listed index has a row");
        let (time, copy, value, device) = (&out[0], &out[1], &out[2], &out[3]);
        assert_eq!(
            (
                time.scans,
                time.tuples_read,
                time.size_bytes,
                time.chunk_indexes
            ),
            (61, 122, 1000, 3)
        );
        assert!(time.valid);
        assert_eq!(time.category, Category::Active);
        assert!(
            !device.valid,
            "an invalid chunk index makes its hypertable index invalid"
        );
        assert_eq!(
            (device.scans, device.size_bytes, device.chunk_indexes),
            (5, 24, 2),
            "a chunk index without counters is counted, never scanned"
        );
        assert_eq!(device.category, Category::Low);
        assert_eq!(
            (value.scans, value.tuples_read, value.chunk_indexes),
            (7, 14, 1),
            "an index without counters of its own gets its chunks'"
        );
        assert!(value.valid);
        assert_eq!((copy.size_bytes, copy.chunk_indexes), (100, 0));
        assert_eq!(copy.category, Category::Unused);
        assert_eq!(copy.duplicate_of.as_deref(), Some("t_time_idx"));
    }

    #[test]
    fn categories_exclude_unique_indexes_from_unused() {
        assert_eq!(category(0, false), Category::Unused);
        // A primary key or unique index enforces a constraint: it says so, never "ACTIVE".
        assert_eq!(category(0, true), Category::Constraint);
        assert_eq!(category(1_000, true), Category::Constraint);
        assert_eq!(category(LOW_SCANS - 1, false), Category::Low);
        assert_eq!(category(LOW_SCANS, false), Category::Active);
    }

    #[test]
    fn duplicates_point_at_the_index_worth_keeping() {
        let mut v = vec![
            ix("b_copy", "time", 5, false),
            ix("a_idx", "time", 0, false),
            ix("other", "device,time", 0, false),
            ix("u_key", "device,time", 0, true),
            ix("z_first", "value", 0, false),
            ix("a_second", "value", 0, false),
        ];
        // The copy is newer and, as the planner prefers the newest, the scanned one.
        v[0].oid = 30;
        v[1].oid = 5;
        v[4].oid = 10;
        v[5].oid = 20;
        let mut brin = ix("value_brin", "value", 0, false);
        brin.method = "brin".into();
        v.push(brin);
        let mut invalid = ix("broken", "value", 0, true);
        invalid.valid = false;
        v.push(invalid);
        let mut partial = ix("c_partial", "time", 0, false);
        partial.predicate = Some("(device = 1)".into());
        v.push(partial);
        mark_duplicates(&mut v);
        let dup = |n: &str| {
            v.iter()
                .find(|i| &*i.name == n)
                .unwrap()
                .duplicate_of
                .clone()
        };
        assert_eq!(
            dup("b_copy").as_deref(),
            Some("a_idx"),
            "the older one is kept, not the scanned copy"
        );
        assert_eq!(dup("a_idx"), None);
        assert_eq!(
            dup("other").as_deref(),
            Some("u_key"),
            "the unique one is kept"
        );
        assert_eq!(
            dup("c_partial"),
            None,
            "a different predicate is not a duplicate"
        );
        assert_eq!(
            dup("a_second").as_deref(),
            Some("z_first"),
            "the older one is kept"
        );
        assert_eq!(dup("broken"), None, "invalid indexes are left out");
        assert_eq!(
            dup("value_brin"),
            None,
            "another access method is not a duplicate"
        );
    }
}
