-- The catalog pass's measurement for a role that may stat files (relation_bytes.sql for the
-- others): the bytes on disk of each relation in $1 (oids), every fork, as pg_relation_size counts
-- them, by a stat of each fork's file — cheaper than opening each relation and seeking to its end,
-- and it waits on no lock (a relation given a new file meanwhile is measured by its old file or its
-- new, whole). A relation whose first segment is full has more segments, and one whose file is not
-- where its path says (none, or gone with a rewrite meanwhile): measured through pg_relation_size
-- (relation_bytes.sql's way, left out while busy behind an ACCESS EXCLUSIVE lock). As arrays in one
-- row; a relation dropped meanwhile has none.
WITH
--@include busy_relations
, segment AS MATERIALIZED (
    SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('segment_size')) AS bytes
)
SELECT array_agg(f.oid) AS oids, array_agg(f.bytes) AS bytes
  FROM (SELECT c.oid,
               CASE WHEN main.size < (SELECT s.bytes FROM segment s)
                    -- only the forks a relation of its kind can have: an index no visibility
                    -- map, a relation that is not unlogged no init fork
                    THEN main.size
                         + coalesce((pg_catalog.pg_stat_file(p.path || '_fsm', true)).size, 0)
                         + CASE WHEN c.relkind <> 'i' THEN
                               coalesce((pg_catalog.pg_stat_file(p.path || '_vm', true)).size, 0)
                           ELSE 0 END
                         + CASE WHEN c.relpersistence = 'u' THEN
                               coalesce((pg_catalog.pg_stat_file(p.path || '_init', true)).size, 0)
                           ELSE 0 END
                    WHEN c.oid NOT IN (SELECT b.relation FROM busy b)
                    THEN pg_catalog.pg_relation_size(c.oid, 'main')
                         + pg_catalog.pg_relation_size(c.oid, 'fsm')
                         + pg_catalog.pg_relation_size(c.oid, 'vm')
                         + pg_catalog.pg_relation_size(c.oid, 'init')
               END AS bytes
          FROM pg_catalog.pg_class c
          CROSS JOIN LATERAL (SELECT pg_catalog.pg_relation_filepath(c.oid) AS path) p
          CROSS JOIN LATERAL (SELECT (pg_catalog.pg_stat_file(p.path, true)).size AS size) main
         WHERE c.oid = ANY ($1::oid[])) f
 WHERE f.bytes IS NOT NULL
