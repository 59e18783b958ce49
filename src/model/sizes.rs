//! Sizes as PostgreSQL's size functions report them: every relation's bytes on disk, all forks,
//! kept between refreshes and measured again only where they can have changed.
//!
//! `pg_class.relpages` is cheap but counts the main fork only and is only as fresh as the last
//! VACUUM or ANALYZE (a freshly written hypertable read 172 KiB against 9.5 MiB on disk).
//! Measuring opens each relation and stats its files: right, but seconds at 150,000 relations.
//! So every refresh reads each table's version (`queries/relation_versions.sql`: what writes
//! leave behind; an index's is derived from its table's and its own file), and measures
//! (`queries/relation_bytes.sql`) the new relations, those whose version moved, and a slice of
//! the rest in turn (each within the hour), for whatever no counter sees. Every size on screen
//! adds up these bytes as `pg_total_relation_size` does: a table's own forks, its indexes', and
//! its TOAST table's with that table's index.

use std::ops::AddAssign;

use tokio_postgres::{Client, Error, Row};

use super::array;
use super::statements::Statements;
use super::structure::{Cached, Fingerprint, IdMap, IdSet};
use crate::queries;

/// One refresh's versions of every table with files (`queries/relation_versions.sql`; an
/// index's version is derived from its table's and its own file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelationVersions {
    /// Each table's oid and version, in the server's order.
    pub relations: Vec<(u32, u32)>,
    /// Of the set of relations (indexes and their files included) and the catalog's changes:
    /// when it changes, what is kept of the catalog's structure is read again.
    pub fingerprint: Fingerprint,
    /// Whether the statistics count writes: when they do not, a version sees only new files and
    /// page counts, and every relation is measured on every refresh.
    pub counted: bool,
    /// Whether this role may list and stat files: a read wanting most relations then measures
    /// them by their files (`queries/relation_bytes_by_file.sql`), the same bytes without
    /// opening each relation.
    pub by_file: bool,
}

impl RelationVersions {
    pub fn from_row(r: &Row) -> Result<RelationVersions, Error> {
        let packed: Vec<i64> = array(r, "relations")?;
        let relations: Vec<(u32, u32)> = packed.iter().map(|&v| unpack(v)).collect();
        let index_files: Option<i64> = r.try_get("index_files")?;
        let changes: Option<i64> = r.try_get("catalog_changes")?;
        let ids = relations.iter().map(|&(oid, _)| u64::from(oid));
        Ok(RelationVersions {
            fingerprint: Fingerprint::of(ids.chain([index_files.unwrap_or(0) as u64]))
                .and_changes(changes),
            // an engine that publishes no statistics counts nothing, whatever track_counts says
            counted: r.try_get::<_, bool>("counted")? && changes.is_some(),
            by_file: r.try_get("by_file")?,
            relations,
        })
    }
}

/// A packed relation: its oid (high 32 bits) and version (low 32).
fn unpack(packed: i64) -> (u32, u32) {
    ((packed as u64 >> 32) as u32, packed as u32)
}

/// Which index belongs to which table, and which TOAST table to which table
/// (`queries/relation_owners.sql`): what adds relations up, read again when the set of
/// relations changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Owners {
    pub table_of: IdMap<u32, u32>,
    pub indexes_of: IdMap<u32, Vec<u32>>,
    pub toast_of: IdMap<u32, u32>,
    /// Each TOAST table's table.
    pub toast_owner: IdMap<u32, u32>,
    /// Each index's file (`relfilenode`): a part of its version.
    pub file_of: IdMap<u32, u32>,
}

impl Owners {
    pub fn from_row(r: &Row) -> Result<Owners, Error> {
        let indexes: Vec<u32> = array(r, "indexes")?;
        let files: Vec<u32> = array(r, "files")?;
        let mut owners = Owners::of(
            indexes.iter().copied().zip(array(r, "tables")?),
            array::<u32>(r, "toasted")?
                .into_iter()
                .zip(array(r, "toasts")?),
        );
        owners.file_of = indexes.into_iter().zip(files).collect();
        Ok(owners)
    }

