//! Sizes as PostgreSQL's size functions report them: every relation's bytes on disk, all forks,
//! kept between refreshes and measured again only where they can have changed.
//!
//! `pg_class.relpages` is cheap but counts the main fork only and is only as fresh as the last
//! VACUUM or ANALYZE (a freshly written hypertable read 172 KiB against 9.5 MiB on disk).
//! Measuring opens each relation and stats its files: right, but seconds at 150,000 relations.
//! So every refresh reads each relation's version (`queries/relation_versions.sql`: what writes
//! leave behind), and measures (`queries/relation_bytes.sql`) the new relations, those whose
//! version moved, and a slice of the rest in turn (each within the hour), for whatever no
//! counter sees. Every size on screen adds up these bytes as `pg_total_relation_size` does: a
//! table's own forks, its indexes', and its TOAST table's with that table's index.

use std::ops::AddAssign;

use tokio_postgres::{Client, Error, Row};

use super::array;
use super::statements::Statements;
use super::structure::{Cached, Fingerprint, IdMap};
use crate::queries;

/// One refresh's versions of every relation with files (`queries/relation_versions.sql`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelationVersions {
    /// Each relation's oid and version, in the server's order.
    pub relations: Vec<(u32, u32)>,
    /// Of the set of relations and the catalog's changes: when it changes, what is kept of the
    /// catalog's structure is read again.
    pub fingerprint: Fingerprint,
    /// Whether the statistics count writes: when they do not, a version sees only new files and
    /// page counts, and every relation is measured on every refresh.
    pub counted: bool,
}

