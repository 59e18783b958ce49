//! The catalog pass: the Hypertables, Compression, Retention and Indexes tabs and the database's
//! estimated size, read together.
//!
//! The tabs need the same numbers — every relation's pages, every index's statistics — and read
//! apart they read them twice. On TimescaleDB a refresh reads those numbers flat, with the
//! per-relation rows and the listed indexes, all pipelined on the one connection, and sums them
//! on the client along the catalog's structure, kept between refreshes (see
//! [`super::structure`]).

use futures_util::{join, try_join};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error};

use super::compression;
use super::indexes::{self, Index, IndexStructure, Usage, UsageSums};
use super::retention::{self, PartitionedTable};
use super::rows::each_row;
use super::sizes::hot;
use super::sizes::{RelationVersions, Sessions, SizeKeeper, VERSIONS_SLICE};
use super::statements::Prepared;
use super::structure::{Cached, Fingerprint, IdMap, IdSet, Periodic};
use super::tables::{self, ChunkStructure, CompressionSettings, Tables};
use super::watch::Horizon;
use super::{Payload, ReadError};
use crate::capabilities::Capabilities;
use crate::queries;

mod read;
mod rows_moved;
pub mod stamp;
pub mod watch;

/// What one catalog pass reads, each part on its own: a part that cannot be read (a role
/// without the privilege, a timeout on one query) leaves the others shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub relations: PartRead<RelationRows>,
    pub indexes: PartRead<Vec<Index>>,
    /// Every relation of the database on disk, all forks.
    pub database_bytes: PartRead<i64>,
    /// When the indexes' counters (scans, tuples read) were read: every few minutes, not at
    /// every refresh (see [`USAGE_EVERY`]).
    pub scans_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A part of the pass, or why it could not be read.
pub type PartRead<T> = Result<T, ReadError>;

/// The datasets a part of the pass fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    Relations,
    Indexes,
    DatabaseSize,
}

/// The relations the pass is about besides indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum RelationRows {
    /// TimescaleDB: the Hypertables, Compression and Retention tabs' rows.
    Hypertables(Tables),
    /// Plain PostgreSQL: partitioned tables stand in for retention.
    Partitions(Vec<PartitionedTable>),
}

impl Catalog {
    /// Each dataset's payload; a part that failed is marked so.
    pub fn into_payloads(self) -> Vec<Payload> {
        let mut out = match self.relations {
            Ok(RelationRows::Hypertables(t)) => vec![
                Payload::Hypertables(t.hypertables),
                Payload::Compression(t.compression),
                Payload::Retention(t.retention),
            ],
            Ok(RelationRows::Partitions(p)) => vec![Payload::Partitions(p)],
            Err(e) => vec![Payload::Failed(Parts::Relations, e)],
        };
        out.push(match self.indexes {
            Ok(v) => Payload::Indexes(v),
            Err(e) => Payload::Failed(Parts::Indexes, e),
        });
        out.push(match self.database_bytes {
            Ok(v) => Payload::DatabaseSize(v),
            Err(e) => Payload::Failed(Parts::DatabaseSize, e),
        });
        out
    }

    /// The parts, each read or failed on its own; when every one failed, the read failed (the
    /// first error: a lost connection fails them all, and the caller must see it as such).
    fn of(
        relations: Result<RelationRows, Error>,
        indexes: Result<Vec<Index>, Error>,
        database_bytes: Result<i64, Error>,
    ) -> Result<Catalog, Error> {
        match (relations, indexes, database_bytes) {
            (Err(e), Err(_), Err(_)) => Err(e),
            (relations, indexes, database_bytes) => Ok(Catalog {
                relations: relations.map_err(ReadError::from),
                indexes: indexes.map_err(ReadError::from),
                database_bytes: database_bytes.map_err(ReadError::from),
                scans_at: None,
            }),
        }
    }
}

/// A hypertable (or a continuous aggregate's materialization) as the structure knows it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HypertableOid {
    pub oid: u32,
    /// TimescaleDB's id.
    pub id: i32,
    /// Its attribute slots (`relnatts`): a chunk with fewer numbers its columns differently.
    pub columns: i16,
}

/// What only DDL changes about the catalog, kept between refreshes (see [`super::structure`]),
/// and by a one-shot read for the next (see [`super::kept`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogStructure {
    pub hypertables: Vec<HypertableOid>,
    /// The ordinary tables whose indexes the Indexes tab lists.
    pub tables: Vec<u32>,
    pub chunks: ChunkStructure,
    pub indexes: IndexStructure,
    /// Compression settings by hypertable id.
    pub settings: IdMap<i32, CompressionSettings>,
    /// How many times it was patched since it was read or taken (not kept: a part is written
    /// again when it moves, else another process would take the read it patched).
    #[serde(skip)]
    pub revision: u64,
}

/// What the catalog pass keeps between its refreshes on one connection.
#[derive(Debug, Default)]
pub struct KeptCatalog {
    /// Kept under [`KeptCatalog::structure_key`]: read whole again when it moves.
    pub structure: Cached<CatalogStructure>,
    pub sizes: SizeKeeper,
    /// Segmentby statistics (the advisor's), read every few minutes, and a hypertable's again
    /// when its chunks moved (the fullest chunk it names can be decompressed or dropped).
    pub segments: Periodic<compression::Segments>,
    /// The hypertables whose chunks moved since their segment statistics were read.
    segments_moved: Vec<i32>,
    /// The relations' rows as the catalog defines them (`queries/tables.sql`), kept under
    /// [`KeptCatalog::listed_key`].
    pub listed: Cached<tables::ListedRelations>,
    /// TimescaleDB's catalog as the watch last saw it (see [`watch`]).
    pub watched: watch::Watched,
    /// Each listed index's scans summed, as of the last read of the counters.
    pub usage: Option<(std::time::Instant, UsageSums)>,
    /// When everything was last read whole (every [`WHOLE_EVERY`]).
    pub whole_at: Option<std::time::Instant>,
    /// Plain PostgreSQL: the partitions' and indexes' rows, read again when the relations'
    /// watch saw them change or the counters are due.
    plain: Option<(Vec<tokio_postgres::Row>, Vec<tokio_postgres::Row>)>,
    /// How many indexes' counters the last read of them took in.
    pub indexes_counted: usize,
    /// The listed tables' and indexes' rows as the structure was read or patched from (see
    /// `queries/listed_versions.sql`): a rename moves it.
    pub listed_stamp: Option<ListedStamp>,
    /// The retention jobs' runs (`queries/retention_runs.sql`), by job, and the relations' rows'
    /// key they were read for: read again for the jobs whose statistics the watch saw move.
    runs: Option<(Fingerprint, Vec<tokio_postgres::Row>)>,
    /// How many times every table's version was read (`queries/relation_versions.sql`) and
    /// the structure read whole: the watches' fallbacks, counted for the tests.
    pub versions_read: u64,
    pub structure_read: u64,
    /// How many times the hypertables and ordinary tables were listed again.
    pub tables_listed: u64,
    /// How many times the tabs' rows of the hypertables whose rows moved were read again, not
    /// every row: counted for the tests.
    pub rows_patched: u64,
    /// How many times the names' stamp was taken whole (no horizon to look from, or one out
    /// of reach), not from the last.
    pub stamps_whole: u64,
    /// How many times the names' stamp found every kept place holding its row still and
    /// probed none: counted for the tests.
    pub stamps_held: u64,
    /// How many times TimescaleDB's watch rested (scanned none of its tables).
    pub watch_rests: u64,
    /// TimescaleDB's counts of writes into compressed chunks (2.28+), read since the last.
    activity: super::chunk_activity::Kept,
}

