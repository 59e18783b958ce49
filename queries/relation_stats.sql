-- The catalog pass's measurement for a role that may stat files (relation_bytes.sql for the
-- others): the bytes on disk of each relation in $1 (oids), every fork, as pg_relation_size counts
-- them, by a stat of each fork's file — cheaper than opening each relation and seeking to its end,
-- and it waits on no lock (a relation given a new file meanwhile is measured by its old file or its
-- new, whole). A relation whose first segment is full has more segments, and one whose file is not
-- where its path says (none, or gone with a rewrite meanwhile): measured through pg_relation_size
-- (relation_bytes.sql's way, left out while busy behind an ACCESS EXCLUSIVE lock).
--
-- A relation written at every refresh is mostly the same size: its main fork grows a page at a
-- time, its other forks only as that fork grows or as VACUUM runs. So where the client kept a
-- relation whose other forks are "settled" (below), it sends $2 the relation's file number (in
-- the database's own directory), $3 the table VACUUM counts it under (itself, or an index's
-- table), $4 its main fork's bytes and $5 that table's VACUUM count when it was measured whole;
-- then one stat of the main fork says it is unchanged (bytes NULL) when the main fork is the same
-- and no VACUUM ran since. Else (0 and NULLs) it is measured whole, as before; with its file
-- number and NULLs, whole by its files (below).
--
-- A relation measured in turn (the sweep, the net for what no count sees) is sent with its file
-- number ($2) and no main fork kept ($4 NULL): its forks are stat'ed by that name, every one it
-- can have (an index counted under its table has no visibility map; a relation not unlogged
-- has no init fork: a stat of a file that is not there says so), without looking it up in the
-- catalog: the path and the catalog row of a relation this session has not looked at lately
-- cost as much as the stats, and each stayed in the session's caches (the sweep reaches every
-- relation within the hour: 136 a refresh at 50k chunks). The file number is the client's as
-- the relations' watch keeps it (a new file is listed again at the refresh that sees it, and
-- every table's version, which holds it, is read every 10 minutes). No main fork there, or one
-- past a segment: measured through the catalog.
--
-- Settled, where the server counts VACUUMs, has 8 kB pages and is no standby: the free-space map can grow
-- without the main fork only up to the size that covers every page of it, and the visibility
-- map only by VACUUM (or COPY FREEZE, into a new file); an index's free-space map is written only
-- by VACUUM for btree, hash, GiST and SP-GiST (GIN and BRIN write theirs as rows come): so a
-- relation is settled when its free-space map is that full size, or it is such an index, or a
-- table of at most one page with no map yet (a table makes its map when a page it writes to is
-- full, and then finds no room in it but a new page: the main fork grows with it). The
-- VACUUM count is read before any fork is stat'ed (the statistics are read as they stand, not
-- kept per transaction: see connect), so a VACUUM ending meanwhile is seen next time.
--
-- As arrays in one row, in one order; a relation dropped meanwhile has none.
WITH
--@include busy_relations
, server AS MATERIALIZED (
    SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('segment_size')) AS segment,
           -- (not on a standby: replaying the primary's WAL writes maps and counts no VACUUM)
           pg_catalog.current_setting('block_size') = '8192'
           AND pg_catalog.current_setting('track_counts')::bool
           AND NOT pg_catalog.pg_is_in_recovery()                                  AS settles,
           pg_catalog.regexp_replace(pg_catalog.pg_relation_filepath('pg_catalog.pg_class'),
                                     '[^/]*$', '')                                AS dir,
           (SELECT array_agg(a.oid) FROM pg_catalog.pg_am a
             WHERE a.amname IN ('btree', 'hash', 'gist', 'spgist'))                AS vacuum_only
)
SELECT array_agg(f.oid) AS oids, array_agg(f.vacuums) AS vacuums, array_agg(f.bytes) AS bytes,
       array_agg(f.main) AS main, array_agg(f.settled) AS settled
  FROM (SELECT g.oid, v.n AS vacuums, coalesce(own.bytes, w.bytes) AS bytes,
               coalesce(w.main, quick.size) AS main,
               quick.same OR coalesce(w.settled, false) AS settled, quick.same
          FROM unnest($1::oid[], $2::oid[], $3::oid[], $4::int8[], $5::int8[])
                 AS g(oid, file, counted_as, kept_main, kept_vacuums)
         -- the VACUUM count first: OFFSET 0 keeps it a step of its own, read once
         CROSS JOIN LATERAL (SELECT pg_catalog.pg_stat_get_vacuum_count(g.counted_as)
                                    + pg_catalog.pg_stat_get_autovacuum_count(g.counted_as) AS n
                              OFFSET 0) v
         CROSS JOIN LATERAL (SELECT CASE WHEN g.file <> 0
                                          AND (g.kept_main IS NULL
                                               OR (v.n = g.kept_vacuums
                                                   AND (SELECT s.settles FROM server s)))
                                     THEN (pg_catalog.pg_stat_file(
                                               (SELECT s.dir FROM server s) || g.file::text,
                                               true)).size
                                     END AS size
                              OFFSET 0) stat
         CROSS JOIN LATERAL (SELECT stat.size AS size,
                                    -- (an empty main fork is not taken as the same: a file
                                    -- dropped or rewritten stays empty until a checkpoint)
                                    coalesce(stat.size = g.kept_main AND stat.size > 0
                                             AND stat.size < (SELECT s.segment FROM server s),
                                             false) AS same) quick
         -- measured in turn by its file number: every fork by its name
         CROSS JOIN LATERAL (SELECT CASE WHEN g.kept_main IS NULL AND stat.size IS NOT NULL
                                          AND stat.size < (SELECT s.segment FROM server s)
                                     THEN stat.size
                                          + coalesce((pg_catalog.pg_stat_file(
                                                (SELECT s.dir FROM server s) || g.file::text || '_fsm',
                                                true)).size, 0)
                                          -- (an index, counted under its table, has none)
                                          + CASE WHEN g.counted_as = g.oid THEN
                                                coalesce((pg_catalog.pg_stat_file(
                                                    (SELECT s.dir FROM server s) || g.file::text || '_vm',
                                                    true)).size, 0)
                                            ELSE 0 END
                                          + coalesce((pg_catalog.pg_stat_file(
                                                (SELECT s.dir FROM server s) || g.file::text || '_init',
                                                true)).size, 0)
                                     END AS bytes
                              OFFSET 0) own
          LEFT JOIN LATERAL (
                SELECT c.oid, main.size AS main,
                       CASE WHEN main.size < (SELECT s.segment FROM server s)
                            -- only the forks a relation of its kind can have: an index no
                            -- visibility map, a relation that is not unlogged no init fork
                            THEN main.size + fsm.size
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
                       END AS bytes,
                       (SELECT s.settles FROM server s)
                       AND main.size < (SELECT s.segment FROM server s) AND main.size % 8192 = 0
                       AND ((c.relkind = 'i'
                             AND c.relam = ANY ((SELECT s.vacuum_only FROM server s)::oid[]))
                            -- a table of one page makes its map as it grows a second
                            OR (c.relkind <> 'i' AND fsm.size = 0 AND main.size <= 8192)
                            OR fsm.size = (
--@include free_space_map_bytes
                                          )) AS settled
                  FROM pg_catalog.pg_class c
                 -- each a step of its own (OFFSET 0), read once: a subquery pulled up into its
                 -- query is computed again wherever it is named (each fork's path, the main
                 -- fork stat'ed twice)
                 CROSS JOIN LATERAL (SELECT pg_catalog.pg_relation_filepath(c.oid) AS path OFFSET 0) p
                 CROSS JOIN LATERAL (SELECT (pg_catalog.pg_stat_file(p.path, true)).size AS size
                                      OFFSET 0) main
                 CROSS JOIN LATERAL (SELECT coalesce((pg_catalog.pg_stat_file(p.path || '_fsm', true)).size,
                                                     0) AS size OFFSET 0) fsm
                 -- measured whole unless its main fork's one stat said it is as kept, or
                 -- its forks were stat'ed by their names
                 WHERE c.oid = g.oid AND NOT quick.same AND own.bytes IS NULL) w ON true) f
 WHERE f.same OR f.bytes IS NOT NULL