impl RelationVersions {
    pub fn from_row(r: &Row) -> Result<RelationVersions, Error> {
        let packed: Vec<i64> = array(r, "relations")?;
        let relations: Vec<(u32, u32)> = packed.iter().map(|&v| unpack(v)).collect();
        let changes: Option<i64> = r.try_get("catalog_changes")?;
        Ok(RelationVersions {
            fingerprint: Fingerprint::of(relations.iter().map(|&(oid, _)| u64::from(oid)))
                .and_changes(changes),
            // an engine that publishes no statistics counts nothing, whatever track_counts says
            counted: r.try_get::<_, bool>("counted")? && changes.is_some(),
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
}

impl Owners {
    pub fn from_row(r: &Row) -> Result<Owners, Error> {
        Ok(Owners::of(
            array::<u32>(r, "indexes")?
                .into_iter()
                .zip(array(r, "tables")?),
            array::<u32>(r, "toasted")?
                .into_iter()
                .zip(array(r, "toasts")?),
        ))
    }

    /// From (index, table) and (table, TOAST table) pairs.
    pub fn of(
        indexes: impl IntoIterator<Item = (u32, u32)>,
        toasts: impl IntoIterator<Item = (u32, u32)>,
    ) -> Owners {
        let mut owners = Owners {
            toast_of: toasts.into_iter().collect(),
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
    /// Where the next slice of relations measured in turn starts, and when the last was.
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
        let wanted = stale(versions, owners, &self.measured_at, self.sweep, slice);
        self.sweep = wanted.sweep_next;
        self.swept_at = Some(now);
        if !wanted.oids.is_empty() {
            let [measure] = statements
                .get(client, [queries::RELATION_BYTES.as_str()])
                .await?;
            match client.query_one(&measure, &[&wanted.oids]).await {
                Ok(row) => {
                    let oids: Vec<u32> = array(&row, "oids")?;
                    let bytes: Vec<i64> = array(&row, "bytes")?;
                    for (oid, bytes) in oids.into_iter().zip(bytes) {
                        if let Some(&version) = wanted.versions.get(&oid) {
                            self.measured_at.insert(oid, version);
                            self.bytes.insert(oid, bytes);
                        }
                    }
                }
                Err(e) if e.is_closed() => return Err(e),
                // a lock or statement timeout: the last sizes stand until the next refresh
                Err(_) => {}
            }
        }
        self.measured_at
            .retain(|oid, _| wanted.versions.contains_key(oid));
        self.bytes
            .retain(|oid, _| wanted.versions.contains_key(oid));
        Ok(Sizes::new(
            &self.bytes,
            self.owners.last().expect("read above"),
        ))
    }
}

/// The relations to measure on a refresh, and every relation's version as it stands.
#[derive(Debug, PartialEq)]
struct Wanted {
    oids: Vec<u32>,
    /// Each relation's version, an index's with its table's folded in.
    versions: IdMap<u32, u32>,
    sweep_next: usize,
}

/// Which relations to measure (pure): those never measured, those whose version moved (an
/// index's moves with its table's), every one when writes are not counted, and a slice of the
/// rest in turn: `slice` of them from `sweep`.
fn stale(
    versions: &RelationVersions,
    owners: &Owners,
    measured_at: &IdMap<u32, u32>,
    sweep: usize,
    slice: usize,
) -> Wanted {
    let own: IdMap<u32, u32> = versions.relations.iter().copied().collect();
    let folded = |oid: u32, version: u32| match owners.table_of.get(&oid).and_then(|t| own.get(t)) {
        Some(&table) => version ^ table.rotate_left(16).wrapping_mul(0x9e37_79b9),
        None => version,
    };
    let n = versions.relations.len();
    let start = if n == 0 { 0 } else { sweep % n };
    let in_sweep = |i: usize| (i + n - start) % n.max(1) < slice;
    let mut wanted = Wanted {
        oids: Vec::new(),
        versions: IdMap::default(),
        sweep_next: start + slice,
    };
    for (i, &(oid, version)) in versions.relations.iter().enumerate() {
        let version = folded(oid, version);
        wanted.versions.insert(oid, version);
        let moved = measured_at.get(&oid) != Some(&version);
        if moved || !versions.counted || in_sweep(i) {
            wanted.oids.push(oid);
        }
    }
    wanted
}

/// Every relation's size, as a refresh adds them up.
#[derive(Debug, Clone, Copy)]
pub struct Sizes<'a> {
    bytes: &'a IdMap<u32, i64>,
    owners: &'a Owners,
}

impl<'a> Sizes<'a> {
    /// Relations' bytes by oid, added up along `owners`.
    pub fn new(bytes: &'a IdMap<u32, i64>, owners: &'a Owners) -> Sizes<'a> {
        Sizes { bytes, owners }
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
        let indexes = |t: u32| -> i64 {
            self.owners
                .indexes_of
                .get(&t)
                .map_or(0, |v| v.iter().map(|&i| self.own(i)).sum())
        };
        let toast = self
            .owners
            .toast_of
            .get(&oid)
            .map_or(0, |&t| self.own(t) + indexes(t));
        TableBytes {
            heap: self.own(oid),
            index: indexes(oid),
            toast,
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
        }
    }

    fn measured(wanted: &Wanted) -> IdMap<u32, u32> {
        wanted.versions.clone()
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
        let mut rel: Vec<(u32, u32)> = vec![(10, 1), (11, 1), (20, 1), (21, 1)];
        rel.extend((1000..3000).map(|oid| (oid, 7)));
        let owners = Owners::of([(11, 10), (21, 20)], []);
        let first = stale(&versions(&rel, true), &owners, &IdMap::default(), 100, 1);
        assert_eq!(first.oids.len(), rel.len(), "nothing known: everything");
        let kept = measured(&first);
        let again = stale(&versions(&rel, true), &owners, &kept, 100, 3);
        assert_eq!(again.oids.len(), 3, "only the sweep");
        assert!(!again.oids.contains(&10));
        // table 10 written: its version moves, and its index is measured with it
        rel[0].1 = 2;
        rel.push((12, 3)); // a new relation
        let moved = stale(&versions(&rel, true), &owners, &kept, 100, 1);
        for oid in [10, 11, 12] {
            assert!(moved.oids.contains(&oid), "{oid}");
        }
        assert!(!moved.oids.contains(&20) && !moved.oids.contains(&21));
        // writes not counted: every relation, every time
        let uncounted = stale(&versions(&rel, false), &owners, &kept, 100, 1);
        assert_eq!(uncounted.oids.len(), rel.len());
    }

    #[test]
    fn the_sweep_reaches_every_relation_in_turn() {
        let rel: Vec<(u32, u32)> = (1..=2000).map(|oid| (oid, 1)).collect();
        let owners = Owners::default();
        let kept = measured(&stale(
            &versions(&rel, true),
            &owners,
            &IdMap::default(),
            0,
            1,
        ));
        let mut seen = std::collections::BTreeSet::new();
        let mut sweep = 0;
        // refreshes a minute apart: every relation within the hour
        let slice = sweep_slice(rel.len(), std::time::Duration::from_secs(60));
        assert_eq!(slice, 34);
        for _ in 0..60 {
            let w = stale(&versions(&rel, true), &owners, &kept, sweep, slice);
            seen.extend(w.oids);
            sweep = w.sweep_next;
        }
        assert_eq!(seen.len(), rel.len());
        assert_eq!(sweep_slice(rel.len(), std::time::Duration::ZERO), 1);
        let hours = std::time::Duration::from_secs(7200);
        assert_eq!(sweep_slice(rel.len(), hours), 2000);
        // an empty catalog sweeps nothing and never divides by zero
        assert_eq!(sweep_slice(0, std::time::Duration::from_secs(60)), 1);
        assert!(stale(&versions(&[], true), &owners, &kept, 5, 1)
            .oids
            .is_empty());
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
