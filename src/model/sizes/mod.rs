//! Sizes as PostgreSQL's size functions report them: every relation's bytes on disk, all forks,
//! kept between refreshes and measured again only where they can have changed.
//!
//! `pg_class.relpages` is cheap but counts the main fork only and is only as fresh as the last
//! VACUUM or ANALYZE (a freshly written hypertable's pages counted a small part of its disk).
//! Measuring opens each relation and stats its files: right, but seconds at 150,000 relations.
//! So every refresh reads each table's version (`queries/relation_versions.sql`: what writes
//! leave behind; an index's is derived from its table's and its own file), and measures
//! (`queries/relation_bytes.sql`) the new relations, those whose version moved, and a slice of
//! the rest in turn (each within the hour), for whatever no counter sees. A read that wants
//! most relations (a first read) lists the database's directory instead and stats each file
//! (`queries/relation_files.sql`), on two sessions at once for a one-shot read. Every size on
//! screen adds up these bytes as `pg_total_relation_size` does: a table's own forks, its
//! indexes', and its TOAST table's with that table's index.
//!
//! What is kept of each relation lives in arrays sorted by oid ([`RelationSlots`]), about 18 bytes
//! a relation and 12 more a table: a map per fact cost several times that, and arrays of every
//! fact for every relation more than these.

use std::collections::HashMap;
use std::ops::AddAssign;

use futures_util::TryStreamExt;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{Client, Error};

use super::rows::array;
use super::structure::{Cached, Fingerprint, SortedIds};
use crate::queries;

mod files;
mod forks;
pub mod hot;
mod keeper;
mod persist;

pub use files::relation_file;
use files::{FileSize, FileSums};
use forks::{Forks, Looks, Mains, Measured};
pub use keeper::{Sessions, SizeKeeper, Updated};

/// One refresh's versions of every table with files (`queries/relation_versions.sql`; an
/// index's version is derived from its table's and its own file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelationVersions {
    /// Each table's oid and version, in the server's order.
    pub relations: Vec<(u32, u32)>,
    /// Of the set of relations (indexes and their files included) and the catalog's changes:
    /// when it changes, what is kept of the catalog's structure is read again.
    pub fingerprint: Fingerprint,
    /// The fingerprint with every table's file too: when it changes, the relations' layout
    /// (each one's file) is read again. A table rewritten keeps the structure.
    pub layout: Fingerprint,
    /// Whether the statistics count writes: when they do not, a version sees only new files and
    /// page counts, and every relation is measured on every refresh.
    pub counted: bool,
    /// Of the set of relations alone (every table, every index and file), as
    /// [`RelationSlots::set`] adds up what is kept: when they differ, a relation was created or
    /// dropped that the watch did not account for.
    pub set: Fingerprint,
    /// Other sessions' temporary tables: not measured, but their writes are the database's.
    pub temporary: Vec<u32>,
}

/// How many tables' versions relation_versions.sql sends in a row: 196 KB on the wire.
pub const VERSIONS_SLICE: i32 = 16_384;

impl RelationVersions {
    /// Runs relation_versions.sql and takes in its slices of `slice` tables as they come (see
    /// the query: one message of every table kept a read buffer as large on the connection).
    pub async fn read(
        client: &Client,
        sql: &(impl tokio_postgres::ToStatement + ?Sized),
        slice: i32,
    ) -> Result<RelationVersions, Error> {
        let mut relations = Vec::new();
        // the other columns, the same in every row; none (no row) measures everything
        let mut rest = Rest::default();
        let mut temporary = Vec::new();
        super::rows::each_row(client, sql, &[&slice], |r| {
            if let Some(t) = r.try_get::<_, Option<Vec<u32>>>("temporary")? {
                temporary.extend(t);
            }
            if relations.capacity() == 0 {
                // room asked for, not required: the slices grow it otherwise
                let total: i32 = r.try_get("total")?;
                let _ = relations.try_reserve_exact(usize::try_from(total).unwrap_or(0));
            }
            if let Some(slice) = r.try_get::<_, Option<Packed>>("relations")? {
                relations.extend(slice.0);
            }
            rest = Rest {
                index_files: r.try_get("index_files")?,
                changes: r.try_get("catalog_changes")?,
                table_files: r.try_get("table_files")?,
                counted: r.try_get("counted")?,
            };
            Ok(())
        })
        .await?;
        let ids = relations.iter().map(|&(oid, _)| u64::from(oid));
        let set = Fingerprint::of(ids.chain([rest.index_files.unwrap_or(0) as u64]));
        let fingerprint = set.and_changes(rest.changes);
        Ok(RelationVersions {
            fingerprint,
            layout: fingerprint.and_member(rest.table_files.unwrap_or(0) as u64),
            set: set.and_member(rest.table_files.unwrap_or(0) as u64).whole(),
            // an engine that publishes no statistics counts nothing, whatever track_counts says
            counted: rest.counted && rest.changes.is_some(),
            relations,
            temporary,
        })
    }
}

/// relation_versions.sql's columns besides the versions.
#[derive(Default)]
struct Rest {
    index_files: Option<i64>,
    changes: Option<i64>,
    table_files: Option<i64>,
    counted: bool,
}

/// A slice of relation_versions.sql's array of packed relations, decoded straight into pairs
/// (taken in as an `int8` array first, they were a second copy at the console's peak).
#[derive(Debug, PartialEq)]
struct Packed(Vec<(u32, u32)>);