    /// From (index, table) and (table, TOAST table) pairs.
    pub fn of(
        indexes: impl IntoIterator<Item = (u32, u32)>,
        toasts: impl IntoIterator<Item = (u32, u32)>,
    ) -> Owners {
        let toast_of: IdMap<u32, u32> = toasts.into_iter().collect();
        let mut owners = Owners {
            toast_owner: toast_of.iter().map(|(&t, &toast)| (toast, t)).collect(),
            toast_of,
            ..Owners::default()
        };
        for (index, table) in indexes {
            owners.table_of.insert(index, table);
            owners.indexes_of.entry(table).or_default().push(index);
        }
        owners
    }
}

/// A table's bytes on disk in the parts TimescaleDB's `chunks_detailed_size` names: its own
/// forks (heap), its indexes', and its TOAST table's with that table's index.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableBytes {
    pub heap: i64,
    pub index: i64,
    pub toast: i64,
}

impl TableBytes {
    /// As `pg_total_relation_size`.
    pub fn total(&self) -> i64 {
        self.heap + self.index + self.toast
    }
}

impl AddAssign for TableBytes {
    fn add_assign(&mut self, other: TableBytes) {
        self.heap += other.heap;
        self.index += other.index;
        self.toast += other.toast;
    }
}

/// What a connection keeps of every relation's size between refreshes.
#[derive(Debug, Default)]
pub struct SizeKeeper {
    /// Each relation's bytes as last measured,
    bytes: IdMap<u32, i64>,
    /// and the version they were measured at.
    measured_at: IdMap<u32, u32>,
    owners: Cached<Owners>,
    /// The set of relations `bytes` was last pruned to.
    pruned_for: Option<Fingerprint>,
    /// Each table's bytes added up ([`add_up`]), kept current for the relations measured.
    tables: IdMap<u32, TableBytes>,
    /// The last refresh's versions, when every relation it asked for was measured: a table at
    /// the same place with the same version (and, the set unchanged, its indexes) is known.
    settled: Option<(Fingerprint, Vec<(u32, u32)>)>,
    /// Where the next slice of tables measured in turn starts, and when the last was.
    sweep: usize,
    swept_at: Option<std::time::Instant>,
}

/// Every relation is measured again within this time whatever its version says, a slice on
/// each refresh (at 150,000 relations and a refresh a second, 42 of them, ≈ 1 ms): a safety net
/// for what no counter sees (rows written by a transaction still open, a BRIN index
/// summarised by hand).
const SWEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// How many relations of `n` to measure in turn after `since` (pure): `n` over the sweep
/// period, at least one, at most all.
fn sweep_slice(n: usize, since: std::time::Duration) -> usize {
    let share = since.as_secs_f64() / SWEEP_PERIOD.as_secs_f64();
    ((n as f64 * share).ceil() as usize).clamp(1, n.max(1))
}

/// Whether to measure `wanted` of `live` relations by listing and stat'ing the database's files
/// (pure): when the role may, and most are wanted. Listing costs about a microsecond per file
/// in the directory whatever is wanted; the size functions 17 to 80 µs per relation wanted (80
/// in a new session, which builds a cache entry for each).
fn by_file(may: bool, wanted: usize, live: usize) -> bool {
    may && wanted * 4 >= live
}

