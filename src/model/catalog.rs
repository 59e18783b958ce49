//! The catalog pass: the Hypertables, Compression, Retention and Indexes tabs and the database's
//! estimated size, read together.
//!
//! The tabs need the same numbers — every relation's pages, every index's statistics — and read
//! apart they read them twice. On TimescaleDB a refresh reads those numbers flat, with the
//! per-relation rows and the listed indexes, all pipelined on the one connection, and sums them
//! on the client along the catalog's structure, kept between refreshes (see
//! [`super::structure`]).

use futures_util::{join, try_join};
use tokio_postgres::{Client, Error};

use super::indexes::{self, Candidates, Index, IndexStructure};
use super::retention::{self, PartitionedTable};
use super::statements::Statements;
use super::structure::{Cache, IdSet, RelationPages};
use super::tables::{self, ChunkNumbers, ChunkStructure, Tables};
use super::{array, Payload};
use crate::capabilities::Capabilities;
use crate::connect::describe_error;
use crate::queries;

/// What one catalog pass reads, each part on its own: a part that cannot be read (a role
/// without the privilege, a timeout on one query) leaves the others shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    pub relations: Part<Relations>,
    pub indexes: Part<Vec<Index>>,
    /// Every relation's pages, in bytes.
    pub database_bytes: Part<i64>,
}

/// A part of the pass, or why it could not be read.
pub type Part<T> = Result<T, String>;

/// The datasets a part of the pass fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    Relations,
    Indexes,
    DatabaseSize,
}

/// The relations the pass is about besides indexes.
#[derive(Debug, Clone, PartialEq)]
pub enum Relations {
    /// TimescaleDB: the Hypertables, Compression and Retention tabs' rows.
    Hypertables(Tables),
    /// Plain PostgreSQL: partitioned tables stand in for retention.
    Partitions(Vec<PartitionedTable>),
}

impl Catalog {
    /// Each dataset's payload; a part that failed is marked so.
    pub fn into_payloads(self) -> Vec<Payload> {
        let mut out = match self.relations {
            Ok(Relations::Hypertables(t)) => vec![
                Payload::Hypertables(t.hypertables),
                Payload::Compression(t.compression),
                Payload::Retention(t.retention),
            ],
            Ok(Relations::Partitions(p)) => vec![Payload::Partitions(p)],
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
        relations: Result<Relations, Error>,
        indexes: Result<Vec<Index>, Error>,
        database_bytes: Result<i64, Error>,
    ) -> Result<Catalog, Error> {
        match (relations, indexes, database_bytes) {
            (Err(e), Err(_), Err(_)) => Err(e),
            (relations, indexes, database_bytes) => Ok(Catalog {
                relations: relations.map_err(|e| describe_error(&e)),
                indexes: indexes.map_err(|e| describe_error(&e)),
                database_bytes: database_bytes.map_err(|e| describe_error(&e)),
            }),
        }
    }
}

/// A hypertable (or a continuous aggregate's materialization) as the structure knows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HypertableOid {
    pub oid: u32,
    /// TimescaleDB's id.
    pub id: i32,
    /// It had a column dropped: its chunks number their columns differently.
    pub has_dropped: bool,
}

/// What only DDL changes about the catalog, kept between refreshes (see [`super::structure`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogStructure {
    pub hypertables: Vec<HypertableOid>,
    /// The ordinary tables whose indexes the Indexes tab lists.
    pub tables: Vec<u32>,
    pub chunks: ChunkStructure,
    pub indexes: IndexStructure,
}

impl CatalogStructure {
    /// The listing's parameters (`queries/indexes.sql`): every listed table's oid, and its
    /// hypertable's id (none for an ordinary table).
    fn listed(&self) -> (Vec<u32>, Vec<Option<i32>>) {
        let hypertables = self.hypertables.iter().map(|h| (h.oid, Some(h.id)));
        let tables = self.tables.iter().map(|&oid| (oid, None));
        hypertables.chain(tables).unzip()
    }
}

