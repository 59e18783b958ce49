-- Indexes tab (TimescaleDB): every index on a hypertable or continuous aggregate (its chunk
-- indexes summed: scans, tuples read, size, validity) and on an ordinary table. Chunks,
-- compressed chunks and TimescaleDB's own catalog are folded in or left out. One catalog pass;
-- index statistics from the pg_stat functions (what pg_stat_user_indexes reads).
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
--@include index_map
, per_index AS (
    SELECT m.hypertable_index, count(*) AS chunk_indexes, bool_and(m.indisvalid) AS valid,
           sum(m.relpages)::bigint AS pages,
           sum(pg_catalog.pg_stat_get_numscans(m.chunk_index)) AS scans,
           sum(pg_catalog.pg_stat_get_tuples_returned(m.chunk_index)) AS tuples_read
      FROM index_map m
     GROUP BY m.hypertable_index
), listed AS (
    -- the hypertables' own indexes, and indexes on ordinary tables (not a chunk, not
    -- TimescaleDB's own)
    SELECT x.indexrelid, h.schema, h.name AS table_name, true AS on_hypertable
      FROM pg_catalog.pg_index x
      JOIN hyper h ON h.oid = x.indrelid
    UNION ALL
    SELECT x.indexrelid, n.nspname::text, t.relname::text, false
      FROM pg_catalog.pg_index x
      JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE '\_timescaledb\_%'
       AND n.nspname NOT LIKE 'pg\_temp\_%'
       AND NOT EXISTS (SELECT 1 FROM hyper h WHERE h.oid = t.oid)
       AND NOT EXISTS (SELECT 1 FROM chunk ch WHERE ch.oid = t.oid)
),
--@include index_def
SELECT d.indexrelid::bigint AS index_oid, l.schema, l.table_name, d.index_schema, d.index_name,
       l.on_hypertable, d.method, d.indisunique AS is_unique, d.indisprimary AS is_primary,
       array_to_string(d.key_columns, ',') AS key_columns, d.expressions, d.predicate,
       d.indisvalid AND coalesce(p.valid, true)                             AS valid,
       (pg_catalog.pg_stat_get_numscans(d.indexrelid) + coalesce(p.scans, 0))::bigint AS scans,
       (pg_catalog.pg_stat_get_tuples_returned(d.indexrelid)
            + coalesce(p.tuples_read, 0))::bigint                           AS tuples_read,
       (d.size_bytes + coalesce(p.pages, 0) * current_setting('block_size')::bigint)::bigint
                                                                            AS size_bytes,
       coalesce(p.chunk_indexes, 0)::bigint                                 AS chunk_indexes
  FROM listed l
  JOIN index_def d ON d.indexrelid = l.indexrelid
  LEFT JOIN per_index p ON p.hypertable_index = l.indexrelid
 ORDER BY 1, 2, 3
