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
use super::indexes::{self, Candidates, Index, IndexStructure, ListedIndex, Usage};
use super::retention::{self, PartitionedTable};
use super::rows::{array, collect_rows, each_row};
use super::sizes::{RelationVersions, Sessions, SizeKeeper, Sizes, VERSIONS_SLICE};
use super::statements::Prepared;
use super::structure::{definitions_version, Cached, Fingerprint, IdMap, IdSet, Periodic};
use super::tables::{self, ChunkNumbers, ChunkStructure, CompressionSettings, Tables};
use super::{Payload, ReadError};
use crate::capabilities::Capabilities;
use crate::queries;

/// What one catalog pass reads, each part on its own: a part that cannot be read (a role
/// without the privilege, a timeout on one query) leaves the others shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub relations: PartRead<RelationRows>,
    pub indexes: PartRead<Vec<Index>>,
    /// Every relation of the database on disk, all forks.
    pub database_bytes: PartRead<i64>,
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
}

/// What the catalog pass keeps between its refreshes on one connection.
#[derive(Debug, Default)]
pub struct KeptCatalog {
    pub structure: Cached<CatalogStructure>,
    pub sizes: SizeKeeper,
    /// Segmentby statistics (the advisor's), read every few minutes.
    pub segments: Periodic<compression::Segments>,
    /// The relations' rows as the catalog defines them (`queries/tables.sql`), kept while
    /// `queries/definitions_version.sql` says the same.
    pub listed: Cached<tables::ListedRelations>,
    /// How many indexes' counters the last catalog read took in.
    pub indexes_counted: usize,
}

