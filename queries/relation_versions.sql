-- Every relation with files (tables, TOAST tables, indexes, materialized views, sequences),
-- read on every refresh of the catalog pass, each with a version: a number that moves whenever
-- its files can have changed. The client measures (relation_bytes.sql) only the relations
-- whose version moved, new ones and a slice of the rest, and keeps every other size: measuring
-- opens a relation and stats its files, which for 150,000 relations costs seconds.
--
-- A version folds what writes leave behind: the file (relfilenode: TRUNCATE, VACUUM FULL,
-- CLUSTER and REINDEX give a new one), what VACUUM and ANALYZE write into pg_class (relpages,
-- reltuples, relallvisible) and, for tables, the statistics counters of rows inserted or
-- updated and of vacuums (free-space and visibility maps appear with a VACUUM). A DELETE frees
-- no file space until a VACUUM; an ANALYZE writes reltuples. An index grows with its table's
-- writes: the client folds in its table's version. (Each counter read costs ≈ 2.5 ms per
-- 23,000 tables: four, not every counter there is.)
--
-- One array in one row, each relation's oid and version packed in an int8 (oid << 32 | the
-- version's low 32 bits): the server converts an array element by element, and two arrays of
-- 65,000 took 22 ms where one takes 15.
SELECT array_agg((c.oid::int8 << 32)
                 | (pg_catalog.hashint8extended(
                        (c.relfilenode::int8 << 32) | (c.relpages::int8 & 4294967295),
                        ((c.relallvisible::int8 << 32) # c.reltuples::int8)
                        # CASE WHEN c.relkind IN ('r', 't', 'm') THEN
                              (pg_catalog.pg_stat_get_tuples_inserted(c.oid)
                               + pg_catalog.pg_stat_get_tuples_updated(c.oid)) * 1000003
                              + pg_catalog.pg_stat_get_vacuum_count(c.oid)
                              + pg_catalog.pg_stat_get_autovacuum_count(c.oid)
                          ELSE 0 END)
                    & 4294967295)) AS relations,
       -- whether writes are counted at all (track_counts); when not, every relation is measured
       pg_catalog.current_setting('track_counts')::bool AS counted,
       -- Every row inserted, updated or deleted in the catalogs that name and define relations,
       -- as far as the statistics have seen (a backend reports its changes within seconds; a
       -- VACUUM's page counts, written in place, are none): a rename or a changed definition
       -- keeps the set of relations but changes this. NULL when unknown — track_counts off, or
       -- no change ever counted (statistics just reset, or an engine that publishes none) —
       -- and then the structure is read, and every relation measured, on every refresh.
       (SELECT nullif(sum(pg_catalog.pg_stat_get_tuples_inserted(t)
                   + pg_catalog.pg_stat_get_tuples_updated(t)
                   + pg_catalog.pg_stat_get_tuples_deleted(t)), 0)
          FROM unnest(ARRAY['pg_catalog.pg_class', 'pg_catalog.pg_attribute',
                            'pg_catalog.pg_namespace', 'pg_catalog.pg_index',
                            to_regclass('_timescaledb_catalog.hypertable'),
                            to_regclass('_timescaledb_catalog.continuous_agg'),
                            -- compression settings: 2.14 and later, and before
                            to_regclass('_timescaledb_catalog.compression_settings'),
                            to_regclass('_timescaledb_catalog.hypertable_compression')]) t
         WHERE t IS NOT NULL
           AND pg_catalog.current_setting('track_counts')::bool)::int8 AS catalog_changes
  FROM pg_catalog.pg_class c
 WHERE c.relkind IN ('r', 't', 'i', 'm', 'S')
