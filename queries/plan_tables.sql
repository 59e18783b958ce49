-- The hypertables and partitioned tables a generic plan reads: for each, its chunks (leaf
-- partitions) and those the plan kept. $1, $2: the schemas and names of every relation the
-- plan names, a hypertable or partitioned table itself included (ChunkAppend, INSERT).
WITH named AS (
  SELECT DISTINCT c.oid, c.relname::text AS name,
         CASE WHEN c.relispartition THEN pg_catalog.pg_partition_root(c.oid)
              ELSE (SELECT i.inhparent FROM pg_catalog.pg_inherits i
                     WHERE i.inhrelid = c.oid LIMIT 1) END AS parent
    FROM ROWS FROM (pg_catalog.unnest($1::text[]), pg_catalog.unnest($2::text[]))
         AS p(schema, name)
    JOIN pg_catalog.pg_namespace n ON n.nspname = p.schema
    JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.name
), roots AS (
  SELECT oid AS root FROM named
  UNION
  SELECT parent FROM named WHERE parent IS NOT NULL
), tables AS (
  SELECT r.root, 'partitioned table'::text AS kind, NULL::text AS view_schema,
         NULL::text AS view_name,
         (SELECT count(*) FROM pg_catalog.pg_partition_tree(r.root) t
           WHERE t.isleaf AND t.relid <> r.root)::int8 AS total
    FROM roots r
    JOIN pg_catalog.pg_class c ON c.oid = r.root
   WHERE c.relkind = 'p'
--@include plan_hypertables
)
SELECT n.nspname::text AS schema, c.relname::text AS name, t.kind, t.view_schema,
       t.view_name, t.total,
       (SELECT pg_catalog.array_agg(m.name ORDER BY m.name) FROM named m
         WHERE m.parent = t.root AND m.oid <> t.root) AS planned
  FROM tables t
  JOIN pg_catalog.pg_class c ON c.oid = t.root
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 ORDER BY 1, 2