pub use stamp::ListedStamp;

/// Everything is read whole this often whatever the watch says: the check that nothing was
/// missed, and the bound on what no watch sees (a rename of an ordinary table or an index, a
/// VACUUM's new maps on a table not written lately).
pub const WHOLE_EVERY: std::time::Duration = std::time::Duration::from_secs(600);
// the segment statistics, which no watch sees move, are read whole as often
const _: () = assert!(compression::SEGMENTS_READ_EVERY.as_secs() == WHOLE_EVERY.as_secs());

/// The indexes' counters (scans, tuples read) are read this often (a slow read at many chunks),
/// and at every whole read: the Indexes tab says how old they are.
pub const USAGE_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

impl KeptCatalog {
    /// What the structure is kept under: its own generation (bumped by a whole read, and by
    /// what the watches cannot patch). The definitions moving (hypertables, their dimensions,
    /// continuous aggregates) has the listed tables read again and patched in.
    pub fn structure_key(&self) -> Fingerprint {
        let g = self.watched.generations;
        Fingerprint::of([g.structure, 3]).whole()
    }

    /// What the segment statistics are kept under: which hypertables segment by which columns
    /// (the statistics themselves move with ANALYZE, which no watch sees: read again every few
    /// minutes; a hypertable's chunks moving reads its own again). Not the generations: a
    /// hypertable made or dropped without segments, or an `orderby` changed, leaves them as they
    /// are (each had them read again, for nothing).
    pub fn segments_key(&self) -> Fingerprint {
        let segmented = (self.structure.last().into_iter())
            .flat_map(|s| s.settings.iter())
            .filter_map(|(id, c)| Some((*id, c.segmentby.as_ref()?)));
        let members =
            segmented.map(|(id, columns)| crate::hash::fnv1a(format!("{id} {columns}").as_bytes()));
        Fingerprint::of(members).and_member(3).whole()
    }

    /// What the relations' rows are kept under: what the watch could not tell apart by
    /// hypertable (a row deleted; the rest are read again by hypertable, see `rows_moved`) and
    /// the structure's generation.
    pub fn listed_key(&self) -> Fingerprint {
        listed_key_of(&self.watched)
    }

    /// How old the index counters shown are, when they are.
    pub fn usage_age(&self) -> Option<std::time::Duration> {
        self.usage.as_ref().map(|(at, _)| at.elapsed())
    }

    /// How the relations the kept structure names stand now, looked at from the last stamp
    /// (`queries/listed_versions.sql`); `index_updates`: pg_index's counted updates, as the
    /// relations' watch read them.
    async fn listed_stamp(
        &mut self,
        client: &Client,
        statements: &mut Prepared,
        index_updates: stamp::IndexUpdates,
    ) -> Result<ListedStamp, Error> {
        let Some(s) = self.structure.last() else {
            return Ok(ListedStamp::default());
        };
        let named: Vec<u32> = (s.hypertables.iter().map(|h| h.oid))
            .chain(s.tables.iter().copied())
            .chain(s.indexes.listed.iter().map(|l| l.oid))
            .collect();
        let [sql] = statements
            .get(client, [queries::LISTED_VERSIONS.as_str()])
            .await?;
        let old = self.listed_stamp.as_ref();
        let (stamp, took) = stamp::take(client, &sql, named, old, index_updates).await?;
        self.stamps_whole += u64::from(took == stamp::Took::Whole);
        self.stamps_held += u64::from(took == stamp::Took::Held);
        Ok(stamp)
    }

    fn whole_due(&self, now: std::time::Instant) -> bool {
        self.whole_at
            .is_none_or(|at| now.duration_since(at) >= WHOLE_EVERY)
    }

    fn usage_due(&self, now: std::time::Instant) -> bool {
        self.usage
            .as_ref()
            .is_none_or(|(at, _)| now.duration_since(*at) >= USAGE_EVERY)
    }

    /// After a read that failed midway: what the watch saw was not read, so nothing it kept
    /// stands — the next refresh reads everything.
    fn forget(&mut self) {
        self.watched.forget();
        self.sizes.hot.forget();
        self.plain = None;
    }
}

/// What patching the structure for some chunks changed.
#[derive(Debug, Default, PartialEq)]
pub struct Patched {
    /// Tables dropped with their chunks (a chunk's table, a decompressed chunk's compressed
    /// data): their relations go.
    pub gone: Vec<u32>,
    /// The tables of the chunks written since: compressing or decompressing one truncates or
    /// refills it without counted writes, so they are measured again.
    pub stale: Vec<u32>,
    /// A new chunk's indexes could not be matched: the structure is read whole.
    pub unsettled: bool,
}

impl CatalogStructure {
    /// The chunks `asked` read again (`read`: created or changed since) put in, those `gone`
    /// taken out, and those asked and not read (dropped, their catalog rows kept) too (pure).
    pub fn patch(&mut self, read: read::ChunksRead, asked: &[i32], gone: &[i32]) -> Patched {
        let asked: IdSet<i32> = asked.iter().copied().collect();
        let gone_ids: IdSet<i32> = gone.iter().copied().collect();
        let mut out = Patched {
            unsettled: read.unsettled,
            ..Patched::default()
        };
        let mut chunks: Vec<tables::ChunkShape> = Vec::with_capacity(self.chunks.chunks().len());
        for c in self.chunks.chunks() {
            let now = (asked.contains(&c.id))
                .then(|| read.shapes.iter().find(|n| n.id == c.id))
                .flatten();
            if gone_ids.contains(&c.id) || asked.contains(&c.id) && now.is_none() {
                out.gone.push(c.table);
                out.gone.extend((c.compressed != 0).then_some(c.compressed));
            } else if let Some(now) = now {
                if c.compressed != 0 && now.compressed != c.compressed {
                    out.gone.push(c.compressed);
                }
            } else {
                chunks.push(c.clone());
            }
        }
        self.revision += 1;
        out.stale = read.shapes.iter().map(|c| c.table).collect();
        chunks.extend(read.shapes);
        self.chunks = ChunkStructure::new(chunks);
        self.indexes.chunk_indexes.extend(read.pairs);
        self.indexes.chunk_indexes.sort_unstable();
        self.indexes.chunk_indexes.dedup();
        out
    }

