-- Continuous-aggregates tab (plain PostgreSQL): materialized views. PostgreSQL records no
-- refresh time, so only size and whether they are populated are shown.
SELECT m.schemaname::text AS schema, m.matviewname::text AS name, m.ispopulated AS populated,
       ((coalesce(c.relpages, 0) + coalesce(t.relpages, 0)
         + coalesce((SELECT sum(ic.relpages) FROM pg_catalog.pg_index i
                      JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                     WHERE i.indrelid = c.oid), 0))
        * current_setting('block_size')::bigint)::bigint AS size_bytes,
       (SELECT count(*) FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid) AS indexes,
       m.matviewowner::text AS owner
  FROM pg_catalog.pg_matviews m
  JOIN pg_catalog.pg_namespace n ON n.nspname = m.schemaname
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = m.matviewname
  LEFT JOIN pg_catalog.pg_class t ON t.oid = c.reltoastrelid
 ORDER BY 1, 2
