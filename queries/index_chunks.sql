-- Indexes drill-down: the chunk indexes behind one hypertable index ($1 schema, $2 index name),
-- each with its bytes on disk (NULL while busy behind an ACCESS EXCLUSIVE lock).
WITH
--@include busy_relations
, target AS MATERIALIZED (
    SELECT hi.oid AS index_oid, x.indrelid
      FROM pg_catalog.pg_class hi
      JOIN pg_catalog.pg_namespace n ON n.oid = hi.relnamespace
      JOIN pg_catalog.pg_index x ON x.indexrelid = hi.oid
     WHERE n.nspname = $1 AND hi.relname = $2
), hyper AS MATERIALIZED (
    SELECT t.indrelid AS oid,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = t.indrelid AND a.attnum > 0 AND a.attisdropped) AS has_dropped
      FROM target t
),
--@include index_map
SELECT ci.oid AS index_oid, n.nspname::text AS index_schema, ci.relname::text AS index_name, cr.relname::text AS chunk_name,
       m.indisvalid AS valid,
       pg_catalog.pg_stat_get_numscans(m.chunk_index)::bigint AS scans,
       pg_catalog.pg_stat_get_tuples_returned(m.chunk_index)::bigint AS tuples_read,
       (SELECT
--@include relation_bytes
          FROM pg_catalog.pg_class c WHERE c.oid = m.chunk_index)::bigint AS size_bytes
  FROM index_map m
  JOIN target t ON t.index_oid = m.hypertable_index
  JOIN pg_catalog.pg_class ci ON ci.oid = m.chunk_index
  JOIN pg_catalog.pg_namespace n ON n.oid = ci.relnamespace
  JOIN pg_catalog.pg_class cr ON cr.oid = m.chunk
 ORDER BY m.chunk_index DESC
