-- relation_bytes.sql for a role that may list and stat files (pg_ls_dir, pg_stat_file), when
-- most relations are wanted at once (a new session's first read): the same bytes, read from the
-- files themselves. The size functions open every relation, and a new session builds a cache
-- entry for each one it opens (its columns, indexes, rules): 2.9 to 5.5 s for 65,000 relations
-- at 20,000 chunks, 1.1 s once built. Here the database's directory is listed once and each
-- file in it stat'ed, its bytes added to the relation whose file number it carries: every fork
-- and segment (`<n>`, `<n>_fsm`, `<n>_vm`, `<n>_init`, `<n>.1`, …), as pg_relation_size adds
-- them up (0.8 to 0.9 s there, whether the session is new or not).
--
-- Relations elsewhere (a tablespace not the database's own, temporary, the catalogs whose files
-- are mapped) are few and measured by the size functions. A relation whose main file is gone
-- was dropped meanwhile and has no size; one busy behind an ACCESS EXCLUSIVE lock is left out
-- (the client keeps its last size), as in relation_bytes.sql. File numbers are read as int8:
-- a stray file named by more digits than an oid holds must not fail the whole statement, and
-- only names of the forms above are counted.
WITH
--@include busy_relations
, here AS (
    -- the database's directory (under pg_tblspc/ when it was created in another tablespace),
    -- where its catalog's files are
    SELECT pg_catalog.regexp_replace(pg_catalog.pg_relation_filepath('pg_catalog.pg_class'),
                                     '/[^/]*$', '') AS dir
),
files AS MATERIALIZED (
    SELECT pg_catalog.split_part(pg_catalog.split_part(f.name, '.', 1), '_', 1)::int8 AS node,
           pg_catalog.strpos(f.name, '_') = 0 AND pg_catalog.strpos(f.name, '.') = 0 AS main,
           (pg_catalog.pg_stat_file(h.dir || '/' || f.name, true)).size AS size
      FROM here h
     CROSS JOIN LATERAL pg_catalog.pg_ls_dir(h.dir, true, false) f(name)
     WHERE f.name ~ '^[0-9]{1,18}(_(fsm|vm|init))?([.][0-9]{1,9})?$'
),
sized AS (
    SELECT f.node, sum(f.size)::int8 AS bytes
      FROM files f
     GROUP BY f.node
    HAVING bool_or(f.main)
)
SELECT array_agg(c.oid) AS oids, array_agg(b.bytes) AS bytes
  FROM pg_catalog.pg_class c
  LEFT JOIN sized s ON s.node = c.relfilenode::int8
 CROSS JOIN LATERAL (SELECT CASE
                      WHEN c.reltablespace = 0 AND c.relpersistence <> 't' AND c.relfilenode <> 0
                      THEN s.bytes
                      ELSE
--@include relation_bytes
                      END AS bytes) b
 WHERE c.oid = ANY ($1::oid[])
   AND c.oid NOT IN (SELECT b.relation FROM busy b)
   AND b.bytes IS NOT NULL