    /// What the relations created since (`new`) ask of the structure (pure): nothing when
    /// they are its chunks' tables and compressed tables, their indexes and TOAST tables,
    /// sequences; the indexes of the listed tables they are indexes of read again (an index
    /// made on a hypertable, a continuous aggregate or an ordinary table); None for any other
    /// (a table of its own): DDL the structure is read whole again for.
    pub fn indexes_to_read(&self, new: &[hot::NewRelation]) -> Option<Vec<u32>> {
        if new.is_empty() {
            return Some(Vec::new());
        }
        let tables: IdSet<u32> = (self.chunks.chunks().iter())
            .flat_map(|c| [c.table, c.compressed])
            .chain(new.iter().filter(|n| n.kind == b't').map(|n| n.oid))
            .collect();
        let listed: IdSet<u32> = (self.hypertables.iter().map(|h| h.oid))
            .chain(self.tables.iter().copied())
            .collect();
        let mut read = Vec::new();
        for n in new {
            match n.kind {
                b't' | b'S' => {}
                b'r' if tables.contains(&n.oid) => {}
                b'i' if tables.contains(&n.table) => {}
                b'i' if listed.contains(&n.table) => read.push(n.table),
                // a table listed since (see `relist`): its indexes
                b'r' | b'm' | b'p' if listed.contains(&n.oid) => read.push(n.oid),
                _ => return None,
            }
        }
        read.sort_unstable();
        read.dedup();
        Some(read)
    }

    /// The hypertables and ordinary tables listed again (`queries/listed_tables.sql`) put in
    /// place of those kept (pure): those gone taken out with their listed indexes (their chunks
    /// go with the chunks' watch), those new (or an ordinary table made a hypertable) returned,
    /// their indexes to be read. None, leaving it as it was, when a kept hypertable changed
    /// (another id, other attribute slots): read whole. `tables` None: the hypertables alone
    /// were listed, and the ordinary tables are those kept less any made a hypertable (one
    /// made or dropped is a relation the relations' watch sees).
    pub fn relist(
        &mut self,
        hypertables: Vec<HypertableOid>,
        tables: Option<Vec<u32>>,
    ) -> Option<Vec<u32>> {
        let kept: IdMap<u32, HypertableOid> =
            self.hypertables.iter().map(|h| (h.oid, *h)).collect();
        if (hypertables.iter()).any(|h| kept.get(&h.oid).is_some_and(|k| k != h)) {
            return None;
        }
        let tables = tables.unwrap_or_else(|| {
            let now: IdSet<u32> = hypertables.iter().map(|h| h.oid).collect();
            (self.tables.iter().copied())
                .filter(|t| !now.contains(t))
                .collect()
        });
        let old_tables: IdSet<u32> = self.tables.iter().copied().collect();
        let new: Vec<u32> = (hypertables.iter())
            .filter(|h| !kept.contains_key(&h.oid))
            .map(|h| h.oid)
            .chain(tables.iter().copied().filter(|t| !old_tables.contains(t)))
            .collect();
        let now: IdSet<u32> = (hypertables.iter().map(|h| h.oid))
            .chain(tables.iter().copied())
            .collect();
        let gone: IdSet<u32> = (kept.keys().copied())
            .chain(old_tables.iter().copied())
            .filter(|oid| !now.contains(oid))
            .collect();
        let indexes = &mut self.indexes;
        let gone_indexes: IdSet<u32> = (indexes.listed.iter())
            .filter(|l| gone.contains(&l.table_oid))
            .map(|l| l.oid)
            .collect();
        indexes.listed.retain(|l| !gone.contains(&l.table_oid));
        (indexes.chunk_indexes).retain(|(_, of)| !gone_indexes.contains(of));
        indexes.invalid.retain(|oid| !gone_indexes.contains(oid));
        self.hypertables = hypertables;
        self.tables = tables;
        self.revision += 1;
        Some(new)
    }

    /// The hypertables of the chunks kept among `ids` and `more` (pure).
    pub fn hypertables_of(&self, ids: &[i32], more: &[i32]) -> Vec<i32> {
        let ids: IdSet<i32> = ids.iter().chain(more).copied().collect();
        (self.chunks.chunks().iter())
            .filter(|c| ids.contains(&c.id))
            .map(|c| c.hypertable_id)
            .collect()
    }

    /// Whether every chunk kept is of a hypertable kept (after [`relist`](Self::relist) and a
    /// patch: a hypertable dropped took its chunks).
    pub fn chunks_listed(&self) -> bool {
        let ids: IdSet<i32> = self.hypertables.iter().map(|h| h.id).collect();
        (self.chunks.chunks().iter()).all(|c| ids.contains(&c.hypertable_id))
    }

    /// `read`'s tables' indexes put in place of those kept (pure): their listing and their
    /// chunks' indexes, and which indexes are invalid.
    pub fn patch_indexes(&mut self, read: read::IndexesRead) {
        let tables: IdSet<u32> = read.tables.iter().copied().collect();
        let indexes = &mut self.indexes;
        let old: IdSet<u32> = (indexes.listed.iter())
            .filter(|l| tables.contains(&l.table_oid))
            .map(|l| l.oid)
            .collect();
        indexes.listed.retain(|l| !tables.contains(&l.table_oid));
        indexes.listed.extend(read.listed);
        let chunk_indexes: IdSet<u32> = read.chunk_indexes.iter().map(|p| p.0).collect();
        (indexes.chunk_indexes)
            .retain(|(index, of)| !old.contains(of) && !chunk_indexes.contains(index));
        indexes.chunk_indexes.extend(read.chunk_indexes);
        indexes.chunk_indexes.sort_unstable();
        // the validity of the indexes read replaced, the others' kept
        (indexes.invalid).retain(|oid| read.indexes.binary_search(oid).is_err());
        indexes.invalid.extend(read.invalid);
        indexes.invalid.sort_unstable();
        indexes.invalid.dedup();
        self.revision += 1;
    }

    /// The relations `gone` (dropped) taken out (pure): listed indexes, chunk indexes and
    /// ordinary tables; the tables still there that lost a listed index, whose indexes are to
    /// be read again (a chunk index matched to one of two look-alike indexes belongs to the
    /// other once one goes). None, leaving it as it was, when one is a hypertable or a chunk's
    /// table the structure still holds: the chunks' watch accounts for those, and what it did
    /// not see is read whole.
    pub fn forget(&mut self, gone: &[u32]) -> Option<Vec<u32>> {
        if gone.is_empty() {
            return Some(Vec::new());
        }
        let gone: IdSet<u32> = gone.iter().copied().collect();
        let held = (self.hypertables.iter().map(|h| h.oid)).chain(
            self.chunks
                .chunks()
                .iter()
                .flat_map(|c| [c.table, c.compressed]),
        );
        if held.into_iter().any(|oid| gone.contains(&oid)) {
            return None;
        }
        let mut read_again: Vec<u32> = (self.indexes.listed.iter())
            .filter(|l| gone.contains(&l.oid) && !gone.contains(&l.table_oid))
            .map(|l| l.table_oid)
            .collect();
        read_again.sort_unstable();
        read_again.dedup();
        let indexes = &mut self.indexes;
        indexes.listed.retain(|l| !gone.contains(&l.oid));
        (indexes.chunk_indexes).retain(|(index, of)| !gone.contains(index) && !gone.contains(of));
        indexes.invalid.retain(|oid| !gone.contains(oid));
        self.tables.retain(|oid| !gone.contains(oid));
        self.revision += 1;
        Some(read_again)
    }

