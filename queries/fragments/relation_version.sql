-- Fragment: the version of table `c` (a pg_class row), a number that moves whenever its files
-- can have changed (see relation_versions.sql): its file and what VACUUM and ANALYZE write into
-- pg_class, and, for tables, the rows changed since the last analyze and the dead rows, folded
-- with the statistics' reset time `r.reset`. 32 bits, as an int8.
(pg_catalog.hashint8extended(
     (c.relfilenode::int8 << 32) | (c.relpages::int8 & 4294967295),
     ((c.relallvisible::int8 << 32) # c.reltuples::int8)
     # CASE WHEN c.relkind IN ('r', 't', 'm') THEN
           pg_catalog.pg_stat_get_mod_since_analyze(c.oid) * 1000003
           + pg_catalog.pg_stat_get_dead_tuples(c.oid)
       ELSE 0 END
     # r.reset)
 & 4294967295)
