-- (2.14 and later) each hypertable's segmentby columns in order, from the settings catalog, for
-- the hypertables $1 (int4[]; NULL: every one), each found by name in pg_class (the settings
-- name a relation; a cast to regclass fails for a role without USAGE on its schema)
segmentby AS (
    SELECT h.id AS hypertable_id, cs.segmentby::text[] AS columns
      FROM _timescaledb_catalog.hypertable h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
      JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = h.table_name
      JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = c.oid
     WHERE ((SELECT $1::int4[]) IS NULL OR h.id = ANY ((SELECT $1::int4[])::int4[]))
       AND pg_catalog.cardinality(cs.segmentby) > 0
)
