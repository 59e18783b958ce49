-- The chunk structure behind the Hypertables, Compression and Retention tabs (kept between
-- refreshes, read again when the catalog changes): each chunk's hypertable, table, the table of
-- its compressed data (0: none), number of attribute slots (relnatts), creation time and whether
-- it is an OSM chunk (tiered data, or a table attached as one: counted in sizes, as
-- TimescaleDB's own size functions count it, and nowhere else), as arrays per row. Their ranges
-- come from chunk_ranges.sql and are joined on the client: planned together, the joins were
-- estimated at 61 rows of 20,000 (and the tables found by 20,000 index probes), or, kept apart as
-- CTEs, merged after sorting every chunk twice. In rows of at most 4,096 chunks (by id), not one
-- row: a client holds each message whole while it decodes it.
-- Its filtered form ($1: chunk ids) reads the chunks a refresh saw written (timescaledb_watch.sql).
SELECT array_agg(ch.id) AS ids, array_agg(ch.hypertable_id) AS hypertable_ids,
       array_agg(r.oid) AS tables, array_agg(coalesce(cr.oid, 0::oid)) AS compressed,
       array_agg(r.relnatts) AS columns,
       array_agg(
--@include chunk_created
       ) AS created, array_agg(ch.osm_chunk) AS osm
  FROM _timescaledb_catalog.chunk ch
  -- not the chunks of TimescaleDB's internal compressed hypertables (up to 2.28)
  JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                                         AND h.compression_state IS DISTINCT FROM 2
--@include chunk_table
--@include chunk_compressed
--@include chunk_filter
 GROUP BY ch.id >> 12