impl<'a> FromSql<'a> for Packed {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> Result<Packed, Box<dyn std::error::Error + Sync + Send>> {
        use fallible_iterator::FallibleIterator;
        use postgres_protocol::types::{array_from_sql, int8_from_sql};
        let array = array_from_sql(raw)?;
        if array.element_type() != Type::INT8.oid() {
            return Err("relations: not an int8 array".into());
        }
        // each element is its length and 8 bytes: room for them all, whatever the header says
        let mut pairs = Vec::with_capacity(raw.len() / 12);
        let mut values = array.values();
        while let Some(v) = values.next()? {
            let v = v.ok_or("relations: a NULL element")?;
            pairs.push(unpack(int8_from_sql(v)?));
        }
        Ok(Packed(pairs))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INT8_ARRAY
    }
}

/// A packed relation: its oid (high 32 bits) and version (low 32).
fn unpack(packed: i64) -> (u32, u32) {
    ((packed as u64 >> 32) as u32, packed as u32)
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

/// No relation: a link to nothing.
const NONE: u32 = u32::MAX;
/// Not measured yet.
const UNKNOWN: i64 = -1;
/// What a relation's files grow by: a page of PostgreSQL's default size (a build with larger
/// pages grows its files by whole multiples of it).
const PAGE: i64 = 8192;
/// `PageCounts::pages`: not measured yet.
const UNMEASURED: u32 = u32::MAX;
/// `PageCounts::pages`: kept aside, exactly.
const ASIDE: u32 = u32::MAX - 1;
/// `flags`: an index (else a table: heap, TOAST, materialized view, sequence).
const INDEX: u8 = 1;
/// `flags`: its files are in the database's own directory (relation_files.sql lists them).
const HERE: u8 = 2;
/// `flags`: measured at the version last seen.
const FRESH: u8 = 4;
/// `flags`: its file number is not its oid (see [`Relations::renumbered`]).
const RENUMBERED: u8 = 8;

/// Every relation with files and what is kept of it, a slot each, in arrays sorted by oid
/// (`queries/relations.sql`). Read again when the set of relations or the catalog changes,
/// keeping what was measured of the relations still there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelationSlots {
    oids: SortedIds,
    /// The file number (`relfilenode`: its files' names) of each slot [`RENUMBERED`], by slot; any
    /// other slot's is its oid. A relation's files are numbered as its oid until it is rewritten
    /// (TRUNCATE, VACUUM FULL) or mapped (a few catalogs): an array of every slot's was nearly all
    /// oids.
    renumbered: Vec<(u32, u32)>,
    /// An index's table, a table's TOAST table: a slot, or [`NONE`].
    links: Vec<u32>,
    flags: Vec<u8>,
    /// Its own bytes, every fork ([`UNKNOWN`] until measured).
    bytes: PageCounts,
    /// Which slots are tables: each one's place in `seen` and `index_bytes`.
    tables: Ranks,
    /// A table's version last seen, from the refresh (an index is measured again when its
    /// table's version moves: it keeps none of its own).
    seen: Vec<u32>,
    /// A table's indexes' bytes together, kept as they are measured.
    index_bytes: Vec<i64>,
}

/// Relations' own bytes in 4 bytes each: a count of pages, any other size (a file cut short by
/// a crash, a relation past 32 TiB) kept aside exactly.
#[derive(Debug, Clone, Default, PartialEq)]
struct PageCounts {
    /// A slot's pages, or [`UNMEASURED`], or [`ASIDE`].
    pages: Vec<u32>,
    aside: HashMap<u32, i64>,
}

impl PageCounts {
    fn unmeasured(n: usize) -> PageCounts {
        PageCounts {
            pages: vec![UNMEASURED; n],
            aside: HashMap::new(),
        }
    }

    /// Each slot 0 bytes.
    fn zeroed(n: usize) -> PageCounts {
        PageCounts {
            pages: vec![0; n],
            aside: HashMap::new(),
        }
    }

    /// A slot's bytes, or [`UNKNOWN`].
    fn get(&self, s: usize) -> i64 {
        match self.pages[s] {
            UNMEASURED => UNKNOWN,
            ASIDE => self.aside.get(&(s as u32)).copied().unwrap_or(UNKNOWN),
            pages => i64::from(pages) * PAGE,
        }
    }

    fn known(&self, s: usize) -> bool {
        self.pages[s] != UNMEASURED
    }

    fn set(&mut self, s: usize, bytes: i64) {
        if self.pages[s] == ASIDE {
            self.aside.remove(&(s as u32));
        }
        self.pages[s] = match bytes {
            UNKNOWN => UNMEASURED,
            b if b >= 0 && b % PAGE == 0 && b / PAGE < i64::from(ASIDE) => (b / PAGE) as u32,
            b => {
                self.aside.insert(s as u32, b);
                ASIDE
            }
        };
    }
}

/// Which slots hold a table, and each table's place among them (pure): a bit a slot and a count
/// every 64 slots, so what only a table has is kept once a table, not once a relation.
#[derive(Debug, Clone, Default, PartialEq)]
struct Ranks {
    bits: Vec<u64>,
    /// The tables before each word of `bits`.
    before: Vec<u32>,
}

impl Ranks {
    fn new(n: usize, is_table: impl Fn(usize) -> bool) -> Ranks {
        let mut bits = vec![0u64; n.div_ceil(64)];
        for s in (0..n).filter(|&s| is_table(s)) {
            bits[s / 64] |= 1 << (s % 64);
        }
        let mut count = 0;
        let before = bits
            .iter()
            .map(|w| {
                let b = count;
                count += w.count_ones();
                b
            })
            .collect();
        Ranks { bits, before }
    }