impl SizeKeeper {
    /// Brings every relation's size up to date for `versions`: measures the relations that can
    /// have changed, keeps the rest. A relation busy behind a lock, or a measurement that
    /// failed short of the connection, keeps its last size, asked for again next time.
    pub async fn update(
        &mut self,
        client: &Client,
        statements: &mut Statements,
        versions: &RelationVersions,
    ) -> Result<Sizes<'_>, Error> {
        let owners = self
            .owners
            .get_or_read(versions.fingerprint, || async {
                Owners::from_row(
                    &statements
                        .query_one(client, queries::RELATION_OWNERS)
                        .await?,
                )
            })
            .await?;
        let now = std::time::Instant::now();
        let since = self.swept_at.map_or(std::time::Duration::ZERO, |t| now - t);
        let slice = sweep_slice(versions.relations.len(), since);
        let settled = self
            .settled
            .take()
            .filter(|(f, _)| *f == versions.fingerprint)
            .map(|(_, v)| v);
        let wanted = stale(
            versions,
            owners,
            &self.measured_at,
            settled.as_deref(),
            (self.sweep, slice),
        );
        self.sweep = wanted.sweep_next;
        self.swept_at = Some(now);
        let new_set = self.pruned_for.as_ref() != Some(&versions.fingerprint);
        if new_set {
            // relations dropped since: forget them (only when the set can have changed)
            let live = live_relations(versions, owners);
            self.measured_at.retain(|oid, _| live.contains(oid));
            self.bytes.retain(|oid, _| live.contains(oid));
            self.pruned_for = Some(versions.fingerprint);
        }
        if !wanted.relations.is_empty() {
            let oids: Vec<u32> = wanted.relations.iter().map(|&(oid, _)| oid).collect();
            let version_of: IdMap<u32, u32> = wanted.relations.iter().copied().collect();
            let live = versions.relations.len() + owners.table_of.len();
            let measure = match by_file(versions.by_file, oids.len(), live) {
                true => queries::RELATION_BYTES_BY_FILE.as_str(),
                false => queries::RELATION_BYTES.as_str(),
            };
            let [measure] = statements.get(client, [measure]).await?;
            match client.query_one(&measure, &[&oids]).await {
                Ok(row) => {
                    let oids: Vec<u32> = array(&row, "oids")?;
                    let bytes: Vec<i64> = array(&row, "bytes")?;
                    let mut measured = 0;
                    for (oid, bytes) in oids.into_iter().zip(bytes) {
                        if let Some(&version) = version_of.get(&oid) {
                            self.measured_at.insert(oid, version);
                            self.bytes.insert(oid, bytes);
                            measured += 1;
                            if !new_set {
                                // the table it adds up into (an index's, a TOAST table's)
                                let table = owners.table_of.get(&oid).copied().unwrap_or(oid);
                                let table =
                                    owners.toast_owner.get(&table).copied().unwrap_or(table);
                                self.tables
                                    .insert(table, add_up(&self.bytes, owners, table));
                            }
                        }
                    }
                    if measured == version_of.len() {
                        self.settled = Some((versions.fingerprint, versions.relations.clone()));
                    }
                }
                Err(e) if e.is_closed() => return Err(e),
                // a lock or statement timeout: the last sizes stand until the next refresh
                Err(_) => {}
            }
        } else {
            self.settled = Some((versions.fingerprint, versions.relations.clone()));
        }
        if new_set {
            self.tables = versions
                .relations
                .iter()
                .map(|&(table, _)| (table, add_up(&self.bytes, owners, table)))
                .collect();
        }
        Ok(Sizes {
            bytes: &self.bytes,
            owners: self.owners.last().expect("read above"),
            tables: Some(&self.tables),
        })
    }
}

/// The relations to measure on a refresh, each with its version as it stands.
#[derive(Debug, PartialEq)]
struct Wanted {
    relations: Vec<(u32, u32)>,
    sweep_next: usize,
}

/// An index's version: its table's with its own file folded in (pure).
fn index_version(table: u32, file: u32) -> u32 {
    table ^ file.rotate_left(16).wrapping_mul(0x9e37_79b9) ^ 0x5bd1_e995
}

/// Which relations to measure (pure): those never measured, those whose version moved (a
/// table's indexes move with it), every one when writes are not counted, and a slice of the
/// tables in turn, with their indexes: `slice` of them from `sweep`. A table where `settled`
/// (the last refresh's versions, all measured, same set of relations) has the same version is
/// skipped without a look-up: 22,000 comparisons instead of 65,000 look-ups at 20,000 chunks.
fn stale(
    versions: &RelationVersions,
    owners: &Owners,
    measured_at: &IdMap<u32, u32>,
    settled: Option<&[(u32, u32)]>,
    (sweep, slice): (usize, usize),
) -> Wanted {
    let n = versions.relations.len();
    let start = if n == 0 { 0 } else { sweep % n };
    let in_sweep = |i: usize| (i + n - start) % n.max(1) < slice;
    let mut wanted = Wanted {
        relations: Vec::new(),
        sweep_next: start + slice,
    };
    for (i, &(table, version)) in versions.relations.iter().enumerate() {
        let all = !versions.counted || in_sweep(i);
        if !all && settled.and_then(|s| s.get(i)) == Some(&(table, version)) {
            continue;
        }
        let mut want = |oid: u32, version: u32| {
            if all || measured_at.get(&oid) != Some(&version) {
                wanted.relations.push((oid, version));
            }
        };
        want(table, version);
        for &index in owners.indexes_of.get(&table).into_iter().flatten() {
            let file = owners.file_of.get(&index).copied().unwrap_or(0);
            want(index, index_version(version, file));
        }
    }
    wanted
}