impl CatalogStructure {
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
pub struct Reading {
    pub one_shot: bool,
    pub keeps: bool,
}

impl Reading {
    /// Whether the versions are read (the relations', the definitions'): what is kept is
    /// checked against them.
    fn versions(self) -> bool {
        !self.one_shot || self.keeps
    }
}

/// Reads the catalog pass, keeping its statements in `statements` and the catalog's structure in
/// `kept`. A
/// `helper` session, for a one-shot read, reads the relations' layout, half of the files, the
/// index numbers and the segment statistics.
pub async fn fetch(
    client: &Client,
    helper: Option<&Client>,
    caps: &Capabilities,
    statements: &mut Prepared,
    kept: &mut KeptCatalog,
    reading: Reading,
) -> Result<Catalog, Error> {
    let one_shot = reading.one_shot;
    let KeptCatalog {
        structure: catalog,
        sizes,
        segments,
        listed: kept_rows,
        indexes_counted,
    } = kept;
    let sessions = Sessions {
        main: client,
        helper,
        may_stat_files: caps.may_stat_files,
    };
    if caps.timescaledb.is_none() {
        return fetch_plain(sessions, statements, sizes, reading).await;
    }
    let [tables_sql, version_sql] = queries::tables(caps);
    let [list_sql, tables_sql, version_sql, times_sql, runs_sql, usage_sql, status_sql, sizes_sql] =
        statements
            .get(
                client,
                [
                    queries::INTEGER_NOW_CALLS.as_str(),
                    tables_sql,
                    version_sql,
                    queries::POLICY_TIMES,
                    queries::RETENTION_RUNS.as_str(),
                    queries::INDEX_NUMBERS,
                    queries::CHUNK_STATUS,
                    queries::COMPRESSED_SIZES,
                ],
            )
            .await?;
    let versions = match reading.versions() {
        false => None,
        true => Some(statements.get(client, [queries::RELATION_VERSIONS]).await?),
    };
    // The structure of a session's first read (when nothing is kept yet) before the rest: its
    // answers in the making (50,500 chunks' shapes, ranges and index candidates, 6 MB) were
    // held beside the table rows and the index counters at the first read's heap peak.
    // The server runs one session's statements one after another either way.
    let first = !one_shot && catalog.read_from().is_none();
    // The relations' rows as the catalog defines them, read again only when it changed (a
    // one-shot read that keeps nothing reads them), completed with what moves with time.
    let rows = async {
        let (nows, version) = try_join!(
            super::integer_now::read(client, &list_sql),
            definitions_version(client, &version_sql, reading.versions()),
        )?;
        let relations = kept_rows
            .get_or_read(version, || async {
                let (mut relations, mut names) = Default::default();
                each_row(client, &tables_sql, &[], |r| {
                    tables::ListedRelations::add_row(&mut relations, r, &mut names)
                })
                .await?;
                relations.shrink_to_fit();
                Ok::<_, Error>(relations)
            })
            .await?;
        let (intervals, jobs) = (relations.intervals(), relations.retention_jobs());
        let (times, runs) = try_join!(
            query_unless_empty(client, &times_sql, &intervals),
            query_unless_empty(client, &runs_sql, &jobs),
        )?;
        let clock = tables::PolicyClock::from_rows(&times, &runs, &nows)?;
        Ok::<_, Error>((relations, clock))
    };
    let usage = async {
        // on the helper, when there is one, as text: a statement prepared here is this
        // connection's
        let usage = match helper {
            Some(h) => Usage::read(h, queries::INDEX_NUMBERS, *indexes_counted).await?,
            None => Usage::read(client, &usage_sql, *indexes_counted).await?,
        };
        *indexes_counted = usage.count();
        Ok::<_, Error>(usage)
    };
    let numbers = async {
        let (status, sizes) = try_join!(
            client.query_one(&status_sql, &[]),
            client.query_one(&sizes_sql, &[]),
        )?;
        ChunkNumbers::from_rows(&status, &sizes)
    };
    let kept = async {
        let versions = match &versions {
            Some([sql]) => Some(RelationVersions::read(client, sql, VERSIONS_SLICE).await?),
            None => None,
        };
        let fingerprint = versions.as_ref().map(|v| v.fingerprint).unwrap_or_default();
        // The segment statistics on one session after the structure, and only where some
        // hypertable compresses by segment: the server runs that session's statements one
        // after another anyway, and a small target's new session planned them for nothing
        // (4.0 of its 42.5 ms). A helper reads them beside the structure.
        let structure_and_segments = async {
            let structure =
                catalog.get_or_read(fingerprint, || read_structure(client, caps, statements));
            Ok::<_, Error>(match helper {
                None => {
                    let structure = structure.await?;
                    let segmented = structure.settings.values().any(|c| c.segmentby.is_some());
                    let segments = read_segments(segments, fingerprint, client, caps, segmented);
                    (structure, segments.await)
                }
                Some(helper) => {
                    let segments = read_segments(segments, fingerprint, helper, caps, true);
                    let (structure, segments) = join!(structure, segments);
                    (structure?, segments)
                }
            })
        };
        let (structure_and_segments, sizes) = join!(structure_and_segments, async {
            match versions {
                Some(v) => sizes.update(sessions, v).await,
                None => sizes.measure_all(sessions).await,
            }
        });
        let (structure, segments) = structure_and_segments?;
        Ok::<_, Error>((structure, sizes?, segments))
    };
    // Otherwise all together, each answer decoded as it comes while the server runs the next
    // query; what needs the structure or the sizes waits for the versions (a one-shot read has
    // none to wait for: it measures everything and keeps nothing).
    let (rows, usage, numbers, kept) = if first {
        let kept = Ok::<_, Error>(kept.await?);
        let (rows, usage, numbers) = join!(rows, usage, numbers);
        (rows, usage, numbers, kept)
    } else {
        join!(rows, usage, numbers, kept)
    };
    // Every part needs the sizes and the structure.
    let (structure, sizes, segments) = kept?;
    // The index rows first: the counters (up to 176,711 at 50k chunks) are let go before
    // the tables' rows are built beside the shown ones.
    let indexes = usage.map(|usage| indexes::rows(&structure.indexes, &usage, &sizes));
    let relations = (|| {
        let roots = tables::Roots::new(structure.hypertables.iter().map(|h| (h.id, h.oid)));
        let (rows, clock) = rows?;
        let mut tables = tables::build(
            rows,
            &clock,
            &structure.chunks,
            &roots,
            &structure.settings,
            &sizes,
            &numbers?,
        );
        for c in &mut tables.compression {
            let key = (c.schema.clone(), c.name.clone());
            c.segments = segments.and_then(|s| s.get(&key)).cloned();
        }
        Ok(RelationRows::Hypertables(tables))
    })();
    Catalog::of(relations, indexes, Ok(sizes.database()))
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

/// The segment statistics kept in `kept`, read again when due: from `client`, or none to read
/// unless `segmented` (some hypertable compresses by segment).
async fn read_segments<'a>(
    kept: &'a mut Periodic<compression::Segments>,
    fingerprint: Fingerprint,
    client: &Client,
    caps: &Capabilities,
    segmented: bool,
) -> Option<&'a compression::Segments> {
    let read = || async move {
        match segmented {
            true => compression::fetch_segments(client, caps).await,
            false => Some(compression::Segments::default()),
        }
    };
    kept.get_or_read(fingerprint, compression::SEGMENTS_READ_EVERY, read)
        .await
}