    /// How many tables there are.
    fn count(&self) -> usize {
        match (self.before.last(), self.bits.last()) {
            (Some(&b), Some(w)) => (b + w.count_ones()) as usize,
            _ => 0,
        }
    }

    /// A table's place among the tables; None for any other slot.
    fn of(&self, s: usize) -> Option<usize> {
        let word = *self.bits.get(s / 64)?;
        let bit = 1u64 << (s % 64);
        (word & bit != 0)
            .then(|| self.before[s / 64] as usize + (word & (bit - 1)).count_ones() as usize)
    }
}

/// Which relations a refresh measures ([`Relations::wanting`]).
#[derive(Debug, Clone, Copy)]
struct Wanted {
    counted: bool,
    start: usize,
    slice: usize,
}

/// One relation as relations.sql lists it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Listed {
    oid: u32,
    file: u32,
    /// An index's table, a table's TOAST table (0: none), by oid.
    link: u32,
    flags: u8,
}

impl RelationSlots {
    /// From relations.sql's rows (read as they come: one row of them all was a large message),
    /// keeping what `old` measured of the relations still there at the same file.
    async fn read(client: &Client, old: &RelationSlots) -> Result<RelationSlots, Error> {
        let listed = Self::list(client, None).await?;
        Ok(RelationSlots::of_listed(listed, old))
    }

    /// Every relation as relations.sql lists it, or (`of`) those of these oids.
    async fn list(client: &Client, of: Option<&[u32]>) -> Result<Vec<Listed>, Error> {
        let rows = match of {
            None => {
                client
                    .query_raw(
                        queries::RELATIONS.as_str(),
                        std::iter::empty::<&(dyn ToSql + Sync)>(),
                    )
                    .await?
            }
            Some(oids) => {
                client
                    .query_raw(queries::RELATIONS_OF.as_str(), [&oids])
                    .await?
            }
        };
        let mut rows = std::pin::pin!(rows);
        let mut listed = Vec::new();
        while let Some(r) = rows.try_next().await? {
            let oids: Vec<u32> = array(&r, "oids")?;
            let files: Vec<u32> = array(&r, "files")?;
            let links: Vec<Option<u32>> = array(&r, "links")?;
            let indexes: Vec<bool> = array(&r, "indexes")?;
            let here: Vec<bool> = array(&r, "here")?;
            listed.extend((0..oids.len()).map(|i| Listed {
                oid: oids[i],
                file: files.get(i).copied().unwrap_or(0),
                link: links.get(i).copied().flatten().unwrap_or(0),
                flags: (u8::from(indexes.get(i) == Some(&true)) * INDEX)
                    | (u8::from(here.get(i) == Some(&true)) * HERE),
            }));
        }
        Ok(listed)
    }

    /// These relations with `new` ones (listed by relations.sql) and without the tables
    /// `gone`, their indexes and TOAST tables (dropped chunks, a decompressed chunk's
    /// compressed data), keeping what was measured of the rest (pure).
    /// These relations with `new` ones listed and the tables `gone` dropped with their indexes
    /// and TOAST tables (pure), and how many relations were dropped.
    fn patched(&self, new: Vec<Listed>, gone: &[u32]) -> (RelationSlots, usize) {
        let mut dropped = vec![false; self.len()];
        for &oid in gone {
            let Some(table) = self.slot(oid) else {
                continue;
            };
            dropped[table] = true;
            if let Some(toast) = (self.links[table] != NONE && !self.is_index(table))
                .then_some(self.links[table] as usize)
            {
                dropped[toast] = true;
            }
        }
        // an index goes with its table (a TOAST table's index with it)
        for s in 0..self.len() {
            if self.is_index(s) && self.links[s] != NONE && dropped[self.links[s] as usize] {
                dropped[s] = true;
            }
        }
        // a relation listed again (given a new file) is taken as listed now
        let again: std::collections::HashSet<u32> = new.iter().map(|l| l.oid).collect();
        let mut listed: Vec<Listed> = (0..self.len())
            .filter(|&s| !dropped[s] && !again.contains(&self.oids[s]))
            .map(|s| Listed {
                oid: self.oids[s],
                file: self.file(s),
                link: match self.links[s] {
                    NONE => 0,
                    l => self.oids[l as usize],
                },
                flags: self.flags[s] & (INDEX | HERE),
            })
            .collect();
        listed.extend(new);
        let count = dropped.iter().filter(|&&d| d).count();
        (RelationSlots::of_listed(listed, self), count)
    }

    /// The relations only these hold, and those only `now` holds (pure).
    fn difference(&self, now: &RelationSlots) -> (Vec<u32>, Vec<u32>) {
        let only = |a: &RelationSlots, b: &RelationSlots| -> Vec<u32> {
            (a.oids.iter().copied())
                .filter(|&oid| b.slot(oid).is_none())
                .collect()
        };
        (only(self, now), only(now, self))
    }

    /// The set of relations kept, as relation_versions.sql adds it up ([`RelationVersions::set`]):
    /// the tables' oids, every index's and every table's oid and file summed.
    fn set(&self) -> Fingerprint {
        let (mut index_files, mut table_files) = (0i64, 0i64);
        let mut tables = Vec::new();
        for s in 0..self.len() {
            let term = i64::from(self.oids[s]) * 3 + i64::from(self.file(s));
            if self.is_index(s) {
                index_files = index_files.wrapping_add(term);
            } else {
                table_files = table_files.wrapping_add(term);
                tables.push(u64::from(self.oids[s]));
            }
        }
        Fingerprint::of(tables.into_iter().chain([index_files as u64]))
            .and_member(table_files as u64)
            .whole()
    }