    /// The listing's parameters (`queries/listed_indexes.sql`): every listed table's oid, and
    /// its hypertable's id (none for an ordinary table).
    fn listed(&self) -> (Vec<u32>, Vec<Option<i32>>) {
        let hypertables = self.hypertables.iter().map(|h| (h.oid, Some(h.id)));
        let tables = self.tables.iter().map(|&oid| (oid, None));
        hypertables.chain(tables).unzip()
    }
}

/// How a catalog pass reads: once and dropped (`one_shot`), and whether what it keeps is kept
/// for another process all the same.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadMode {
    pub one_shot: bool,
    pub keeps: bool,
    /// A console's refresh: TimescaleDB's watch may rest every other refresh (see
    /// [`crate::model::watch::Rest`]).
    pub rests: bool,
}

impl ReadMode {
    /// Whether the versions are read (the relations', the definitions'): what is kept is
    /// checked against them.
    fn versions(self) -> bool {
        !self.one_shot || self.keeps
    }
}

/// Reads the catalog pass, keeping its statements in `statements` and what it learns in `kept`.
/// A refresh (and a one-shot read that keeps for the next) watches first and reads again only
/// what moved (see [`watch`] and `sizes::hot`); a one-shot read that keeps nothing reads it all,
/// its `helper` session taking the relations' layout, half of the files, the index numbers and
/// the segment statistics.
pub async fn fetch(
    client: &Client,
    helper: Option<&Client>,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
    reading: ReadMode,
) -> Result<Catalog, Error> {
    let sessions = Sessions {
        main: client,
        helper,
        may_stat_files: caps.may_stat_files,
    };
    let result = match (caps.timescaledb.is_some(), reading.versions()) {
        (false, _) => fetch_plain(sessions, statements, kept, reading).await,
        (true, false) => fetch_once(sessions, caps, statements, kept).await,
        (true, true) => fetch_watched(sessions, caps, statements, kept, reading.rests).await,
    };
    if result.is_err() {
        kept.forget();
    }
    result
}

/// What a refresh does after its watch: read the structure whole, or patch it for the chunks
/// written since; read every table's version, or only the watched ones'.
async fn fetch_watched(
    sessions: Sessions<'_>,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
    rests: bool,
) -> Result<Catalog, Error> {
    let client = sessions.main;
    let [relations_sql, watch_sql, versions_sql] = statements
        .get(
            client,
            [
                queries::RELATIONS_WATCH.as_str(),
                queries::timescaledb_watch(caps),
                queries::RELATION_VERSIONS.as_str(),
            ],
        )
        .await?;
    // the relations first: a chunk made between the two is in the second, its relations in the
    // next refresh's first, found then among the structure's chunks
    let hot_oids = kept.sizes.hot.oids();
    let start = kept
        .watched
        .start(rests && !kept.whole_due(std::time::Instant::now()));
    let (relations, mut answer) = try_join!(
        hot::read(
            client,
            &relations_sql,
            &hot_oids,
            kept.sizes.hot.asked_from()
        ),
        watch::read(client, &watch_sql, &start),
    )?;
    let now = std::time::Instant::now();
    let mut verdict = kept.sizes.hot.take(&relations, now);
    // the relations new to what is kept (asked from an older watch, some are known)
    verdict.new.retain(|n| !kept.sizes.has(n.oid));
    if !answer.scanned && (!verdict.new.is_empty() || verdict.catalog) {
        // it rested, yet relations were made or the catalog written: a chunk made or
        // compressed whose rows in TimescaleDB's catalog were not counted yet. Scanned now,
        // not at the next refresh (the structure would meet relations it cannot place).
        let start = watch::Start {
            rest: None,
            ..start.clone()
        };
        answer = watch::read(client, &watch_sql, &start).await?;
    }
    kept.watch_rests += u64::from(!answer.scanned);
    let unaccounted = kept.watched.needs_every_row(&answer);
    let moved = match unaccounted.any() {
        true => {
            let [ids_sql] = statements.get(client, [queries::chunk_ids(caps)]).await?;
            let ids = watch::read_ids(client, &ids_sql, unaccounted).await?;
            kept.watched.take_deleted(answer, &ids)
        }
        false => kept.watched.take(answer),
    };
    let whole = moved.all || !kept.sizes.holds() || kept.whole_due(now);
    if whole {
        kept.watched.generations.structure += 1;
        kept.whole_at = Some(now);
    }

    // The structure: patched for the chunks written since and the indexes made, or read
    // whole.
    let mut changes = Patched::default();
    // the stamp of what the structure names taken again at this refresh: after indexes are
    // taken in (theirs stamped as read), and after the tables are listed again (a rename among
    // them is then seen at once, not when the statistics count it)
    let mut stamp_due = false;
    if let Some(structure) = (kept.structure.holds_for(kept.structure_key()))
        .then(|| kept.structure.last_mut())
        .flatten()
    {
        // the definitions moved: the hypertables and ordinary tables listed again (before the
        // chunks: a new hypertable's are patched in under it)
        let mut relisted = Some(Vec::new());
        if moved.definitions {
            let asked = (&start.horizon, false);
            relisted = relist(
                client,
                statements,
                structure,
                asked,
                &mut kept.tables_listed,
            )
            .await?;
            stamp_due = true;
        }
        if !moved.chunks.is_empty() || !moved.gone.is_empty() {
            let chunks =
                read::read_chunks(client, caps, statements, structure, &moved.chunks).await?;
            let of = |s: &CatalogStructure| s.hypertables_of(&moved.chunks, &moved.gone);
            kept.segments_moved.extend(of(structure));
            changes = structure.patch(chunks, &moved.chunks, &moved.gone);
            kept.segments_moved.extend(of(structure));
        }
        // a relation made that is no chunk's (the chunks made with it patched in first: a new
        // chunk's table had every table listed again, for one chunk): an ordinary table
        // (a hypertable made moves the definitions, and was listed above; the tables listed
        // then too, with what that found new)
        if structure.indexes_to_read(&verdict.new).is_none() {
            let asked = (&start.horizon, true);
            let more = relist(
                client,
                statements,
                structure,
                asked,
                &mut kept.tables_listed,
            )
            .await?;
            relisted = relisted.zip(more).map(|(a, b)| [a, b].concat());
            stamp_due = true;
        }
        changes.unsettled |= relisted.is_none() || !structure.chunks_listed();
        if moved.settings && !changes.unsettled {
            structure.settings =
                read::read_settings(client, caps, statements, &structure.hypertables).await?;
            structure.revision += 1;
        }
        match structure.indexes_to_read(&verdict.new) {
            Some(mut tables) if !changes.unsettled => {
                tables.extend(relisted.into_iter().flatten());
                tables.sort_unstable();
                tables.dedup();
                if !tables.is_empty() {
                    let read = read::read_indexes(client, statements, structure, tables).await?;
                    structure.patch_indexes(read);
                    stamp_due = true;
                }
            }
            _ => kept.watched.generations.structure += 1,
        }
    }
    // a rename or drop among what the structure names is counted, not watched: looked at
    // then (and after indexes are taken in, so that theirs are stamped as they were read)
    // (the relations it takes out go from the sizes too, counted against the drops)
    let mut forgotten = Vec::new();
    if (verdict.catalog || stamp_due) && kept.structure.holds_for(kept.structure_key()) {
        let stamp = (kept.listed_stamp(client, statements, verdict.index_updates)).await?;
        let forgot = match (&kept.listed_stamp, kept.structure.last_mut()) {
            (Some(old), Some(structure)) => match stamp.moved_from(old) {
                (dropped, false) => forget(client, statements, structure, &dropped).await?,
                (_, true) => None,
            },
            _ => None,
        };
        match forgot {
            Some(gone) => (kept.listed_stamp, forgotten) = (Some(stamp), gone),
            None => kept.watched.generations.structure += 1,
        }
    }
    let key = kept.structure_key();
    let whole_structure = !kept.structure.holds_for(key);
    kept.structure_read += u64::from(whole_structure);
    kept.structure
        .get_or_read(key, || read::read_structure(client, caps, statements))
        .await?;
    if whole_structure {
        kept.listed_stamp =
            Some((kept.listed_stamp(client, statements, verdict.index_updates)).await?);
    }

    // The sizes: the relations created and dropped taken in, then every table's version read
    // when a table not watched was written (or a relation was dropped, or all is read whole),
    // else the watched ones'.
    let new = kept.sizes.to_list(&verdict);
    changes.gone.extend(forgotten);
    let removed = kept.sizes.patch(client, &new, &changes.gone).await?;
    let drops_seen = kept.sizes.hot.explain_drops(verdict.dropped, removed);
    if !changes.gone.is_empty() {
        // the indexes of the chunks dropped went with them
        let KeptCatalog {
            structure, sizes, ..
        } = kept;
        if let Some(structure) = structure.last_mut() {
            (structure.indexes.chunk_indexes).retain(|(index, _)| sizes.has(*index));
            structure.revision += 1;
        }
    }
    if whole || whole_structure || verdict.elsewhere || !drops_seen {
        let versions = RelationVersions::read(client, &versions_sql, VERSIONS_SLICE).await?;
        kept.versions_read += 1;
        let temporary = versions.temporary.clone();
        let updated = kept.sizes.update(sessions, versions).await?;
        // a relation went that no watch accounted for: an index dropped (with its chunks'),
        // an ordinary table, taken out of the structure; anything else, and a relation that
        // came unseen, has the structure read whole too
        let forgot = match (updated.appeared.is_empty(), kept.structure.last_mut()) {
            (true, Some(structure)) => {
                (forget(client, statements, structure, &updated.gone).await?).is_some()
            }
            _ => false,
        };
        if updated.reread && !whole_structure && !forgot {
            kept.watched.generations.structure += 1;
            kept.structure_read += 1;
            let key = kept.structure_key();
            kept.structure
                .get_or_read(key, || read::read_structure(client, caps, statements))
                .await?;
            kept.listed_stamp =
                Some((kept.listed_stamp(client, statements, verdict.index_updates)).await?);
        }
        kept.sizes
            .hot
            .join(updated.moved.into_iter().chain(temporary), now);
        let hot_oids = kept.sizes.hot.oids();
        let again = hot::read(client, &relations_sql, &hot_oids, kept.sizes.hot.max_oid).await?;
        kept.sizes.hot.count(&again, now);
    } else {
        kept.sizes
            .update_watched(sessions, &verdict.versions, &changes.stale)
            .await?;
    }
    let usage_due = whole || kept.usage_due(now);
    rows(sessions, caps, statements, kept, usage_due, moved.job_stats).await
}

