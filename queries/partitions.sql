-- Retention tab (plain PostgreSQL): partitioned tables with their direct partitions' count and
-- lower bounds (the oldest is picked client-side), and the tables with data at every level
-- below (sized on the client with their indexes and TOAST). Catalog reads only.
SELECT n.nspname::text AS schema, p.relname::text AS name,
       CASE pt.partstrat WHEN 'r' THEN 'range' WHEN 'l' THEN 'list' WHEN 'h' THEN 'hash' END AS strategy,
       count(c.oid) AS partitions,
       (SELECT coalesce(array_agg(t.relid::oid), '{}') FROM pg_catalog.pg_partition_tree(p.oid) t
         WHERE t.isleaf)                                                    AS leaves,
       array_remove(array_agg(substring(pg_catalog.pg_get_expr(c.relpartbound, c.oid)
                                        FROM 'FROM \((.*)\) TO')), NULL) AS lower_bounds,
       bool_or(pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT') AS has_default
  FROM pg_catalog.pg_partitioned_table pt
  JOIN pg_catalog.pg_class p ON p.oid = pt.partrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = p.relnamespace
  LEFT JOIN pg_catalog.pg_inherits i ON i.inhparent = p.oid
  LEFT JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid
 WHERE NOT p.relispartition
 GROUP BY n.nspname, p.relname, pt.partstrat, p.oid
 ORDER BY 1, 2
