//! The catalog's structure read (what only DDL changes, kept between refreshes): whole, or
//! only for the chunks a refresh's watch saw written (see [`super::watch`]).

use futures_util::try_join;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Error};

use super::{CatalogStructure, HypertableOid};
use crate::capabilities::Capabilities;
use crate::model::indexes::{Candidates, IndexStructure, ListedIndex};
use crate::model::rows::{array, collect_rows, each_row};
use crate::model::statements::Prepared;
use crate::model::structure::{IdMap, IdSet};
use crate::model::tables::{ChunkShape, ChunkStructure, CompressionSettings};
use crate::model::watch::Horizon;
use crate::queries;

/// Reads the catalog's structure: the listed tables first (their oids are the other reads'
/// parameters), then the chunks, their ranges, every chunk index's candidates and the listed
/// indexes together, then, for the few hypertables whose chunk indexes their definitions alone
/// do not settle, the full mapping.
pub async fn read_structure(
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
                    queries::LISTED_TABLES.as_str(),
                    queries::table_chunks(caps, false),
                    queries::chunk_ranges(caps, false),
                    queries::CHUNK_INDEXES[0].as_str(),
                    queries::LISTED_INDEXES.as_str(),
                    settings_of,
                    queries::INVALID_INDEXES,
                ],
            )
            .await?;
    let none: Horizon = None;
    let row = client.query_one(&listed_sql, &[&none, &true]).await?;
    let (hypertables, tables) = (
        listed_from(&row, &[])?.unwrap_or_default(),
        array(&row, "tables")?,
    );
    let oids: Vec<u32> = hypertables.iter().map(|h| h.oid).collect();
    let mut structure = CatalogStructure {
        hypertables,
        tables,
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
    let mut names = crate::model::names::Interner::default();
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
    let mut chunk_indexes =
        matched(client, statements, pairs, &chunks, &structure.hypertables).await?;
    chunk_indexes.shrink_to_fit();
    structure.chunks = chunks;
    structure.indexes = IndexStructure {
        chunk_indexes,
        listed: listing,
        invalid: IndexStructure::invalid_from(&invalid)?,
    };
    Ok(structure)
}

/// Every hypertable (and continuous aggregate's materialization) and every ordinary table
/// whose indexes are listed (`queries/listed_tables.sql`): the hypertables written since the
/// watch's horizon `since` looked up, the others taken from `kept` (all looked up when one is
/// not there, or the ordinary tables are asked for too).
pub async fn read_listed(
    client: &Client,
    statements: &mut Prepared,
    since: &Horizon,
    kept: &[HypertableOid],
    tables: bool,
) -> Result<(Vec<HypertableOid>, Option<Vec<u32>>), Error> {
    let [listed_sql] = statements
        .get(client, [queries::LISTED_TABLES.as_str()])
        .await?;
    let none: Horizon = None;
    let since = if tables { &none } else { since };
    let row = client.query_one(&listed_sql, &[since, &tables]).await?;
    let hypertables = match listed_from(&row, kept)? {
        Some(h) => h,
        None => listed_from(
            &client.query_one(&listed_sql, &[&none, &tables]).await?,
            kept,
        )?
        .unwrap_or_default(),
    };
    Ok((
        hypertables,
        tables.then(|| array(&row, "tables")).transpose()?,
    ))
}

fn listed_from(
    listed: &tokio_postgres::Row,
    kept: &[HypertableOid],
) -> Result<Option<Vec<HypertableOid>>, Error> {
    let ids: Vec<i32> = array(listed, "hypertable_ids")?;
    let oids: Vec<u32> = array(listed, "hypertables")?;
    let columns: Vec<i16> = array(listed, "columns")?;
    let looked: Vec<bool> = array(listed, "looked")?;
    let rows = (ids.into_iter().zip(oids))
        .zip(columns.into_iter().zip(looked))
        .map(|((id, oid), (columns, looked))| (looked, HypertableOid { oid, id, columns }));
    Ok(listed_with(rows, kept))
}

/// The hypertables from listed_tables.sql's rows (`looked`: looked up now, an oid of 0 not
/// found) and those `kept` (by id) for the others; None when one of those is not kept (pure).
pub fn listed_with(
    rows: impl Iterator<Item = (bool, HypertableOid)>,
    kept: &[HypertableOid],
) -> Option<Vec<HypertableOid>> {
    let kept: IdMap<i32, HypertableOid> = kept.iter().map(|h| (h.id, *h)).collect();
    let mut out = Vec::new();
    for (looked, h) in rows {
        match looked {
            true if h.oid != 0 => out.push(h),
            true => {}
            false => out.push(*kept.get(&h.id)?),
        }
    }
    Some(out)
}