/// The hypertables (those whose rows were written since the watch's horizon `since`), and the
/// ordinary tables when `tables`, listed again and patched into `structure` (see
/// [`CatalogStructure::relist`]).
async fn relist(
    client: &Client,
    statements: &mut Prepared,
    structure: &mut CatalogStructure,
    (since, tables): (&Horizon, bool),
    count: &mut u64,
) -> Result<Option<Vec<u32>>, Error> {
    *count += 1;
    let kept = &structure.hypertables;
    let (hypertables, tables) = read::read_listed(client, statements, since, kept, tables).await?;
    Ok(structure.relist(hypertables, tables))
}

/// The relations `gone` taken out of `structure`, the indexes of the tables that lost one read
/// again; the relations taken out (those and the chunks' indexes made from an index among
/// them), or None when the structure is to be read whole instead (see
/// [`CatalogStructure::forget`]).
async fn forget(
    client: &Client,
    statements: &mut Prepared,
    structure: &mut CatalogStructure,
    gone: &[u32],
) -> Result<Option<Vec<u32>>, Error> {
    let chunks_indexes: Vec<u32> = (structure.indexes.chunk_indexes.iter())
        .filter(|(_, of)| gone.contains(of))
        .map(|&(index, _)| index)
        .collect();
    let Some(tables) = structure.forget(gone) else {
        return Ok(None);
    };
    if !tables.is_empty() {
        let read = read::read_indexes(client, statements, structure, tables).await?;
        structure.patch_indexes(read);
    }
    Ok(Some(gone.iter().copied().chain(chunks_indexes).collect()))
}

/// A one-shot read that keeps nothing for the next: everything read whole, on two sessions
/// when it has a helper.
async fn fetch_once(
    sessions: Sessions<'_>,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
) -> Result<Catalog, Error> {
    let client = sessions.main;
    let [watch_sql] = statements
        .get(client, [queries::timescaledb_watch(caps)])
        .await?;
    // every chunk's state and snapshot, as a watch from no horizon reads them
    let start = watch::Start::default();
    let answer = watch::read(client, &watch_sql, &start);
    let key = kept.structure_key();
    let structure = &mut kept.structure;
    let read_structure = async {
        structure
            .get_or_read(key, || read::read_structure(client, caps, statements))
            .await?;
        Ok::<_, Error>(())
    };
    let (answer, structure, sizes) =
        join!(answer, read_structure, kept.sizes.measure_all(sessions));
    let (answer, (), ()) = (answer?, structure?, sizes?);
    kept.watched = watch::Watched::default();
    kept.watched.take(answer);
    rows(sessions, caps, statements, kept, true, None).await
}

/// [`KeptCatalog::listed_key`] from what the watch keeps.
fn listed_key_of(watched: &watch::Watched) -> Fingerprint {
    let g = watched.generations;
    Fingerprint::of([watched.rows_moved.epoch, g.structure, 4]).whole()
}

