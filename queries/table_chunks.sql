-- The chunk structure behind the Hypertables, Compression and Retention tabs (read when the
-- catalog's relations change, kept otherwise): each chunk's hypertable, table, TOAST table and
-- range in its hypertable's primary dimension (TimescaleDB's internal time), and when it was
-- created. Only what DDL changes: pages and compression status are read on every refresh.
WITH primary_dimension AS (
    SELECT d.hypertable_id, min(d.id) AS dim_id
      FROM _timescaledb_catalog.dimension d
     GROUP BY d.hypertable_id
)
SELECT ch.id AS chunk_id, ch.hypertable_id, r.oid AS table_oid, r.reltoastrelid AS toast_oid,
       sl.range_start, sl.range_end,
       -- creation_time exists from 2.13, like the created-before policies that need it
       (to_jsonb(ch) ->> 'creation_time')::timestamptz AS created
  FROM _timescaledb_catalog.chunk ch
  -- not the chunks of TimescaleDB's internal compressed hypertables (up to 2.28)
  JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
                                         AND h.compression_state IS DISTINCT FROM 2
--@include chunk_table
  JOIN primary_dimension pd ON pd.hypertable_id = ch.hypertable_id
  JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = ch.id
  JOIN _timescaledb_catalog.dimension_slice sl ON sl.id = cc.dimension_slice_id
                                              AND sl.dimension_id = pd.dim_id
 WHERE NOT ch.osm_chunk
