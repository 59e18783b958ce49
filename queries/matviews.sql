-- Continuous-aggregates tab (plain PostgreSQL): materialized views. PostgreSQL records no
-- refresh time, so only size and whether they are populated are shown: the bytes on disk of
-- the view, its TOAST table and their indexes (NULL while one is busy behind a lock).
WITH
--@include busy_relations
SELECT m.schemaname::text AS schema, m.matviewname::text AS name, m.ispopulated AS populated,
       (SELECT CASE WHEN bool_and(s.bytes IS NOT NULL) THEN sum(s.bytes) END
          FROM (SELECT t.oid FROM unnest(ARRAY[mv.oid, mv.reltoastrelid]) t(oid)
                UNION ALL
                SELECT x.indexrelid FROM pg_catalog.pg_index x
                 WHERE x.indrelid IN (mv.oid, mv.reltoastrelid)) rel
          JOIN pg_catalog.pg_class c ON c.oid = rel.oid
         CROSS JOIN LATERAL (SELECT
--@include relation_bytes
                                 AS bytes) s)::bigint AS size_bytes,
       (SELECT count(*) FROM pg_catalog.pg_index i WHERE i.indrelid = mv.oid) AS indexes,
       m.matviewowner::text AS owner
  FROM pg_catalog.pg_matviews m
  JOIN pg_catalog.pg_namespace n ON n.nspname = m.schemaname
  JOIN pg_catalog.pg_class mv ON mv.relnamespace = n.oid AND mv.relname = m.matviewname
 ORDER BY 1, 2