/// The tabs' rows (`statement`: tables.sql, or its rows of the hypertables in `params`).
async fn read_listed(
    client: &Client,
    statement: &tokio_postgres::Statement,
    params: &[&(dyn ToSql + Sync)],
) -> Result<tables::ListedRelations, Error> {
    let (mut relations, mut names) = Default::default();
    each_row(client, statement, params, |r| {
        tables::ListedRelations::add_row(&mut relations, r, &mut names)
    })
    .await?;
    relations.shrink_to_fit();
    Ok(relations)
}

/// The tabs' rows of the hypertables `ids` (`statement`: tables_of), with their places in the
/// whole read's order.
async fn read_listed_of(
    client: &Client,
    statement: &tokio_postgres::Statement,
    ids: &[i32],
) -> Result<(tables::ListedRelations, tables::Places), Error> {
    let (mut relations, mut names, mut places) = Default::default();
    each_row(client, statement, &[&ids], |r| {
        tables::Places::add_row(&mut places, r)?;
        tables::ListedRelations::add_row(&mut relations, r, &mut names)
    })
    .await?;
    Ok((relations, places))
}

/// The tabs' rows from what is kept, with what moves with time read again (the policies'
/// thresholds as of now, integer "now"s), the relations' rows when they moved, the retention
/// jobs' runs for those that ran (`ran`: None, any may have), the index counters when
/// `usage_due`, the segment statistics when due.
async fn rows(
    sessions: Sessions<'_>,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
    usage_due: bool,
    ran: Option<Vec<i32>>,
) -> Result<Catalog, Error> {
    let client = sessions.main;
    let [list_sql, tables_sql, tables_of_sql, times_sql, runs_sql, usage_sql] = statements
        .get(
            client,
            [
                queries::INTEGER_NOW_CALLS.as_str(),
                queries::tables(caps),
                queries::tables_of(caps),
                queries::POLICY_TIMES,
                queries::RETENTION_RUNS.as_str(),
                queries::INDEX_NUMBERS,
            ],
        )
        .await?;
    // (prepared once: unprepared, it was planned at every refresh)
    let activity_sql = match caps
        .timescaledb
        .as_ref()
        .is_some_and(|t| t.chunk_statistics)
    {
        true => statements.get(client, [queries::CHUNK_ACTIVITY]).await.ok(),
        false => None,
    };
    let segments_key = kept.segments_key();
    let KeptCatalog {
        structure,
        sizes,
        segments,
        segments_moved,
        listed,
        watched,
        rows_patched,
        usage,
        indexes_counted,
        runs: kept_runs,
        activity,
        ..
    } = kept;
    let structure = structure.last().expect("read before the rows");
    let rows = async {
        // the rows of the hypertables whose rows moved read again and put in; where that cannot
        // be (one made, renamed), every row read
        let pending = watched.rows_moved.pending();
        let moved = !pending.is_empty();
        let holds = listed.holds_for(listed_key_of(watched));
        if let Some(kept) = (listed.last_mut()).filter(|_| holds && !pending.is_empty()) {
            let (fresh, places) = read_listed_of(client, &tables_of_sql, pending).await?;
            *rows_patched += 1;
            if !kept.patch(fresh, pending, &places) {
                // read whole, under a key of its own (what another process took from the
                // last is not taken for this)
                watched.rows_moved.read_whole();
            }
        }
        let listed_key = listed_key_of(watched);
        let relations = listed
            .get_or_read(listed_key, || read_listed(client, &tables_sql, &[]))
            .await?;
        watched.rows_moved.read();
        // (no integer-time hypertable, no integer "now" to read: one statement fewer a refresh)
        let nows = async {
            match relations.integer_time() {
                true => super::integer_now::read(client, &list_sql).await,
                false => Ok(Default::default()),
            }
        };
        let (intervals, mut jobs) = (relations.intervals(), relations.retention_jobs());
        jobs.sort_unstable();
        jobs.dedup();
        // the runs of the retention jobs that ran since (all, when the jobs moved: a policy
        // made, paused or altered has its next start read)
        let every = match (kept_runs.as_ref(), &ran) {
            (Some((key, _)), Some(ran)) if *key == listed_key && !moved => {
                jobs.retain(|j| ran.binary_search(j).is_ok());
                false
            }
            _ => true,
        };
        // together, on one round trip
        let (nows, times, runs) = try_join!(
            nows,
            query_unless_empty(client, &times_sql, &intervals),
            query_unless_empty(client, &runs_sql, &jobs),
        )?;
        let runs = match kept_runs.take() {
            Some((_, mut old)) if !every => {
                let job = |r: &tokio_postgres::Row| r.try_get::<_, i32>("job_id").unwrap_or(0);
                old.retain(|r| jobs.binary_search(&job(r)).is_err());
                old.extend(runs);
                old.sort_by_key(job);
                old
            }
            _ => runs,
        };
        let clock = tables::PolicyClock::from_rows(&times, &runs, &nows)?;
        *kept_runs = Some((listed_key, runs));
        Ok::<_, Error>((relations, clock))
    };
    let counters = async {
        if !usage_due {
            return Ok::<_, Error>(());
        }
        // on the helper, when there is one, as text: a statement prepared here is this
        // connection's
        let counted = match sessions.helper {
            Some(h) => Usage::read(h, queries::INDEX_NUMBERS, *indexes_counted).await?,
            None => Usage::read(client, &usage_sql, *indexes_counted).await?,
        };
        *indexes_counted = counted.count();
        *usage = Some((
            std::time::Instant::now(),
            UsageSums::of(&structure.indexes, &counted),
        ));
        Ok(())
    };
    let segmented = structure.settings.values().any(|c| c.segmentby.is_some());
    // on the helper as text (a statement prepared here is this connection's), else prepared
    // here (planned once; a statement that cannot be prepared reads as none)
    let (segment_client, segments_sql) = match sessions.helper {
        Some(helper) => (helper, None),
        None => (
            client,
            (statements.get(client, [queries::segment_stats(caps)]).await).ok(),
        ),
    };
    let segments_sql = segments_sql.as_ref().map(|[s]| s);
    // (the hypertables that do not segment have none to read)
    let mut moved = std::mem::take(segments_moved);
    moved.retain(|id| (structure.settings.get(id)).is_some_and(|c| c.segmentby.is_some()));
    let segments = read_segments(
        segments,
        segments_key,
        moved,
        (segment_client, segments_sql),
        caps,
        segmented,
    );
    // the writes into compressed chunks (2.28+); a read that fails shows none (statistics, not
    // what the tab's rows stand on)
    let counted = async {
        let now = std::time::Instant::now();
        let since = activity.since(now);
        let read = match activity_sql {
            Some([sql]) => super::chunk_activity::read(client, &sql, since).await.ok(),
            None => None,
        };
        activity.take(read, since, now);
    };
    let (rows, counters, segments, ()) = join!(rows, counters, segments, counted);
    let chunks = structure.chunks.chunks().iter();
    let activity = super::chunk_activity::by_hypertable(
        activity.counted(),
        chunks.map(|c| (c.table, c.compressed, c.hypertable_id)),
    );
    let sizes = sizes.sizes();
    let usage_sums = usage.as_ref().map(|(_, u)| u);
    let indexes = counters.map(|()| {
        let none = UsageSums::default();
        indexes::rows(&structure.indexes, usage_sums.unwrap_or(&none), &sizes)
    });
    let numbers = watched.numbers();
    let relations = rows.map(|r| (r, numbers));
    let scans_at = usage.as_ref().map(|(at, _)| {
        chrono::Utc::now() - chrono::TimeDelta::from_std(at.elapsed()).unwrap_or_default()
    });
    let relations = relations.map(|((rows, clock), numbers)| {
        let roots = tables::Roots::new(structure.hypertables.iter().map(|h| (h.id, h.oid)));
        let tables = tables::build(
            rows,
            &clock,
            &structure.chunks,
            &roots,
            &structure.settings,
            segments,
            &activity,
            &sizes,
            &numbers,
        );
        RelationRows::Hypertables(tables)
    });
    let mut catalog = Catalog::of(relations, indexes, Ok(sizes.database()))?;
    catalog.scans_at = scans_at;
    Ok(catalog)
}

