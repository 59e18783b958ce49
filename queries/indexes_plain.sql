-- Indexes tab (plain PostgreSQL): every user index; a partitioned table's index carries the sums
-- of its partitions' indexes (at every level), which are then not listed on their own, and
-- their oids, for the client to add their sizes.
WITH
wanted_index AS (SELECT i.indexrelid FROM pg_catalog.pg_index i),
--@include index_def
, idx AS (
    SELECT d.*, coalesce(s.idx_scan, 0) AS scans, coalesce(s.idx_tup_read, 0) AS tuples_read
      FROM index_def d
      LEFT JOIN pg_catalog.pg_stat_user_indexes s ON s.indexrelid = d.indexrelid
), part AS (
    -- every partition's index below a partitioned index, at every level of partitioning
    SELECT pc.oid AS root, t.relid AS leaf
      FROM pg_catalog.pg_class pc
     CROSS JOIN LATERAL pg_catalog.pg_partition_tree(pc.oid) t
     WHERE pc.relkind = 'I' AND t.isleaf AND t.level > 0
)
SELECT d.indexrelid AS index_oid, n.nspname::text AS schema, t.relname::text AS table_name, n.nspname::text AS index_schema,
       d.index_name,
       false AS on_hypertable, d.method, d.indisunique AS is_unique, d.indisprimary AS is_primary,
       array_to_string(d.key_columns, ',') AS key_columns, d.expressions, d.predicate,
       d.indisvalid AND coalesce(bool_and(l.indisvalid), true) AS valid,
       (d.scans + coalesce(sum(l.scans), 0))::bigint AS scans,
       (d.tuples_read + coalesce(sum(l.tuples_read), 0))::bigint AS tuples_read,
       coalesce(array_agg(l.indexrelid) FILTER (WHERE l.indexrelid IS NOT NULL), '{}') AS part_indexes,
       count(l.indexrelid)::bigint AS chunk_indexes, t.oid AS table_oid
  FROM idx d
  JOIN pg_catalog.pg_class t ON t.oid = d.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
  LEFT JOIN part p ON p.root = d.indexrelid
  LEFT JOIN idx l ON l.indexrelid = p.leaf
 WHERE t.relkind IN ('r', 'm', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
   AND n.nspname NOT LIKE 'pg\_temp\_%'
   AND NOT t.relispartition
 GROUP BY n.nspname, t.relname, t.oid, d.indexrelid, d.index_name, d.indisunique, d.indisprimary,
          d.method, d.key_columns, d.expressions, d.predicate, d.indisvalid, d.scans, d.tuples_read
 ORDER BY 1, 2, 3
