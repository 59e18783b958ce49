-- The bytes of the store's tables with their indexes and TOAST (a hypertable's chunks are
-- counted by store_bytes_chunks.sql).
SELECT COALESCE(sum(pg_catalog.pg_total_relation_size(c.oid)), 0)::bigint AS bytes
  FROM pg_catalog.pg_class c
 WHERE c.relkind = 'r' AND c.relnamespace = 'hypertop'::regnamespace
