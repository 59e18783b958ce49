-- Indexes tab (TimescaleDB): every index on a hypertable or continuous aggregate and on an
-- ordinary table, with its own statistics (the pg_stat functions pg_stat_user_indexes reads)
-- and size; chunks, compressed chunks and TimescaleDB's own catalog are left out. A hypertable
-- index's chunk indexes are summed into it on the client, along the mapping of
-- index_structure.sql (read again only when the catalog's relations change) with the numbers
-- of index_numbers.sql and relation_pages.sql, read on every refresh.
WITH
hyper AS MATERIALIZED (
    SELECT r.oid, coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = r.oid AND a.attnum > 0 AND a.attisdropped) AS has_dropped
      FROM _timescaledb_catalog.hypertable h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = h.table_name
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
),
user_relation AS MATERIALIZED (
    -- tables outside the system's and TimescaleDB's schemas (filtered before anything is joined)
    SELECT t.oid, n.nspname::text AS schema, t.relname::text AS name
      FROM pg_catalog.pg_class t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE '\_timescaledb\_%'
       AND n.nspname NOT LIKE 'pg\_temp\_%'
), listed AS MATERIALIZED (
    -- the hypertables' own indexes, and indexes on ordinary tables (not a hypertable, not a
    -- chunk); LATERAL looks up each table's indexes rather than scanning every index (OFFSET 0
    -- keeps the planner from turning it into a hash join over all of pg_index: it expects
    -- thousands of ordinary tables where there are a hundred; 8 ms of 34 at 20,000 chunks)
    SELECT x.indexrelid, h.schema, h.name AS table_name, true AS on_hypertable
      FROM hyper h
     CROSS JOIN LATERAL (SELECT i.indexrelid FROM pg_catalog.pg_index i
                          WHERE i.indrelid = h.oid OFFSET 0) x
    UNION ALL
    SELECT x.indexrelid, t.schema, t.name, false
      FROM user_relation t
     CROSS JOIN LATERAL (SELECT i.indexrelid FROM pg_catalog.pg_index i
                          WHERE i.indrelid = t.oid OFFSET 0) x
     WHERE NOT EXISTS (SELECT 1 FROM hyper h WHERE h.oid = t.oid)
       -- not a chunk: an inheritance child of a hypertable
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                        WHERE i.inhrelid = t.oid AND i.inhparent IN (SELECT h.oid FROM hyper h))
), wanted_index AS (
    SELECT l.indexrelid FROM listed l
),
--@include index_def
SELECT d.indexrelid::bigint AS index_oid, l.schema, l.table_name, d.index_schema, d.index_name,
       l.on_hypertable, d.method, d.indisunique AS is_unique, d.indisprimary AS is_primary,
       array_to_string(d.key_columns, ',') AS key_columns, d.expressions, d.predicate,
       d.indisvalid                                                         AS valid,
       pg_catalog.pg_stat_get_numscans(d.indexrelid)::bigint                AS scans,
       pg_catalog.pg_stat_get_tuples_returned(d.indexrelid)::bigint         AS tuples_read,
       d.size_bytes::bigint                                                 AS size_bytes,
       current_setting('block_size')::bigint                                AS block_size
  FROM listed l
  JOIN index_def d ON d.indexrelid = l.indexrelid
 ORDER BY 1, 2, 3
