-- relation_bytes.sql for a role that may stat files (pg_stat_file): the same bytes, read from
-- each relation's files by their paths instead of through the size functions. Those open every
-- relation, and a new session builds a cache entry for each it opens (its columns, indexes,
-- rules): seconds at 150,000 relations for `snapshot`, `check` and every first read. A path
-- comes from the relation's catalog row alone (pg_relation_filepath), and a stat is a stat.
--
-- A file as large as a segment may have more segments after it (`<file>.1`, …): such a
-- relation is measured by the size functions, as relation_bytes.sql does. A relation whose
-- main file is gone was dropped meanwhile and has no size, as there. One busy behind an ACCESS
-- EXCLUSIVE lock is left out as there too (the client keeps its last size).
WITH
--@include busy_relations
SELECT array_agg(c.oid) AS oids, array_agg(s.bytes) AS bytes
  FROM pg_catalog.pg_class c
 CROSS JOIN LATERAL (SELECT pg_catalog.pg_relation_filepath(c.oid) AS path) p
 CROSS JOIN LATERAL (SELECT (pg_catalog.pg_stat_file(p.path, true)).size AS main,
                            (pg_catalog.pg_stat_file(p.path || '_fsm', true)).size AS fsm,
                            (pg_catalog.pg_stat_file(p.path || '_vm', true)).size AS vm,
                            (pg_catalog.pg_stat_file(p.path || '_init', true)).size AS init) f
  JOIN LATERAL (SELECT CASE
                  WHEN f.main IS NULL THEN NULL
                  WHEN greatest(f.main, f.fsm, f.vm, f.init)
                       >= pg_catalog.pg_size_bytes(pg_catalog.current_setting('segment_size'))
                  THEN
--@include relation_bytes
                  ELSE f.main + coalesce(f.fsm, 0) + coalesce(f.vm, 0) + coalesce(f.init, 0)
                  END AS bytes) s ON s.bytes IS NOT NULL
 WHERE c.oid = ANY ($1::oid[])
   AND c.oid NOT IN (SELECT b.relation FROM busy b)