/// Reads the catalog pass, keeping its statements and the catalog's structure in `cache`.
pub async fn fetch(
    client: &Client,
    caps: &Capabilities,
    cache: &mut Cache,
) -> Result<Catalog, Error> {
    if caps.timescaledb.is_none() {
        return fetch_plain(client, &mut cache.statements).await;
    }
    let Cache {
        statements,
        catalog,
    } = cache;
    let [tables_sql, pages_sql, usage_sql, status_sql, sizes_sql, listing_sql] = statements
        .get(
            client,
            [
                queries::TABLES.as_str(),
                queries::RELATION_PAGES,
                queries::INDEX_NUMBERS,
                queries::CHUNK_STATUS,
                queries::COMPRESSED_SIZES,
                queries::INDEXES.as_str(),
            ],
        )
        .await?;
    // The listing goes out with the numbers along the structure last read; if the numbers say
    // the catalog's relations changed since, it is read again along the new one.
    // Each answer is decoded as it comes, while the server runs the next query.
    let listed = catalog.last().map(CatalogStructure::listed);
    let listing = async {
        match &listed {
            Some((oids, ids)) => client.query(&listing_sql, &[oids, ids]).await.map(Some),
            None => Ok(None),
        }
    };
    let (rows, pages, usage, numbers, listing) = join!(
        client.query(&tables_sql, &[]),
        async { RelationPages::from_row(&client.query_one(&pages_sql, &[]).await?) },
        async { indexes::usage_from_row(&client.query_one(&usage_sql, &[]).await?) },
        async {
            let (status, sizes) = try_join!(
                client.query_one(&status_sql, &[]),
                client.query_one(&sizes_sql, &[]),
            )?;
            ChunkNumbers::from_rows(&status, &sizes)
        },
        listing,
    );
    // Every part needs the pages and the structure.
    let pages = pages?;
    let still_holds = catalog.holds_for(pages.fingerprint);
    let structure = catalog
        .get_or_read(pages.fingerprint, || {
            read_structure(client, caps, statements)
        })
        .await?;
    let listing = match listing {
        Ok(Some(rows)) if still_holds => Ok(rows),
        Ok(_) => {
            let (oids, ids) = structure.listed();
            client.query(&listing_sql, &[&oids, &ids]).await
        }
        Err(e) => Err(e),
    };
    let relations = (|| {
        let tables = tables::build(&rows?, &structure.chunks, &pages.pages, &numbers?)?;
        Ok(Relations::Hypertables(tables))
    })();
    let indexes = (|| {
        let sums = indexes::chunk_sums(&structure.indexes, &usage?, &pages.pages);
        indexes::build(&listing?, &sums, true)
    })();
    Catalog::of(relations, indexes, Ok(pages.database_bytes))
}

/// Plain PostgreSQL: partitioned tables, every index (a partitioned index with its partitions'
/// sums) and the database's size.
async fn fetch_plain(client: &Client, statements: &mut Statements) -> Result<Catalog, Error> {
    let [partitions, indexes, size] = statements
        .get(
            client,
            [
                queries::PARTITIONS,
                queries::INDEXES_PLAIN.as_str(),
                queries::DATABASE_SIZE,
            ],
        )
        .await?;
    let (partitions, indexes, size) = join!(
        client.query(&partitions, &[]),
        client.query(&indexes, &[]),
        client.query_one(&size, &[]),
    );
    Catalog::of(
        partitions.and_then(|rows| {
            Ok(Relations::Partitions(retention::partitions_from_rows(
                &rows,
            )?))
        }),
        indexes.and_then(|rows| indexes::build(&rows, &Default::default(), false)),
        size.and_then(|r| Ok(r.try_get::<_, Option<i64>>(0)?.unwrap_or(0))),
    )
}

