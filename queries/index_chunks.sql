-- Indexes drill-down: the chunk indexes behind one hypertable index ($1 schema, $2 index name).
WITH
--@include index_def
,
--@include index_map
SELECT cd.index_schema, cd.index_name, m.chunk_name, cd.indisvalid AS valid,
       coalesce(s.idx_scan, 0)::bigint AS scans, coalesce(s.idx_tup_read, 0)::bigint AS tuples_read,
       cd.size_bytes
  FROM pg_catalog.pg_class hi
  JOIN pg_catalog.pg_namespace n ON n.oid = hi.relnamespace
  JOIN index_map m ON m.hypertable_index = hi.oid
  JOIN index_def cd ON cd.indexrelid = m.chunk_index
  LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = m.chunk_index
 WHERE n.nspname = $1 AND hi.relname = $2
 ORDER BY m.chunk_index DESC