/// Plain PostgreSQL: partitioned tables, every index (a partitioned index with its partitions'
/// sums) and the database's size.
async fn fetch_plain(
    sessions: Sessions<'_>,
    statements: &mut Prepared,
    sizes: &mut SizeKeeper,
    reading: Reading,
) -> Result<Catalog, Error> {
    let client = sessions.main;
    let [versions, partitions, indexes] = statements
        .get(
            client,
            [
                queries::RELATION_VERSIONS,
                queries::PARTITIONS,
                queries::INDEXES_PLAIN.as_str(),
            ],
        )
        .await?;
    let sizes: Sizes = match !reading.versions() {
        true => sizes.measure_all(sessions).await?,
        false => {
            let versions = RelationVersions::read(client, &versions, VERSIONS_SLICE).await?;
            sizes.update(sessions, versions).await?
        }
    };
    let (partitions, indexes) = join!(client.query(&partitions, &[]), client.query(&indexes, &[]));
    Catalog::of(
        partitions.and_then(|rows| {
            Ok(RelationRows::Partitions(retention::partitions_from_rows(
                &rows, &sizes,
            )?))
        }),
        indexes.and_then(|rows| indexes::from_plain_rows(&rows, &sizes)),
        Ok(sizes.database()),
    )
}

/// Reads the catalog's structure: the listed tables first (their oids are the other reads'
/// parameters), then the chunks, their ranges, every chunk index's candidates and the listed
/// indexes together, then, for the few hypertables whose chunk indexes their definitions alone
/// do not settle, the full mapping.
async fn read_structure(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
) -> Result<CatalogStructure, Error> {
    let (settings_of, settings_by_oid) = queries::compression_settings(caps);
    let [listed_sql, chunks_sql, ranges_sql, candidates_sql, listing_sql, settings_sql, invalid_sql] =
        statements
            .get(
                client,
                [
                    queries::LISTED_TABLES,
                    queries::table_chunks(caps),
                    queries::chunk_ranges(caps),
                    queries::CHUNK_INDEXES,
                    queries::LISTED_INDEXES.as_str(),
                    settings_of,
                    queries::INVALID_INDEXES,
                ],
            )
            .await?;
    let listed = client.query_one(&listed_sql, &[]).await?;
    let oids: Vec<u32> = array(&listed, "hypertables")?;
    let hypertables: Vec<HypertableOid> = oids
        .iter()
        .zip(array::<i32>(&listed, "hypertable_ids")?)
        .zip(array::<i16>(&listed, "columns")?)
        .map(|((&oid, id), columns)| HypertableOid { oid, id, columns })
        .collect();
    let mut structure = CatalogStructure {
        hypertables,
        tables: array(&listed, "tables")?,
        ..CatalogStructure::default()
    };
    let (listed_oids, listed_ids) = structure.listed();
    let listing_params: [&(dyn ToSql + Sync); 2] = [&listed_oids, &listed_ids];
    let candidate_params: [&(dyn ToSql + Sync); 1] = [&oids];
    let ids: Vec<i32> = structure.hypertables.iter().map(|h| h.id).collect();
    let settings_params: Vec<&(dyn ToSql + Sync)> = match settings_by_oid {
        true => vec![&oids, &ids],
        false => Vec::new(),
    };
    // Each answer taken in as it comes, its rows dropped at once: the raw rows of 20,000
    // chunks' arrays held together took more than the structure they make.
    let (mut shapes, mut ranges, mut pairs) = (Vec::new(), Vec::new(), Vec::new());
    let mut names = super::names::Interner::default();
    let (_, _, _, listing, settings, invalid) = try_join!(
        each_row(client, &chunks_sql, &[], |r| ChunkStructure::add_chunks(
            &mut shapes,
            r
        )),
        each_row(client, &ranges_sql, &[], |r| ChunkStructure::add_ranges(
            &mut ranges,
            r
        )),
        each_row(client, &candidates_sql, &candidate_params, |r| {
            Candidates::add_row(&mut pairs, r)
        }),
        collect_rows(client, &listing_sql, &listing_params, |r| {
            ListedIndex::from_row(r, &mut names).map(std::sync::Arc::new)
        }),
        client.query(&settings_sql, &settings_params),
        client.query_one(&invalid_sql, &[]),
    )?;
    structure.settings = CompressionSettings::from_rows(&settings)?;
    let chunks = ChunkStructure::of(shapes, ranges);
    let renumbered = renumbered(&chunks, &structure.hypertables);
    let candidates = Candidates::sort_out(pairs, &renumbered);
    let unsettled = unsettled_hypertables(
        &chunks,
        &candidates.unsettled_tables,
        &structure.hypertables,
    );
    let mut settled = candidates.settled;
    let mut mapped = Vec::new();
    if !unsettled.is_empty() {
        mapped = map_fully(client, statements, &unsettled, &chunks, &renumbered).await?;
        // what the mapping says of those hypertables' chunk indexes replaces the candidates'
        let ids: IdSet<i32> = unsettled.iter().map(|h| h.id).collect();
        let redone: IdSet<u32> = chunks
            .chunks()
            .iter()
            .filter(|c| ids.contains(&c.hypertable_id))
            .map(|c| c.table)
            .collect();
        settled.retain(|s| !redone.contains(&s.table));
    }
    // made in the settled ones' room, not beside them
    let mut chunk_indexes: Vec<(u32, u32)> = settled
        .into_iter()
        .map(|s| (s.index, s.hypertable_index))
        .collect();
    chunk_indexes.extend(mapped);
    chunk_indexes.shrink_to_fit();
    structure.chunks = chunks;
    structure.indexes = IndexStructure {
        chunk_indexes,
        listed: listing,
        invalid: IndexStructure::invalid_from(&invalid)?,
    };
    Ok(structure)
}