    /// The arrays for `listed`, carrying over from `old` each relation's bytes and the version
    /// they were measured at where it keeps its file (pure).
    fn of_listed(mut listed: Vec<Listed>, old: &RelationSlots) -> RelationSlots {
        listed.sort_unstable_by_key(|l| l.oid);
        listed.dedup_by_key(|l| l.oid);
        let n = listed.len();
        let tables = Ranks::new(n, |s| listed[s].flags & INDEX == 0);
        let count = tables.count();
        let mut r = RelationSlots {
            oids: SortedIds::new(listed.iter().map(|l| l.oid).collect()),
            renumbered: Vec::new(),
            links: Vec::with_capacity(n),
            flags: Vec::with_capacity(n),
            bytes: PageCounts::unmeasured(n),
            tables,
            seen: vec![0; count],
            index_bytes: vec![0; count],
        };
        for (s, l) in listed.iter().enumerate() {
            let renumbered = l.file != l.oid;
            if renumbered {
                r.renumbered.push((s as u32, l.file));
            }
            r.flags.push(l.flags | (u8::from(renumbered) * RENUMBERED));
        }
        r.renumbered.shrink_to_fit();
        for l in &listed {
            let link = match l.link {
                0 => None,
                oid => r.slot(oid),
            };
            r.links.push(link.map_or(NONE, |s| s as u32));
        }
        drop(listed);
        // what was measured before, merged by oid (both sorted)
        let mut kept = vec![false; n];
        let mut o = 0;
        for (s, kept) in kept.iter_mut().enumerate() {
            while o < old.oids.len() && old.oids[o] < r.oids[s] {
                o += 1;
            }
            if old.oids.get(o) == Some(&r.oids[s]) && old.file(o) == r.file(s) {
                r.bytes.set(s, old.bytes.get(o));
                if let (Some(t), Some(old_t)) = (r.tables.of(s), old.tables.of(o)) {
                    r.seen[t] = old.seen[old_t];
                }
                r.flags[s] |= old.flags[o] & FRESH;
                *kept = true;
            }
        }
        // an index was measured at its table's version: not one of a table new or rewritten
        for s in 0..n {
            let table = r.links[s];
            if r.is_index(s) && table != NONE && !kept[table as usize] {
                r.flags[s] &= !FRESH;
            }
        }
        r.sum_indexes();
        r
    }

    /// A slot's file number.
    fn file(&self, s: usize) -> u32 {
        if self.flags[s] & RENUMBERED == 0 {
            return self.oids[s];
        }
        match self
            .renumbered
            .binary_search_by_key(&(s as u32), |&(slot, _)| slot)
        {
            Ok(i) => self.renumbered[i].1,
            Err(_) => self.oids[s],
        }
    }

    /// A relation's slot.
    fn slot(&self, oid: u32) -> Option<usize> {
        self.oids.position(oid)
    }

    fn len(&self) -> usize {
        self.oids.len()
    }

    fn is_index(&self, s: usize) -> bool {
        self.flags[s] & INDEX != 0
    }

    /// An index's table's place among the tables.
    fn index_table(&self, s: usize) -> Option<usize> {
        match self.links[s] {
            table if self.is_index(s) && table != NONE => self.tables.of(table as usize),
            _ => None,
        }
    }

    /// Each table's indexes' bytes added up afresh.
    fn sum_indexes(&mut self) {
        self.index_bytes.iter_mut().for_each(|b| *b = 0);
        for s in 0..self.len() {
            if let Some(t) = self.index_table(s).filter(|_| self.bytes.known(s)) {
                self.index_bytes[t] += self.bytes.get(s);
            }
        }
    }

    /// A relation measured at the version last seen: its bytes, and its table's indexes' sum.
    fn measured(&mut self, s: usize, bytes: i64) {
        let before = self.bytes.get(s).max(0);
        self.bytes.set(s, bytes);
        self.flags[s] |= FRESH;
        if let Some(t) = self.index_table(s) {
            self.index_bytes[t] += bytes - before;
        }
    }

    /// Takes this refresh's table versions: a table whose version moved since it was measured,
    /// and its indexes, are no longer fresh. `last` is the refresh before's list, positions
    /// equal to it unchanged (22,000 comparisons instead of 22,000 look-ups at 20,000 chunks).
    /// Returns the tables that moved since a version was seen (not those seen for the first
    /// time).
    fn see(&mut self, versions: &[(u32, u32)], last: Option<&[(u32, u32)]>) -> Vec<u32> {
        let mut moved = Vec::new();
        for (i, &(table, version)) in versions.iter().enumerate() {
            if last.and_then(|l| l.get(i)) == Some(&(table, version)) {
                continue;
            }
            let Some(s) = self.slot(table) else { continue };
            let Some(t) = self.tables.of(s) else { continue };
            if self.seen[t] != version {
                // a table seen for the first time did not move: it is new to this keeper
                let first = self.seen[t] == 0;
                self.seen[t] = version;
                self.flags[s] &= !FRESH;
                moved.push((s, first));
            }
        }
        let slots: Vec<usize> = moved.iter().map(|m| m.0).collect();
        self.stale(&slots);
        (moved.into_iter())
            .filter(|m| !m.1)
            .map(|(s, _)| self.oids[s])
            .collect()
    }

