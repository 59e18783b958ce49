-- The catalog pass's quick look at the relations written lately and kept with their other forks
-- settled (relation_stats.sql says when that holds): one stat of each one's main fork, by its
-- file number ($1, in the database's own directory), and the VACUUM count of the table it is
-- counted under ($2: itself, or an index's table), in the same order. The client keeps those
-- whose main fork and VACUUM count are as kept, on a server where the other forks settle
-- (`settles`) and below a segment (`segment`); the others it measures whole through
-- relation_stats.sql. Apart from that statement because most relations are as kept at every
-- refresh: its row per relation through five arrays and its lateral steps cost twice the
-- stat itself (a thousand relations 9.5–10 ms against 6–7.4 ms, 50k chunks).
--
-- The VACUUM counts are read before any file is stat'ed (a VACUUM ending meanwhile is seen
-- next time): the stats wait on a one-time filter over them.
WITH server AS MATERIALIZED (
    SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('segment_size')) AS segment,
           -- (not on a standby: replaying the primary's WAL writes maps and counts no VACUUM)
           pg_catalog.current_setting('block_size') = '8192'
           AND pg_catalog.current_setting('track_counts')::bool
           AND NOT pg_catalog.pg_is_in_recovery()                                  AS settles,
           pg_catalog.regexp_replace(pg_catalog.pg_relation_filepath('pg_catalog.pg_class'),
                                     '[^/]*$', '')                                AS dir
), counted AS MATERIALIZED (
    SELECT array_agg(pg_catalog.pg_stat_get_vacuum_count(t)
                     + pg_catalog.pg_stat_get_autovacuum_count(t)) AS vacuums
      FROM unnest($2::oid[]) t
)
SELECT (SELECT s.settles FROM server s)                                             AS settles,
       (SELECT s.segment FROM server s)                                             AS segment,
       (SELECT c.vacuums FROM counted c)                                            AS vacuums,
       (SELECT array_agg((pg_catalog.pg_stat_file((SELECT s.dir FROM server s) || f::text,
                                                  true)).size)
          FROM unnest($1::oid[]) f
         WHERE (SELECT count(*) FROM counted) = 1)                                  AS main