/// The rows `sql` answers for `values`, none asked when there are none.
async fn query_unless_empty<T: ToSql + Sync>(
    client: &Client,
    sql: &tokio_postgres::Statement,
    values: &[T],
) -> Result<Vec<tokio_postgres::Row>, Error> {
    match values.is_empty() {
        true => Ok(Vec::new()),
        false => client.query(sql, &[&values]).await,
    }
}

/// The segment statistics kept in `kept`, read again when due: from `client` (with the
/// statement it keeps prepared, if any), or none to read unless `segmented` (some hypertable
/// compresses by segment); those of the hypertables `moved` (their chunks moved) read again
/// alone when the rest stands.
async fn read_segments<'a>(
    kept: &'a mut Periodic<compression::Segments>,
    fingerprint: Fingerprint,
    mut moved: Vec<i32>,
    (client, prepared): (&Client, Option<&tokio_postgres::Statement>),
    caps: &Capabilities,
    segmented: bool,
) -> Option<&'a compression::Segments> {
    moved.sort_unstable();
    moved.dedup();
    if segmented && !moved.is_empty() && kept.fresh(fingerprint, compression::SEGMENTS_READ_EVERY) {
        let read = compression::fetch_segments(client, prepared, caps, Some(&moved)).await;
        match (read, kept.value_mut()) {
            (Some(read), Some(segments)) => {
                segments.retain(|id, _| moved.binary_search(id).is_err());
                segments.extend(read);
            }
            // unread: all of them at this ask
            _ => kept.expire(),
        }
    }
    let read = || async move {
        match segmented {
            true => compression::fetch_segments(client, prepared, caps, None).await,
            false => Some(compression::Segments::default()),
        }
    };
    kept.get_or_read(fingerprint, compression::SEGMENTS_READ_EVERY, read)
        .await
}