    /// The slots of `tables` and of their indexes, sorted (pure).
    fn with_indexes(&self, tables: &[u32]) -> Vec<usize> {
        if tables.is_empty() {
            return Vec::new();
        }
        let mut is_table = vec![false; self.len()];
        let mut out: Vec<usize> = tables.iter().filter_map(|&t| self.slot(t)).collect();
        for &s in &out {
            is_table[s] = true;
        }
        for s in 0..self.len() {
            if self.is_index(s) && self.links[s] != NONE && is_table[self.links[s] as usize] {
                out.push(s);
            }
        }
        out.sort_unstable();
        out
    }

    /// These tables' slots, with their indexes, to be measured again.
    fn stale(&mut self, tables: &[usize]) {
        if tables.is_empty() {
            return;
        }
        let mut is_moved = vec![false; self.len()];
        for &s in tables {
            is_moved[s] = true;
            self.flags[s] &= !FRESH;
        }
        // an index moves with its table: one pass over the links
        for s in 0..self.len() {
            let table = self.links[s];
            if self.is_index(s) && table != NONE && is_moved[table as usize] {
                self.flags[s] &= !FRESH;
            }
        }
    }

    /// The slots to measure (pure): those never measured or not fresh, every one when writes
    /// are not counted, and `slice` of the rest in turn from `sweep`. Returns which, and where
    /// the next slice starts; counted before they are listed (a first read wants them all, and
    /// lists the files instead: the slots listed added to its peak).
    fn wanting(&self, counted: bool, (sweep, slice): (usize, usize)) -> (Wanted, usize) {
        let start = if self.len() == 0 {
            0
        } else {
            sweep % self.len()
        };
        let wanted = Wanted {
            counted,
            start,
            slice,
        };
        (wanted, start + slice)
    }

    fn wanted_slots(&self, w: Wanted) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).filter(move |&s| {
            !w.counted || self.flags[s] & FRESH == 0 || !self.bytes.known(s) || self.swept(w, s)
        })
    }

    /// Whether slot `s` is in the slice `w` measures in turn.
    fn swept(&self, w: Wanted, s: usize) -> bool {
        let n = self.len();
        (s + n - w.start) % n.max(1) < w.slice
    }

    #[cfg(test)]
    fn wanted(&self, counted: bool, sweep: (usize, usize)) -> (Vec<u32>, usize) {
        let (w, next) = self.wanting(counted, sweep);
        (self.wanted_slots(w).map(|s| s as u32).collect(), next)
    }

    /// Every relation's bytes by its files, as listed (relation_files.sql) and told apart by
    /// their names ([`relation_file`]), added up by file number (pure). A relation whose main
    /// file was not listed (dropped, or given a new file, meanwhile) is left unmeasured.
    fn add_files(&mut self, files: impl IntoIterator<Item = FileSize>) {
        let mut sums = FileSums::new(self);
        files.into_iter().for_each(|f| sums.add(self, f));
        sums.measured(self);
    }

    /// The relations whose files are elsewhere (another tablespace, temporary, a mapped
    /// catalog): measured through the size functions.
    fn elsewhere(&self) -> Vec<u32> {
        (0..self.len())
            .filter(|&s| self.flags[s] & HERE == 0)
            .map(|s| self.oids[s])
            .collect()
    }

    /// The relations not measured yet: those elsewhere, and, after [`add_files`](Self::add_files),
    /// those whose main file was not listed (given a new file while the files were listed, an
    /// unlogged relation's only `_init` fork on a standby): a one-shot read measures them
    /// through the size functions, having no next refresh to measure them at.
    fn unmeasured(&self) -> Vec<u32> {
        (0..self.len())
            .filter(|&s| !self.bytes.known(s))
            .map(|s| self.oids[s])
            .collect()
    }

    /// Measured sizes by oid, as relation_bytes.sql returns them.
    fn add_measured(&mut self, oids: &[u32], bytes: &[i64]) {
        for (&oid, &b) in oids.iter().zip(bytes) {
            if let Some(s) = self.slot(oid) {
                self.measured(s, b);
            }
        }
    }

    /// Relations from their bytes, indexes (index, table) and TOAST tables (table, TOAST),
    /// each measured: for tests and fixtures.
    pub fn of(
        bytes: impl IntoIterator<Item = (u32, i64)>,
        indexes: impl IntoIterator<Item = (u32, u32)>,
        toasts: impl IntoIterator<Item = (u32, u32)>,
    ) -> RelationSlots {
        let plain = |oid| Listed {
            oid,
            file: oid,
            link: 0,
            flags: HERE,
        };
        let bytes: Vec<(u32, i64)> = bytes.into_iter().collect();
        let mut listed: std::collections::BTreeMap<u32, Listed> =
            bytes.iter().map(|&(oid, _)| (oid, plain(oid))).collect();
        for (index, table) in indexes {
            listed.entry(table).or_insert(plain(table));
            let l = listed.entry(index).or_insert(plain(index));
            l.link = table;
            l.flags |= INDEX;
        }
        for (table, toast) in toasts {
            listed.entry(toast).or_insert(plain(toast));
            listed.entry(table).or_insert(plain(table)).link = toast;
        }
        let mut r =
            RelationSlots::of_listed(listed.into_values().collect(), &RelationSlots::default());
        for (oid, b) in bytes {
            let s = r.slot(oid).expect("listed");
            r.measured(s, b);
        }
        r
    }

    /// The sizes they add up to.
    pub fn sizes(&self) -> Sizes<'_> {
        Sizes { relations: self }
    }
}

/// Every relation's size, as a refresh adds them up.
#[derive(Debug, Clone, Copy)]
pub struct Sizes<'a> {
    relations: &'a RelationSlots,
}

