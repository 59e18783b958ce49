-- Which hypertable index each chunk index was created from (see fragments/index_map.sql), for
-- every hypertable and continuous aggregate: structure only, read when the catalog's relations
-- change and kept otherwise.
WITH
hyper AS MATERIALIZED (
    SELECT r.oid,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = r.oid AND a.attnum > 0 AND a.attisdropped) AS has_dropped
      FROM _timescaledb_catalog.hypertable h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = h.table_name
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
),
--@include index_map
SELECT m.chunk_index, m.hypertable_index FROM index_map m