/// The (chunk index, hypertable index) pairs of the `unsettled` hypertables, settled by every
/// means (`queries/index_structure.sql`): a hypertable with a chunk that numbers its columns
/// differently is matched by column names.
async fn map_fully(
    client: &Client,
    statements: &mut Prepared,
    unsettled: &[HypertableOid],
    chunks: &ChunkStructure,
    renumbered: &IdSet<u32>,
) -> Result<Vec<(u32, u32)>, Error> {
    let [mapping_sql] = statements
        .get(client, [queries::INDEX_STRUCTURE.as_str()])
        .await?;
    let by_names: IdSet<i32> = chunks
        .chunks()
        .iter()
        .filter(|c| renumbered.contains(&c.table))
        .map(|c| c.hypertable_id)
        .collect();
    let (oids, names): (Vec<u32>, Vec<bool>) = unsettled
        .iter()
        .map(|h| (h.oid, by_names.contains(&h.id)))
        .unzip();
    let mapped = client.query_one(&mapping_sql, &[&oids, &names]).await?;
    Ok(array::<u32>(&mapped, "chunk_indexes")?
        .into_iter()
        .zip(array::<u32>(&mapped, "hypertable_indexes")?)
        .collect())
}

/// The chunk tables that number their columns unlike their hypertable (pure): created after
/// a column was dropped, they have fewer attribute slots.
fn renumbered(chunks: &ChunkStructure, hypertables: &[HypertableOid]) -> IdSet<u32> {
    let columns: IdMap<i32, i16> = hypertables.iter().map(|h| (h.id, h.columns)).collect();
    chunks
        .chunks()
        .iter()
        .filter(|c| {
            columns
                .get(&c.hypertable_id)
                .is_some_and(|&n| n != c.columns)
        })
        .map(|c| c.table)
        .collect()
}

/// The hypertables with a chunk among `tables` (pure).
fn unsettled_hypertables(
    chunks: &ChunkStructure,
    tables: &IdSet<u32>,
    hypertables: &[HypertableOid],
) -> Vec<HypertableOid> {
    let ids: IdSet<i32> = chunks
        .chunks()
        .iter()
        .filter(|c| tables.contains(&c.table))
        .map(|c| c.hypertable_id)
        .collect();
    hypertables
        .iter()
        .filter(|h| ids.contains(&h.id))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::tables::ChunkShape;

    fn chunk(hypertable_id: i32, table: u32) -> ChunkShape {
        ChunkShape {
            id: table as i32,
            hypertable_id,
            table,
            compressed: 0,
            range_start: 0,
            range_end: 1,
            created: None,
            columns: 3,
            osm: false,
        }
    }

    #[test]
    fn only_the_hypertables_of_unsettled_chunks_are_looked_at_again() {
        let chunks = ChunkStructure::new(vec![
            chunk(1, 100),
            chunk(1, 110),
            chunk(2, 200),
            chunk(3, 300),
        ]);
        let h = |oid, id, columns| HypertableOid { oid, id, columns };
        let hypertables = [h(10, 1, 3), h(20, 2, 4), h(30, 3, 3)];
        let tables: IdSet<u32> = [110, 200].into_iter().collect();
        assert_eq!(
            unsettled_hypertables(&chunks, &tables, &hypertables),
            vec![h(10, 1, 3), h(20, 2, 4)]
        );
        assert!(unsettled_hypertables(&chunks, &IdSet::default(), &hypertables).is_empty());
        // hypertable 2 has 4 slots, its chunk 3: a column was dropped before the chunk came
        assert_eq!(
            renumbered(&chunks, &hypertables)
                .into_iter()
                .collect::<Vec<_>>(),
            vec![200]
        );
    }

    #[test]
    fn the_listing_names_hypertables_by_id_and_ordinary_tables_by_none() {
        let s = CatalogStructure {
            hypertables: vec![HypertableOid {
                oid: 10,
                id: 1,
                columns: 3,
            }],
            tables: vec![50, 51],
            ..CatalogStructure::default()
        };
        assert_eq!(s.listed(), (vec![10, 50, 51], vec![Some(1), None, None]));
    }
}
