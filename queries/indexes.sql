-- Indexes tab (TimescaleDB): every index on a hypertable (its chunk indexes summed: scans,
-- tuples read, size, validity) and on a plain table. Chunks, compressed chunks and TimescaleDB's
-- own catalog are folded in or left out. One catalog pass.
WITH
--@include index_def
,
--@include index_map
, hypertable_rel AS (
    SELECT ht.oid, h.hypertable_schema::text AS schema, h.hypertable_name::text AS name
      FROM timescaledb_information.hypertables h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.hypertable_schema
      JOIN pg_catalog.pg_class ht ON ht.relnamespace = n.oid AND ht.relname = h.hypertable_name
    UNION ALL
    SELECT ht.oid, ca.view_schema::text, ca.view_name::text
      FROM timescaledb_information.continuous_aggregates ca
      JOIN pg_catalog.pg_namespace n ON n.nspname = ca.materialization_hypertable_schema
      JOIN pg_catalog.pg_class ht ON ht.relnamespace = n.oid
                                  AND ht.relname = ca.materialization_hypertable_name
), stat AS (
    SELECT s.indexrelid, s.idx_scan, s.idx_tup_read FROM pg_catalog.pg_stat_user_indexes s
), per_index AS (
    -- a hypertable index with its chunk indexes
    SELECT hd.indexrelid, hr.schema, hr.name AS table_name, hd.index_schema, hd.index_name,
           true AS on_hypertable,
           hd.method, hd.indisunique, hd.indisprimary, hd.key_columns, hd.expressions, hd.predicate,
           hd.indisvalid AND coalesce(bool_and(cd.indisvalid), true)            AS valid,
           coalesce(max(hs.idx_scan), 0) + coalesce(sum(cst.idx_scan), 0)       AS scans,
           coalesce(max(hs.idx_tup_read), 0) + coalesce(sum(cst.idx_tup_read), 0) AS tuples_read,
           hd.size_bytes + coalesce(sum(cd.size_bytes), 0)                      AS size_bytes,
           count(m.chunk_index)                                                 AS chunk_indexes
      FROM hypertable_rel hr
      JOIN index_def hd ON hd.indrelid = hr.oid
      LEFT JOIN stat hs ON hs.indexrelid = hd.indexrelid
      LEFT JOIN index_map m ON m.hypertable_index = hd.indexrelid
      LEFT JOIN index_def cd ON cd.indexrelid = m.chunk_index
      LEFT JOIN stat cst ON cst.indexrelid = m.chunk_index
     GROUP BY hr.schema, hr.name, hd.indexrelid, hd.index_schema, hd.index_name, hd.method,
              hd.indisunique, hd.indisprimary,
              hd.key_columns, hd.expressions, hd.predicate, hd.indisvalid, hd.size_bytes
    UNION ALL
    -- an index on an ordinary table (not a chunk, not TimescaleDB's own)
    SELECT d.indexrelid, n.nspname::text, t.relname::text, d.index_schema, d.index_name, false,
           d.method, d.indisunique, d.indisprimary, d.key_columns, d.expressions, d.predicate,
           d.indisvalid, coalesce(s.idx_scan, 0), coalesce(s.idx_tup_read, 0), d.size_bytes, 0
      FROM index_def d
      JOIN pg_catalog.pg_class t ON t.oid = d.indrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
      LEFT JOIN stat s ON s.indexrelid = d.indexrelid
     WHERE t.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE '\_timescaledb\_%'
       AND n.nspname NOT LIKE 'pg\_temp\_%'
       AND NOT EXISTS (SELECT 1 FROM hypertable_rel hr WHERE hr.oid = t.oid)
       AND NOT EXISTS (SELECT 1 FROM chunk_rel cr WHERE cr.chunk_oid = t.oid)
)
SELECT indexrelid::bigint AS index_oid, schema, table_name, index_schema, index_name, on_hypertable, method, indisunique AS is_unique,
       indisprimary AS is_primary, array_to_string(key_columns, ',') AS key_columns,
       expressions, predicate, valid, scans::bigint AS scans, tuples_read::bigint AS tuples_read,
       size_bytes::bigint AS size_bytes, chunk_indexes::bigint AS chunk_indexes
  FROM per_index
 ORDER BY 1, 2, 3