/// Plain PostgreSQL: partitioned tables, every index (a partitioned index with its partitions'
/// sums) and the database's size. A refresh watches the relations as on TimescaleDB and reads
/// the partitions and indexes again when relations came or went, the catalog moved or the
/// indexes' counters are due.
async fn fetch_plain(
    sessions: Sessions<'_>,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
    reading: ReadMode,
) -> Result<Catalog, Error> {
    let client = sessions.main;
    let [relations_sql, versions_sql, partitions, indexes] = statements
        .get(
            client,
            [
                queries::RELATIONS_WATCH.as_str(),
                queries::RELATION_VERSIONS.as_str(),
                queries::PARTITIONS,
                queries::INDEXES_PLAIN.as_str(),
            ],
        )
        .await?;
    let now = std::time::Instant::now();
    let mut read_rows = kept.plain.is_none() || kept.usage_due(now);
    if !reading.versions() {
        kept.sizes.measure_all(sessions).await?;
    } else {
        let hot_oids = kept.sizes.hot.oids();
        let from = kept.sizes.hot.asked_from();
        let relations = hot::read(client, &relations_sql, &hot_oids, from).await?;
        let mut verdict = kept.sizes.hot.take(&relations, now);
        verdict.new.retain(|n| !kept.sizes.has(n.oid));
        let whole = !kept.sizes.holds() || kept.whole_due(now);
        if whole {
            kept.whole_at = Some(now);
        }
        let new = kept.sizes.to_list(&verdict);
        let removed = kept.sizes.patch(client, &new, &[]).await?;
        let drops_seen = kept.sizes.hot.explain_drops(verdict.dropped, removed);
        read_rows |= whole || verdict.catalog || !new.is_empty();
        if whole || verdict.elsewhere || !drops_seen {
            let versions = RelationVersions::read(client, &versions_sql, VERSIONS_SLICE).await?;
            kept.versions_read += 1;
            let temporary = versions.temporary.clone();
            let updated = kept.sizes.update(sessions, versions).await?;
            kept.sizes
                .hot
                .join(updated.moved.into_iter().chain(temporary), now);
            let hot_oids = kept.sizes.hot.oids();
            let again =
                hot::read(client, &relations_sql, &hot_oids, kept.sizes.hot.max_oid).await?;
            kept.sizes.hot.count(&again, now);
        } else {
            kept.sizes
                .update_watched(sessions, &verdict.versions, &[])
                .await?;
        }
    }
    let sizes = kept.sizes.sizes();
    let (partitions, indexes) = match (read_rows, &kept.plain) {
        (false, Some((partitions, indexes))) => (Ok(partitions.clone()), Ok(indexes.clone())),
        _ => {
            // each part on its own: a role may read one and not the other
            let (partitions, indexes) =
                join!(client.query(&partitions, &[]), client.query(&indexes, &[]));
            kept.plain = match (&partitions, &indexes) {
                (Ok(p), Ok(i)) => Some((p.clone(), i.clone())),
                _ => None,
            };
            kept.usage = Some((now, UsageSums::default()));
            (partitions, indexes)
        }
    };
    Catalog::of(
        partitions.and_then(|rows| {
            retention::partitions_from_rows(&rows, &sizes).map(RelationRows::Partitions)
        }),
        indexes.and_then(|rows| indexes::from_plain_rows(&rows, &sizes)),
        Ok(sizes.database()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;
    use crate::model::indexes::ListedIndex;
    use std::sync::Arc;

    /// Hypertable 10 (id 1) with chunk tables 100 and 110 (110 compressed into 111), index 20
    /// on it made on the chunks as 200 and 210; ordinary table 50 with index 60.
    fn structure() -> CatalogStructure {
        let chunk = |id, table, compressed| tables::ChunkShape {
            id,
            hypertable_id: 1,
            table,
            compressed,
            range_start: 0,
            range_end: 1,
            created: None,
            columns: 3,
            osm: false,
        };
        let listed = |oid, table_oid| {
            Arc::new(ListedIndex {
                table_oid,
                ..fixtures::listed(oid, "s", "t", "i", "a")
            })
        };
        CatalogStructure {
            hypertables: vec![HypertableOid {
                oid: 10,
                id: 1,
                columns: 3,
            }],
            tables: vec![50],
            chunks: ChunkStructure::new(vec![chunk(1, 100, 0), chunk(2, 110, 111)]),
            indexes: IndexStructure {
                chunk_indexes: vec![(200, 20), (210, 20)],
                listed: vec![listed(20, 10), listed(60, 50)],
                invalid: vec![60],
            },
            ..CatalogStructure::default()
        }
    }

    fn new(oid: u32, kind: u8, table: u32) -> hot::NewRelation {
        hot::NewRelation { oid, kind, table }
    }

    #[test]
    fn an_index_made_on_a_listed_table_reads_that_tables_indexes_alone() {
        let s = structure();
        assert_eq!(s.indexes_to_read(&[]), Some(vec![]));
        // a chunk's own relations are the structure's already
        let chunkish = [new(120, b'r', 0), new(121, b't', 0), new(122, b'i', 110)];
        assert_eq!(s.indexes_to_read(&chunkish[1..]), Some(vec![]));
        // an index on the hypertable (with its chunks') and one on the ordinary table
        let made = [new(300, b'i', 10), new(301, b'i', 100), new(302, b'i', 110)];
        assert_eq!(s.indexes_to_read(&made), Some(vec![10]));
        let both = [new(300, b'i', 10), new(303, b'i', 50)];
        assert_eq!(s.indexes_to_read(&both), Some(vec![10, 50]));
        // a table of its own, or an index on one the structure does not list: read whole
        assert_eq!(s.indexes_to_read(&[new(400, b'r', 0)]), None);
        assert_eq!(s.indexes_to_read(&[new(401, b'i', 999)]), None);
        assert_eq!(s.indexes_to_read(&[new(402, b'm', 0)]), None);
    }

    #[test]
    fn tables_listed_again_take_in_the_new_and_let_the_dropped_go() {
        let mut s = structure();
        let h = |oid, id| HypertableOid {
            oid,
            id,
            columns: 3,
        };
        // hypertable 10 dropped (its chunks go with the chunks' watch), 30 made, table 50
        // made a hypertable, table 70 made
        let relisted = s.relist(vec![h(30, 2), h(50, 3)], Some(vec![70]));
        assert_eq!(relisted, Some(vec![30, 50, 70]));
        assert_eq!(s.tables, [70]);
        assert!(
            s.indexes.listed.iter().all(|l| l.oid == 60),
            "{:?}",
            s.indexes
        );
        assert!(
            s.indexes.chunk_indexes.is_empty(),
            "matched to index 20, gone"
        );
        assert!(!s.chunks_listed(), "hypertable 1's chunks are still there");
        // listed again as they are: nothing new
        let mut same = structure();
        let listed = (same.hypertables.clone(), same.tables.clone());
        assert_eq!(same.relist(listed.0, Some(listed.1)), Some(vec![]));
        assert!(same.chunks_listed());
        // a kept hypertable changed (a column dropped and one added: other slots): whole
        let mut changed = structure();
        let before = changed.clone();
        assert_eq!(changed.relist(vec![h(10, 1)], Some(vec![50])), Some(vec![]));
        let mut wider = before.clone();
        let slots = HypertableOid {
            columns: 4,
            ..h(10, 1)
        };
        assert_eq!(wider.relist(vec![slots], Some(vec![50])), None);
        assert_eq!(wider, before, "left as it was");
        // a relation made that is now listed has its indexes read
        assert_eq!(s.indexes_to_read(&[new(30, b'r', 0)]), Some(vec![30]));
    }

    /// The definitions moved: the hypertables alone are listed (a scan of every relation spared),
    /// the ordinary tables kept but for one made a hypertable.
    #[test]
    fn hypertables_listed_alone_keep_the_ordinary_tables_but_those_made_hypertables() {
        let h = |oid, id| HypertableOid {
            oid,
            id,
            columns: 3,
        };
        // table 50 made a hypertable, 30 made, 10 dropped
        let mut s = structure();
        assert_eq!(s.relist(vec![h(30, 2), h(50, 3)], None), Some(vec![30, 50]));
        assert!(s.tables.is_empty(), "{:?}", s.tables);
        assert!(s.indexes.listed.iter().all(|l| l.table_oid == 50));
        // nothing moved among them: the kept tables stay
        let mut same = structure();
        let hypertables = same.hypertables.clone();
        assert_eq!(same.relist(hypertables, None), Some(vec![]));
        assert_eq!(same.tables, [50]);
    }

    #[test]
    fn a_tables_indexes_read_again_replace_its_own_and_leave_the_others() {
        let mut s = structure();
        // its index 20 was invalid (rebuilt since), the ordinary table's 60 is
        s.indexes.invalid = vec![20, 60];
        let read = read::IndexesRead {
            tables: vec![10],
            listed: vec![
                Arc::new(ListedIndex {
                    table_oid: 10,
                    ..fixtures::listed(20, "s", "t", "i", "a")
                }),
                Arc::new(ListedIndex {
                    table_oid: 10,
                    ..fixtures::listed(30, "s", "t", "new", "b")
                }),
            ],
            chunk_indexes: vec![(200, 20), (210, 20), (300, 30), (310, 30)],
            indexes: vec![20, 30, 200, 210, 300, 310],
            invalid: vec![310],
        };
        let revision = s.revision;
        s.patch_indexes(read);
        let mut listed: Vec<(u32, u32)> = (s.indexes.listed.iter())
            .map(|l| (l.oid, l.table_oid))
            .collect();
        listed.sort_unstable();
        assert_eq!(listed, vec![(20, 10), (30, 10), (60, 50)]);
        assert_eq!(
            s.indexes.chunk_indexes,
            vec![(200, 20), (210, 20), (300, 30), (310, 30)]
        );
        assert_eq!(
            s.indexes.invalid,
            vec![60, 310],
            "the validity of its indexes read with them, the others' kept"
        );
        assert!(
            s.revision > revision,
            "a patched structure is written again"
        );
    }

    #[test]
    fn a_dropped_index_is_forgotten_and_a_dropped_chunk_or_hypertable_is_not() {
        let mut s = structure();
        // the hypertable's index and its chunks' indexes, the ordinary table with its index
        assert_eq!(
            s.forget(&[20, 200, 210, 9999]),
            Some(vec![10]),
            "10's read again"
        );
        assert!(s.indexes.chunk_indexes.is_empty());
        assert_eq!(
            s.forget(&[50, 60]),
            Some(vec![]),
            "a table gone with its index"
        );
        assert!(s.tables.is_empty() && s.indexes.listed.is_empty() && s.indexes.invalid.is_empty());
        // a chunk index's hypertable index gone takes the pair with it even when the chunk
        // index is not named
        let mut s = structure();
        assert!(s.forget(&[20]).is_some());
        assert!(s.indexes.chunk_indexes.is_empty());
        // what the chunks' watch accounts for, or a hypertable: left to a whole read
        for held in [10, 100, 111] {
            let mut s = structure();
            assert_eq!(s.forget(&[20, held]), None);
            assert_eq!(s, structure(), "left as it was");
        }
    }
}