/// Every relation with files there is: the tables listed and their indexes.
fn live_relations(versions: &RelationVersions, owners: &Owners) -> IdSet<u32> {
    let mut live = IdSet::default();
    for &(table, _) in &versions.relations {
        live.insert(table);
        live.extend(owners.indexes_of.get(&table).into_iter().flatten());
    }
    live
}

/// Every relation's size, as a refresh adds them up.
#[derive(Debug, Clone, Copy)]
pub struct Sizes<'a> {
    bytes: &'a IdMap<u32, i64>,
    owners: &'a Owners,
    /// Tables already added up (a refresh's: [`SizeKeeper`] keeps them).
    tables: Option<&'a IdMap<u32, TableBytes>>,
}

/// A table's bytes in parts, its indexes and TOAST table found from the catalog (pure).
fn add_up(bytes: &IdMap<u32, i64>, owners: &Owners, oid: u32) -> TableBytes {
    let own = |oid: u32| bytes.get(&oid).copied().unwrap_or(0);
    let indexes = |t: u32| -> i64 {
        owners
            .indexes_of
            .get(&t)
            .map_or(0, |v| v.iter().map(|&i| own(i)).sum())
    };
    let toast = owners
        .toast_of
        .get(&oid)
        .map_or(0, |&t| own(t) + indexes(t));
    TableBytes {
        heap: own(oid),
        index: indexes(oid),
        toast,
    }
}