/// Reads the catalog's structure: the listed tables first (their oids are the other reads'
/// parameters), then the chunks and every chunk index's candidates together, then, for the few
/// hypertables whose chunk indexes their definitions alone do not settle, the full mapping.
async fn read_structure(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Statements,
) -> Result<CatalogStructure, Error> {
    let [listed_sql, chunks_sql, candidates_sql] = statements
        .get(
            client,
            [
                queries::LISTED_TABLES,
                queries::table_chunks(caps),
                queries::CHUNK_INDEXES,
            ],
        )
        .await?;
    let listed = client.query_one(&listed_sql, &[]).await?;
    let oids: Vec<u32> = array(&listed, "hypertables")?;
    let dropped: Vec<bool> = array(&listed, "has_dropped")?;
    let hypertables: Vec<HypertableOid> = oids
        .iter()
        .zip(array::<i32>(&listed, "hypertable_ids")?)
        .zip(&dropped)
        .map(|((&oid, id), &has_dropped)| HypertableOid {
            oid,
            id,
            has_dropped,
        })
        .collect();
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&oids, &dropped];
    let (chunks, candidates) = try_join!(
        client.query_one(&chunks_sql, &[]),
        client.query_one(&candidates_sql, &params),
    )?;
    let candidates = Candidates::sort_out(
        &array::<u32>(&candidates, "indexes")?,
        &array::<u32>(&candidates, "tables")?,
        &array::<u32>(&candidates, "hypertable_indexes")?,
    );
    let mut indexes_of = candidates.indexes_of;
    let chunks = ChunkStructure::from_row(&chunks, &mut indexes_of)?;
    let unsettled = unsettled_hypertables(&chunks, &candidates.unsettled_tables, &hypertables);
    let mut chunk_indexes = candidates.settled;
    if !unsettled.is_empty() {
        let [mapping_sql] = statements
            .get(client, [queries::INDEX_STRUCTURE.as_str()])
            .await?;
        let (oids, dropped): (Vec<u32>, Vec<bool>) =
            unsettled.iter().map(|h| (h.oid, h.has_dropped)).unzip();
        let mapped = client.query_one(&mapping_sql, &[&oids, &dropped]).await?;
        let ids: IdSet<i32> = unsettled.iter().map(|h| h.id).collect();
        let redone: IdSet<u32> = chunks
            .chunks
            .iter()
            .filter(|c| ids.contains(&c.hypertable_id))
            .flat_map(|c| c.indexes.iter().copied())
            .collect();
        chunk_indexes.retain(|(index, _)| !redone.contains(index));
        chunk_indexes.extend(
            array::<u32>(&mapped, "chunk_indexes")?
                .into_iter()
                .zip(array::<u32>(&mapped, "hypertable_indexes")?),
        );
    }
    Ok(CatalogStructure {
        hypertables,
        tables: array(&listed, "tables")?,
        chunks,
        indexes: IndexStructure { chunk_indexes },
    })
}

/// The hypertables with a chunk among `tables` (pure).
fn unsettled_hypertables(
    chunks: &ChunkStructure,
    tables: &IdSet<u32>,
    hypertables: &[HypertableOid],
) -> Vec<HypertableOid> {
    let ids: IdSet<i32> = chunks
        .chunks
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
            toast: 0,
            range_start: 0,
            range_end: 1,
            created: None,
            indexes: vec![table + 1],
        }
    }

    #[test]
    fn only_the_hypertables_of_unsettled_chunks_are_looked_at_again() {
        let chunks = ChunkStructure {
            chunks: vec![chunk(1, 100), chunk(1, 110), chunk(2, 200), chunk(3, 300)],
        };
        let h = |oid, id, has_dropped| HypertableOid {
            oid,
            id,
            has_dropped,
        };
        let hypertables = [h(10, 1, false), h(20, 2, true), h(30, 3, false)];
        let tables: IdSet<u32> = [110, 200].into_iter().collect();
        assert_eq!(
            unsettled_hypertables(&chunks, &tables, &hypertables),
            vec![h(10, 1, false), h(20, 2, true)]
        );
        assert!(unsettled_hypertables(&chunks, &IdSet::default(), &hypertables).is_empty());
    }

    #[test]
    fn the_listing_names_hypertables_by_id_and_ordinary_tables_by_none() {
        let s = CatalogStructure {
            hypertables: vec![HypertableOid {
                oid: 10,
                id: 1,
                has_dropped: false,
            }],
            tables: vec![50, 51],
            ..CatalogStructure::default()
        };
        assert_eq!(s.listed(), (vec![10, 50, 51], vec![Some(1), None, None]));
    }
}
