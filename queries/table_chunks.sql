-- The chunk structure behind the Hypertables, Compression and Retention tabs (kept between
-- refreshes, read again when a relation is created or dropped): each chunk's hypertable, table,
-- TOAST table, range in its hypertable's primary dimension (TimescaleDB's internal time) and
-- creation time, as arrays in one row. Only what DDL changes: pages and compression status are
-- read on every refresh. Each chunk's table is found before its range is joined: planned
-- together, the joins were estimated at 61 rows of 20,000 and the tables found by 20,000 index
-- probes (2.5x slower than this hash join).
WITH primary_dimension AS (
    SELECT d.hypertable_id, min(d.id) AS dim_id
      FROM _timescaledb_catalog.dimension d
     GROUP BY d.hypertable_id
), chunk_table AS MATERIALIZED (
    SELECT ch.id, ch.hypertable_id, r.oid, r.reltoastrelid,
--@include chunk_created
                                                              AS created
      FROM _timescaledb_catalog.chunk ch
      -- not the chunks of TimescaleDB's internal compressed hypertables (up to 2.28)
      JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                                             AND h.compression_state IS DISTINCT FROM 2
--@include chunk_table
     WHERE NOT ch.osm_chunk
), slice AS MATERIALIZED (
    SELECT cc.chunk_id, sl.range_start, sl.range_end
      FROM _timescaledb_catalog.chunk_constraint cc
      JOIN _timescaledb_catalog.dimension_slice sl ON sl.id = cc.dimension_slice_id
      JOIN primary_dimension pd ON pd.dim_id = sl.dimension_id
)
SELECT array_agg(ct.id) AS ids, array_agg(ct.hypertable_id) AS hypertable_ids,
       array_agg(ct.oid) AS tables, array_agg(ct.reltoastrelid) AS toasts,
       array_agg(s.range_start) AS range_starts, array_agg(s.range_end) AS range_ends,
       array_agg(ct.created) AS created
  FROM chunk_table ct
  JOIN slice s ON s.chunk_id = ct.id