impl Sizes<'_> {
    /// No relation's size known (nothing read yet).
    pub fn none() -> Sizes<'static> {
        static NONE: std::sync::LazyLock<RelationSlots> =
            std::sync::LazyLock::new(Default::default);
        Sizes { relations: &NONE }
    }

    fn known(&self, s: usize) -> i64 {
        self.relations.bytes.get(s).max(0)
    }

    /// A table's indexes' bytes (0: not a table).
    fn indexes(&self, s: usize) -> i64 {
        let r = self.relations;
        r.tables.of(s).map_or(0, |t| r.index_bytes[t])
    }

    /// A relation's own bytes, every fork (0: unknown, or not a relation with files).
    pub fn own(&self, oid: u32) -> i64 {
        self.relations.slot(oid).map_or(0, |s| self.known(s))
    }

    /// Whether a relation's size is known.
    pub fn knows(&self, oid: u32) -> bool {
        self.relations
            .slot(oid)
            .is_some_and(|s| self.relations.bytes.known(s))
    }

    /// A table's bytes in parts, its indexes and TOAST table found from the catalog.
    pub fn table(&self, oid: u32) -> TableBytes {
        let r = self.relations;
        let Some(s) = r.slot(oid) else {
            return TableBytes::default();
        };
        let toast = match r.links[s] {
            t if t == NONE || r.is_index(s) => 0,
            t => self.known(t as usize) + self.indexes(t as usize),
        };
        TableBytes {
            heap: self.known(s),
            index: self.indexes(s),
            toast,
        }
    }

    /// Every relation of the database together.
    pub fn database(&self) -> i64 {
        (0..self.relations.len()).map(|s| self.known(s)).sum()
    }

    /// Each measured relation's oid and own bytes, by oid.
    pub fn measured(&self) -> impl Iterator<Item = (u32, i64)> + '_ {
        let r = self.relations;
        (0..r.len())
            .filter(|&s| r.bytes.known(s))
            .map(|s| (r.oids[s], r.bytes.get(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::keeper::{by_file, sweep_slice};
    use super::*;

    /// An `int8[]` in the binary format the server sends.
    fn int8_array(values: &[Option<i64>]) -> Vec<u8> {
        let mut raw = Vec::new();
        for n in [1i32, 0, 20, values.len() as i32, 1] {
            raw.extend(n.to_be_bytes());
        }
        for v in values {
            match v {
                Some(v) => {
                    raw.extend(8i32.to_be_bytes());
                    raw.extend(v.to_be_bytes());
                }
                None => raw.extend((-1i32).to_be_bytes()),
            }
        }
        raw
    }

    #[test]
    fn packed_relations_decode_to_pairs_and_bad_bytes_are_errors() {
        let pairs = [
            (16_384u32, 7u32),
            (u32::MAX, u32::MAX),
            (0, 0),
            (99_999, 1 << 31),
        ];
        let packed: Vec<Option<i64>> = pairs
            .iter()
            .map(|&(oid, v)| Some(((u64::from(oid) << 32) | u64::from(v)) as i64))
            .collect();
        let raw = int8_array(&packed);
        let decoded = Packed::from_sql(&Type::INT8_ARRAY, &raw).unwrap();
        assert_eq!(decoded, Packed(pairs.to_vec()));
        assert_eq!(
            Packed::from_sql(&Type::INT8_ARRAY, &int8_array(&[])).unwrap(),
            Packed(Vec::new())
        );
        // every cut of it, a NULL element, another element type: errors, no panic
        for cut in 0..raw.len() {
            assert!(
                Packed::from_sql(&Type::INT8_ARRAY, &raw[..cut]).is_err(),
                "{cut}"
            );
        }
        assert!(Packed::from_sql(&Type::INT8_ARRAY, &int8_array(&[Some(1), None])).is_err());
        let mut int4 = raw.clone();
        int4[8..12].copy_from_slice(&23u32.to_be_bytes());
        assert!(Packed::from_sql(&Type::INT8_ARRAY, &int4).is_err());
        // any bytes at all (a small deterministic fuzz): an answer or an error
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        for _ in 0..20_000 {
            let len = (rng.0 % 64) as usize;
            let mut bytes: Vec<u8> = raw.iter().copied().take(len).collect();
            for b in bytes.iter_mut() {
                let state = rng.next();
                if state.is_multiple_of(5) {
                    *b = state as u8;
                }
            }
            let _ = Packed::from_sql(&Type::INT8_ARRAY, &bytes);
        }
    }

    fn listed(oid: u32, link: u32, flags: u8) -> Listed {
        Listed {
            oid,
            file: oid + 1_000_000,
            link,
            flags,
        }
    }

    /// Tables 10, 20 and 1000.. with an index each (11, 21, 10_000 + t): every one measured
    /// at version 1.
    fn measured_at_one(extra: u32) -> (RelationSlots, Vec<(u32, u32)>) {
        let mut list = vec![
            listed(10, 0, HERE),
            listed(11, 10, INDEX | HERE),
            listed(20, 0, HERE),
            listed(21, 20, INDEX | HERE),
        ];
        for t in 1000..1000 + extra {
            list.push(listed(t, 0, HERE));
            list.push(listed(t + 10_000, t, INDEX | HERE));
        }
        let mut r = RelationSlots::of_listed(list, &RelationSlots::default());
        let versions: Vec<(u32, u32)> = [10, 20]
            .into_iter()
            .chain(1000..1000 + extra)
            .map(|t| (t, 1))
            .collect();
        r.see(&versions, None);
        let (wanted, _) = r.wanted(true, (0, 1));
        assert_eq!(wanted.len(), r.len(), "nothing known: everything");
        for s in wanted {
            r.measured(s as usize, 8192);
        }
        (r, versions)
    }

    fn wanted_oids(r: &RelationSlots, sweep: (usize, usize)) -> Vec<u32> {
        r.wanted(true, sweep)
            .0
            .into_iter()
            .map(|s| r.oids[s as usize])
            .collect()
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
        let (mut r, mut versions) = measured_at_one(2000);
        // nothing moved: only the sweep's slice (slot 100 and on)
        r.see(&versions, None);
        assert_eq!(wanted_oids(&r, (100, 3)).len(), 3, "only the sweep");
        // table 10 written: its version moves, and its index is measured with it
        versions[0].1 = 2;
        r.see(&versions, None);
        let moved = wanted_oids(&r, (100, 0));
        assert_eq!(moved, [10, 11]);
        // the last refresh's list says what did not move: table 20 is not looked at, so a
        // change the list does not show is not seen (the list is the refresh's own)
        let last = versions.clone();
        versions[1].1 = 9;
        r.see(&versions, Some(&last));
        assert_eq!(wanted_oids(&r, (100, 0)), [10, 11, 20, 21]);
        for s in r.wanted(true, (0, 0)).0 {
            r.measured(s as usize, 100);
        }
        assert!(wanted_oids(&r, (100, 0)).is_empty());
        // writes not counted: every relation, every time
        assert_eq!(r.wanted(false, (0, 1)).0.len(), r.len());
    }

    #[test]
    fn a_new_layout_keeps_what_was_measured_but_not_a_rebuilt_index() {
        let (r, _) = measured_at_one(0);
        // index 21 rebuilt (a new file), table 30 created, table 10 and its index dropped
        let mut list = vec![
            listed(20, 0, HERE),
            listed(21, 20, INDEX | HERE),
            listed(30, 0, HERE),
        ];
        list[1].file = 7;
        let new = RelationSlots::of_listed(list, &r);
        let sizes = new.sizes();
        assert!(sizes.knows(20) && !sizes.knows(21) && !sizes.knows(30) && !sizes.knows(10));
        assert_eq!(
            sizes.table(20),
            TableBytes {
                heap: 8192,
                index: 0,
                toast: 0
            }
        );
        assert_eq!(wanted_oids(&new, (0, 0)), [21, 30]);
    }

    #[test]
    fn an_index_of_a_rewritten_table_is_measured_again_with_it() {
        let (r, _) = measured_at_one(0);
        // table 20 rewritten (a new file) while its index keeps its own; table 10 untouched
        let mut list = vec![
            listed(10, 0, HERE),
            listed(11, 10, INDEX | HERE),
            listed(20, 0, HERE),
            listed(21, 20, INDEX | HERE),
        ];
        list[2].file = 7;
        let new = RelationSlots::of_listed(list, &r);
        assert_eq!(wanted_oids(&new, (0, 0)), [20, 21]);
        assert_eq!(new.sizes().table(10).total(), 2 * 8192);
    }

    /// Each slot's file number as listed, whether it is its oid or not; only those that are
    /// not are kept apart, and a rewrite in either direction (a file numbered as the oid
    /// renumbered, and back) is measured again.
    #[test]
    fn file_numbers_are_kept_apart_only_where_they_are_not_the_oid() {
        let mut rng = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        let list: Vec<Listed> = (1..=2_000u32)
            .map(|oid| Listed {
                oid: oid * 3,
                file: match rng.below(4) {
                    0 => oid * 3 + 1,
                    1 => oid * 3 + 2,
                    _ => oid * 3,
                },
                link: 0,
                flags: HERE,
            })
            .collect();
        let r = RelationSlots::of_listed(list.clone(), &RelationSlots::default());
        for (s, l) in list.iter().enumerate() {
            assert_eq!(r.file(s), l.file, "slot {s}");
        }
        let apart = list.iter().filter(|l| l.file != l.oid).count();
        assert!(apart > 0 && apart < list.len());
        assert_eq!(r.renumbered.len(), apart);
        // measured by their files, then each slot's file number moved to the other kind: all
        // measured again
        let mut r = r;
        r.add_files(list.iter().map(|l| FileSize {
            node: l.file,
            main: true,
            size: i64::from(l.oid) * PAGE,
        }));
        for l in &list {
            assert_eq!(r.sizes().table(l.oid).total(), i64::from(l.oid) * PAGE);
        }
        assert!(wanted_oids(&r, (0, 0)).is_empty());
        let moved: Vec<Listed> = list
            .iter()
            .map(|l| Listed {
                file: if l.file == l.oid { l.oid + 2 } else { l.oid },
                ..*l
            })
            .collect();
        let new = RelationSlots::of_listed(moved, &r);
        assert_eq!(wanted_oids(&new, (0, 0)).len(), list.len());
    }

    #[test]
    fn page_counts_keep_every_size_exactly() {
        let mut sizes = vec![0, 8192, PAGE * i64::from(ASIDE - 1), UNKNOWN, 1, 8191, 8193];
        sizes.extend([
            PAGE * i64::from(ASIDE),
            PAGE * i64::from(u32::MAX),
            i64::MAX,
            -2,
        ]);
        let mut rng = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        for _ in 0..5_000 {
            let state = rng.next();
            sizes.push(state as i64 >> (state % 60));
            sizes.push((state % 1_000_000) as i64 * PAGE);
        }
        let mut counts = PageCounts::unmeasured(3);
        for (i, &b) in sizes.iter().enumerate() {
            let s = i % 3;
            counts.set(s, b);
            assert_eq!(counts.get(s), b, "{b}");
            assert_eq!(counts.known(s), b != UNKNOWN);
        }
        // a size set over one kept aside leaves nothing aside behind
        for s in 0..3 {
            counts.set(s, 5);
            counts.set(s, 16_384);
        }
        assert!(counts.aside.is_empty());
        assert_eq!(counts.pages, [2, 2, 2]);
    }

    #[test]
    fn ranks_count_the_tables_before_each_slot() {
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        for n in [0usize, 1, 63, 64, 65, 200, 1_000] {
            let is: Vec<bool> = (0..n).map(|_| rng.below(3) != 0).collect();
            let ranks = Ranks::new(n, |s| is[s]);
            let mut before = 0;
            for (s, &table) in is.iter().enumerate() {
                assert_eq!(ranks.of(s), table.then_some(before), "{n} {s}");
                before += usize::from(table);
            }
            assert_eq!(ranks.count(), before);
            assert_eq!(ranks.of(n), None);
        }
    }

    #[test]
    fn the_sweep_reaches_every_relation_in_turn() {
        let (r, _) = measured_at_one(2000);
        let mut seen = std::collections::BTreeSet::new();
        let mut sweep = 0;
        // refreshes a minute apart: every relation within the hour
        let slice = sweep_slice(r.len(), std::time::Duration::from_secs(60));
        assert_eq!(slice, 67);
        for _ in 0..60 {
            let (w, next) = r.wanted(true, (sweep, slice));
            seen.extend(w);
            sweep = next;
        }
        assert_eq!(seen.len(), r.len());
        assert_eq!(sweep_slice(r.len(), std::time::Duration::ZERO), 1);
        let hours = std::time::Duration::from_secs(7200);
        assert_eq!(sweep_slice(r.len(), hours), r.len());
        // an empty catalog sweeps nothing and never divides by zero
        assert_eq!(sweep_slice(0, std::time::Duration::from_secs(60)), 1);
        assert!(RelationSlots::default().wanted(true, (5, 1)).0.is_empty());
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
        let r = RelationSlots::of(
            [(10, 100), (11, 10), (12, 20), (30, 1000), (31, 5)],
            [(11, 10), (12, 10), (31, 30)],
            [(10, 30)],
        );
        let sizes = r.sizes();
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
        assert_eq!(
            sizes.table(11),
            TableBytes {
                heap: 10,
                index: 0,
                toast: 0
            }
        );
    }

    #[test]
    fn files_add_up_by_their_number_every_fork_and_segment() {
        let mut r = RelationSlots::of_listed(
            vec![
                listed(10, 0, HERE),
                listed(11, 10, INDEX | HERE),
                listed(12, 0, 0), // elsewhere: not by its files
                listed(13, 0, HERE),
            ],
            &RelationSlots::default(),
        );
        let f = |name: &str, size: i64| {
            relation_file(name).map(|(node, main)| FileSize { node, main, size })
        };
        r.add_files(
            [
                f("1000010", 8192),
                f("1000010_fsm", 24576),
                f("1000010_vm", 8192),
                f("1000010.1", 1 << 30),
                f("1000010_fsm.1", 1),
                f("1000011", 16384),
                f("1000011.tmp", 999),
                f("01000011", 999),
                f("1000012", 999),
                f("1000013_fsm", 999), // its main file gone: not measured
                f("PG_VERSION", 3),
                f("99999999999", 5),
            ]
            .into_iter()
            .flatten(),
        );
        let sizes = r.sizes();
        assert_eq!(
            sizes.table(10),
            TableBytes {
                heap: 8192 + 24576 + 8192 + (1 << 30) + 1,
                index: 16384,
                toast: 0
            }
        );
        assert!(!sizes.knows(12) && !sizes.knows(13));
        assert_eq!(r.elsewhere(), [12]);
        assert_eq!(
            r.unmeasured(),
            [12, 13],
            "the size functions measure what the files did not"
        );
    }

    #[test]
    fn relation_files_are_told_by_their_names() {
        assert_eq!(relation_file("16384"), Some((16384, true)));
        assert_eq!(relation_file("16384_fsm"), Some((16384, false)));
        assert_eq!(relation_file("16384_vm.12"), Some((16384, false)));
        assert_eq!(relation_file("16384.1"), Some((16384, false)));
        assert_eq!(relation_file("4294967295_init"), Some((u32::MAX, false)));
        for stray in [
            "",
            "PG_VERSION",
            "pg_filenode.map",
            "pg_internal.init",
            "16384.tmp",
            "16384_",
            "16384.",
            "16384.0",
            "16384.01",
            "016384",
            "16384_fsm_vm",
            "16384_main",
            "16384._fsm",
            "4294967296",
            "99999999999",
            "16384.1.2",
            "16384 ",
            "١٢٣",
        ] {
            assert_eq!(relation_file(stray), None, "{stray:?}");
        }
    }

    /// Random names never panic the parser, and what it takes is a relation's file name.
    #[test]
    fn relation_file_names_fuzzed() {
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut next = || rng.next();
        let alphabet: Vec<char> = "0123456789_.fsmvinit9é\u{0}".chars().collect();
        for _ in 0..200_000 {
            let len = (next() % 16) as usize;
            let name: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            if let Some((node, main)) = relation_file(&name) {
                let base = node.to_string();
                assert!(name.starts_with(&base), "{name:?}");
                let rest = &name[base.len()..];
                assert_eq!(main, rest.is_empty(), "{name:?}");
                let fork = rest.split('.').next().unwrap();
                assert!(["", "_fsm", "_vm", "_init"].contains(&fork), "{name:?}");
            }
        }
    }
}