/// The (chunk index, hypertable index) pairs of `hypertables`' chunks from chunk_indexes.sql's
/// candidates (`pairs`): those one candidate settles, and those of the hypertables where one
/// did not, settled by every means (see [`map_fully`]).
async fn matched(
    client: &Client,
    statements: &mut Prepared,
    pairs: Vec<crate::model::indexes::Settled>,
    chunks: &ChunkStructure,
    hypertables: &[HypertableOid],
) -> Result<Vec<(u32, u32)>, Error> {
    let renumbered = renumbered(chunks, hypertables);
    let candidates = Candidates::sort_out(pairs, &renumbered);
    let unsettled = unsettled_hypertables(chunks, &candidates.unsettled_tables, hypertables);
    let mut settled = candidates.settled;
    let mut mapped = Vec::new();
    if !unsettled.is_empty() {
        mapped = map_fully(client, statements, &unsettled, chunks, &renumbered).await?;
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
    Ok(chunk_indexes)
}

/// What a read of some listed tables' indexes found (see [`read_indexes`]).
#[derive(Debug, Default)]
pub struct IndexesRead {
    /// The tables read.
    pub tables: Vec<u32>,
    /// Their indexes as the listing lists them.
    pub listed: Vec<std::sync::Arc<ListedIndex>>,
    /// Their chunks' indexes matched to theirs.
    pub chunk_indexes: Vec<(u32, u32)>,
    /// Every index of theirs and of their chunks' tables, sorted: the indexes whose validity
    /// was read.
    pub indexes: Vec<u32>,
    /// Those invalid, sorted.
    pub invalid: Vec<u32>,
}

/// Reads the indexes of the listed tables `tables` (hypertables, continuous aggregates'
/// materializations, ordinary tables) as the whole read reads every table's: an index made on
/// one is taken in without reading the rest of the structure again.
pub async fn read_indexes(
    client: &Client,
    statements: &mut Prepared,
    structure: &CatalogStructure,
    tables: Vec<u32>,
) -> Result<IndexesRead, Error> {
    let [listing_sql, candidates_sql, invalid_sql] = statements
        .get(
            client,
            [
                queries::LISTED_INDEXES.as_str(),
                queries::CHUNK_INDEXES[0].as_str(),
                queries::INVALID_INDEXES_OF,
            ],
        )
        .await?;
    let wanted: IdSet<u32> = tables.iter().copied().collect();
    let hypertables: Vec<HypertableOid> = (structure.hypertables.iter())
        .filter(|h| wanted.contains(&h.oid))
        .copied()
        .collect();
    // the tables and their chunks' (and compressed chunks') tables: whose indexes' validity
    let ids: IdSet<i32> = hypertables.iter().map(|h| h.id).collect();
    let relations: Vec<u32> = (tables.iter().copied())
        .chain(
            (structure.chunks.chunks().iter())
                .filter(|c| ids.contains(&c.hypertable_id))
                .flat_map(|c| [c.table, c.compressed])
                .filter(|&oid| oid != 0),
        )
        .collect();
    let ids: Vec<Option<i32>> = (tables.iter())
        .map(|t| hypertables.iter().find(|h| h.oid == *t).map(|h| h.id))
        .collect();
    let oids: Vec<u32> = hypertables.iter().map(|h| h.oid).collect();
    let listing_params: [&(dyn ToSql + Sync); 2] = [&tables, &ids];
    let candidate_params: [&(dyn ToSql + Sync); 1] = [&oids];
    let validity_params: [&(dyn ToSql + Sync); 1] = [&relations];
    let mut pairs = Vec::new();
    let mut names = crate::model::names::Interner::default();
    let (listed, _, invalid) = try_join!(
        collect_rows(client, &listing_sql, &listing_params, |r| {
            ListedIndex::from_row(r, &mut names).map(std::sync::Arc::new)
        }),
        each_row(client, &candidates_sql, &candidate_params, |r| {
            Candidates::add_row(&mut pairs, r)
        }),
        client.query_one(&invalid_sql, &validity_params),
    )?;
    let chunk_indexes = match oids.is_empty() {
        true => Vec::new(),
        false => matched(client, statements, pairs, &structure.chunks, &hypertables).await?,
    };
    let mut indexes: Vec<u32> = array(&invalid, "indexes")?;
    indexes.sort_unstable();
    Ok(IndexesRead {
        tables,
        listed,
        chunk_indexes,
        indexes,
        invalid: IndexStructure::invalid_from(&invalid)?,
    })
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

/// What a read of some chunks found: their shapes, and for the new ones their indexes matched
/// to their hypertable's.
#[derive(Debug, Default)]
pub struct ChunksRead {
    pub shapes: Vec<ChunkShape>,
    pub pairs: Vec<(u32, u32)>,
    /// A new chunk's index could not be matched by its definition alone (a chunk created after
    /// a column was dropped, look-alike indexes): the structure is read whole instead.
    pub unsettled: bool,
}

/// Reads the chunks `ids` (created or changed since the last refresh) as the whole read reads
/// every chunk: shapes and ranges, and for those `structure` does not hold yet, their indexes.
pub async fn read_chunks(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    structure: &CatalogStructure,
    ids: &[i32],
) -> Result<ChunksRead, Error> {
    let [chunks_sql, ranges_sql] = statements
        .get(
            client,
            [
                queries::table_chunks(caps, true),
                queries::chunk_ranges(caps, true),
            ],
        )
        .await?;
    let (mut shapes, mut ranges) = (Vec::new(), Vec::new());
    let params: [&(dyn ToSql + Sync); 1] = [&ids];
    try_join!(
        each_row(
            client,
            &chunks_sql,
            &params,
            |r| ChunkStructure::add_chunks(&mut shapes, r)
        ),
        each_row(
            client,
            &ranges_sql,
            &params,
            |r| ChunkStructure::add_ranges(&mut ranges, r)
        ),
    )?;
    let read = ChunkStructure::of(shapes, ranges).into_chunks();
    let known: IdSet<i32> = structure.chunks.chunks().iter().map(|c| c.id).collect();
    let unknown = || (read.iter()).filter(|c| !known.contains(&c.id) && !c.osm);
    let tables: Vec<u32> = unknown().map(|c| c.table).collect();
    // their hypertables' indexes are the candidates: every hypertable's, grouped, was 20–30 ms
    // a chunk made at 5,250 hypertables
    let parents: IdSet<i32> = unknown().map(|c| c.hypertable_id).collect();
    let mut out = ChunksRead {
        shapes: read,
        ..ChunksRead::default()
    };
    if tables.is_empty() {
        return Ok(out);
    }
    let [candidates_sql] = statements
        .get(client, [queries::CHUNK_INDEXES[1].as_str()])
        .await?;
    let oids: Vec<u32> = (structure.hypertables.iter())
        .filter(|h| parents.contains(&h.id))
        .map(|h| h.oid)
        .collect();
    let params: [&(dyn ToSql + Sync); 2] = [&oids, &tables];
    let mut pairs = Vec::new();
    each_row(client, &candidates_sql, &params, |r| {
        Candidates::add_row(&mut pairs, r)
    })
    .await?;
    let new = ChunkStructure::new(out.shapes.clone());
    let candidates = Candidates::sort_out(pairs, &renumbered(&new, &structure.hypertables));
    out.unsettled = !candidates.unsettled_tables.is_empty();
    out.pairs = (candidates.settled.into_iter())
        .map(|s| (s.index, s.hypertable_index))
        .collect();
    Ok(out)
}

/// The compression settings read again (they moved, no other definition did).
pub async fn read_settings(
    client: &Client,
    caps: &Capabilities,
    statements: &mut Prepared,
    hypertables: &[HypertableOid],
) -> Result<IdMap<i32, CompressionSettings>, Error> {
    let (settings_of, by_oid) = queries::compression_settings(caps);
    let [sql] = statements.get(client, [settings_of]).await?;
    let oids: Vec<u32> = hypertables.iter().map(|h| h.oid).collect();
    let ids: Vec<i32> = hypertables.iter().map(|h| h.id).collect();
    let params: Vec<&(dyn ToSql + Sync)> = match by_oid {
        true => vec![&oids, &ids],
        false => Vec::new(),
    };
    CompressionSettings::from_rows(&client.query(&sql, &params).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_hypertables_not_looked_up_are_the_kept_ones() {
        let h = |oid, id, columns| HypertableOid { oid, id, columns };
        let kept = [h(10, 1, 3), h(20, 2, 4)];
        // 2 written since (renamed: its oid stands), 3 made, 1 as kept
        let rows = [
            (false, h(0, 1, 0)),
            (true, h(20, 2, 5)),
            (true, h(30, 3, 2)),
        ];
        assert_eq!(
            listed_with(rows.into_iter(), &kept),
            Some(vec![h(10, 1, 3), h(20, 2, 5), h(30, 3, 2)])
        );
        // one dropped (not among the rows), one written and not found (dropped meanwhile)
        let rows = [(false, h(0, 2, 0)), (true, h(0, 3, 0))];
        assert_eq!(
            listed_with(rows.into_iter(), &kept),
            Some(vec![h(20, 2, 4)])
        );
        // one not looked up and not kept: all are looked up instead
        let rows = [(false, h(0, 1, 0)), (false, h(0, 9, 0))];
        assert_eq!(listed_with(rows.into_iter(), &kept), None);
    }
}