impl<'a> Sizes<'a> {
    /// Relations' bytes by oid, added up along `owners`.
    pub fn new(bytes: &'a IdMap<u32, i64>, owners: &'a Owners) -> Sizes<'a> {
        Sizes {
            bytes,
            owners,
            tables: None,
        }
    }

    /// A relation's own bytes, every fork (0: unknown, or not a relation with files).
    pub fn own(&self, oid: u32) -> i64 {
        self.bytes.get(&oid).copied().unwrap_or(0)
    }

    /// Whether a relation's size is known.
    pub fn knows(&self, oid: u32) -> bool {
        self.bytes.contains_key(&oid)
    }

    /// A table's bytes in parts, its indexes and TOAST table found from the catalog.
    pub fn table(&self, oid: u32) -> TableBytes {
        match self.tables.and_then(|t| t.get(&oid)) {
            Some(&kept) => kept,
            None => add_up(self.bytes, self.owners, oid),
        }
    }

    /// Every relation of the database together.
    pub fn database(&self) -> i64 {
        self.bytes.values().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(relations: &[(u32, u32)], counted: bool) -> RelationVersions {
        RelationVersions {
            relations: relations.to_vec(),
            fingerprint: Fingerprint::of(relations.iter().map(|r| u64::from(r.0))),
            counted,
            by_file: false,
        }
    }

    fn measured(wanted: &Wanted) -> IdMap<u32, u32> {
        wanted.relations.iter().copied().collect()
    }

    fn oids(wanted: &Wanted) -> Vec<u32> {
        wanted.relations.iter().map(|&(oid, _)| oid).collect()
    }

    #[test]
    fn packed_relations_unpack_to_oid_and_version() {
        let pack = |oid: u32, version: u32| ((u64::from(oid) << 32) | u64::from(version)) as i64;
        // the highest oid sets the sign bit; a version past 2^31 is no negative number
        for (oid, version) in [(16384, 7), (u32::MAX, 0), (1, u32::MAX)] {
            assert_eq!(unpack(pack(oid, version)), (oid, version));
        }
    }

    #[test]
    fn only_new_and_moved_relations_are_measured_and_an_index_moves_with_its_table() {
        // table 10 with index 11; table 20 with index 21; many others so no sweep reaches them
        let mut rel: Vec<(u32, u32)> = vec![(10, 1), (20, 1)];
        rel.extend((1000..3000).map(|oid| (oid, 7)));
        let mut owners = Owners::of([(11, 10), (21, 20)], []);
        let first = stale(
            &versions(&rel, true),
            &owners,
            &IdMap::default(),
            None,
            (100, 1),
        );
        assert_eq!(
            first.relations.len(),
            rel.len() + 2,
            "nothing known: everything"
        );
        let kept = measured(&first);
        let again = stale(&versions(&rel, true), &owners, &kept, None, (100, 3));
        assert_eq!(oids(&again), [1098, 1099, 1100], "only the sweep");
        // table 10 written: its version moves, and its index is measured with it
        rel[0].1 = 2;
        rel.push((12, 3)); // a new relation
        let moved = oids(&stale(
            &versions(&rel, true),
            &owners,
            &kept,
            None,
            (100, 1),
        ));
        for oid in [10, 11, 12] {
            assert!(moved.contains(&oid), "{oid}");
        }
        assert!(!moved.contains(&20) && !moved.contains(&21));
        // index 21 rebuilt (a new file): it alone
        owners.file_of.insert(21, 5);
        let rebuilt = oids(&stale(
            &versions(&rel[1..], true),
            &owners,
            &kept,
            None,
            (100, 1),
        ));
        assert!(
            rebuilt.contains(&21) && !rebuilt.contains(&20),
            "{rebuilt:?}"
        );
        // the last refresh settled: a table in the same place with the same version is known
        // without a look-up, one that moved is measured with its indexes, the sweep still runs
        let last = rel.clone();
        rel[1].1 = 9;
        let fast = oids(&stale(
            &versions(&rel, true),
            &owners,
            &IdMap::default(),
            Some(&last),
            (100, 1),
        ));
        assert_eq!(fast, [20, 21, 1098]);
        // writes not counted: every relation, every time
        let uncounted = stale(&versions(&rel, false), &owners, &kept, None, (100, 1));
        assert_eq!(uncounted.relations.len(), rel.len() + 2);
    }

    #[test]
    fn the_sweep_reaches_every_relation_in_turn() {
        let rel: Vec<(u32, u32)> = (1..=2000).map(|oid| (oid, 1)).collect();
        // every table has an index, swept with it
        let owners = Owners::of((1..=2000).map(|t| (t + 10_000, t)), []);
        let kept = measured(&stale(
            &versions(&rel, true),
            &owners,
            &IdMap::default(),
            None,
            (0, 1),
        ));
        assert_eq!(kept.len(), 4000);
        let mut seen = std::collections::BTreeSet::new();
        let mut sweep = 0;
        // refreshes a minute apart: every relation within the hour
        let slice = sweep_slice(rel.len(), std::time::Duration::from_secs(60));
        assert_eq!(slice, 34);
        for _ in 0..60 {
            let w = stale(&versions(&rel, true), &owners, &kept, None, (sweep, slice));
            seen.extend(oids(&w));
            sweep = w.sweep_next;
        }
        assert_eq!(seen.len(), 4000);
        assert_eq!(sweep_slice(rel.len(), std::time::Duration::ZERO), 1);
        let hours = std::time::Duration::from_secs(7200);
        assert_eq!(sweep_slice(rel.len(), hours), 2000);
        // an empty catalog sweeps nothing and never divides by zero
        assert_eq!(sweep_slice(0, std::time::Duration::from_secs(60)), 1);
        assert!(stale(&versions(&[], true), &owners, &kept, None, (5, 1))
            .relations
            .is_empty());
        // what is there: the tables and their indexes, nothing else
        let live = live_relations(&versions(&rel[..2], true), &owners);
        assert_eq!(live.len(), 4);
        assert!(live.contains(&10_001) && !live.contains(&3));
    }

    #[test]
    fn files_are_listed_for_a_read_wanting_most_relations_and_only_when_the_role_may() {
        assert!(by_file(true, 65_000, 65_000), "a new session's first read");
        assert!(by_file(true, 20_000, 65_000));
        assert!(!by_file(true, 40, 65_000), "a warm refresh");
        assert!(!by_file(false, 65_000, 65_000), "a role that may not");
    }

    #[test]
    fn a_table_adds_its_indexes_and_its_toast_table_with_that_tables_index() {
        let owners = Owners::of([(11, 10), (12, 10), (31, 30)], [(10, 30)]);
        let bytes: IdMap<u32, i64> = [(10, 100), (11, 10), (12, 20), (30, 1000), (31, 5)]
            .into_iter()
            .collect();
        let sizes = Sizes::new(&bytes, &owners);
        let t = sizes.table(10);
        assert_eq!(
            t,
            TableBytes {
                heap: 100,
                index: 30,
                toast: 1005
            }
        );
        assert_eq!(t.total(), 1135);
        assert_eq!(sizes.database(), 1135);
        assert_eq!(sizes.table(99), TableBytes::default());
    }
}
