-- Every table with files (tables, TOAST tables, materialized views, sequences), read on every
-- refresh of the catalog pass, each with a version: a number that moves whenever its files can
-- have changed. The client measures (relation_bytes.sql) only the relations whose version
-- moved, new ones and a slice of the rest, and keeps every other size: measuring opens a
-- relation and stats its files, which for 150,000 relations costs seconds.
--
-- A version folds what writes leave behind: the file (relfilenode: TRUNCATE, VACUUM FULL and
-- CLUSTER give a new one), what VACUUM and ANALYZE write into pg_class (relpages, reltuples,
-- relallvisible) and, for tables, two statistics counters: rows changed since the last analyze
-- (inserted, updated, deleted) and dead rows (which a vacuum, leaving its free-space and
-- visibility maps, removes; a vacuum after inserts alone moves relallvisible). Each counter is
-- a look-up in the shared statistics per table: this read was slower with four counters for
-- every relation than with these two for the tables.
--
-- Indexes are not listed: an index grows only with its table's writes or a new file, so the client
-- derives its version from its table's and its own file (relations.sql). That shortens the list by
-- most of its length: in a database of chunks, most relations are indexes. A new, dropped or
-- rebuilt index (REINDEX gives a new file) moves `index_files` at once (the catalog's counted
-- changes would say so too, but only once its session reports them, up to 10 s later), and what is
-- kept of the catalog is read again.
--
-- One array, each table's oid and version packed in an int8 (oid << 32 | the version's low 32
-- bits): the server converts an array element by element, and two arrays took longer than one.
-- Sent in slices of $1 (16,384), a row each, the other columns repeated: a client holds each
-- message whole while it decodes it, and its connection's read buffer keeps the room the
-- largest one took.
WITH v AS MATERIALIZED (
SELECT array_agg((c.oid::int8 << 32)
                 |
--@include relation_version
                 ) FILTER (WHERE c.relkind <> 'i' AND NOT c.elsewhere) AS relations,
       -- every index and its file, as one number (a sum: a hash each cost more)
       sum(c.oid::int8 * 3 + c.relfilenode::int8)
           FILTER (WHERE c.relkind = 'i' AND NOT c.elsewhere)::int8 AS index_files,
       -- every other relation's file, the same way: a rewrite (TRUNCATE, VACUUM FULL, CLUSTER)
       -- moves it at once, and the layout naming each relation's file is read again before
       -- files are attributed (the old file stays, emptied, until the next checkpoint)
       sum(c.oid::int8 * 3 + c.relfilenode::int8)
           FILTER (WHERE c.relkind <> 'i' AND NOT c.elsewhere)::int8 AS table_files,
       -- another session's temporary tables come and go with it and are not measured, but
       -- their writes count in the database's: the watch accounts for them (relations_watch.sql)
       array_agg(c.oid) FILTER (WHERE c.elsewhere AND c.relkind IN ('r', 't', 'm')) AS temporary,
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
  FROM (SELECT c.*,
               -- a temporary relation (another session's: it goes with it)
               c.relpersistence = 't' AS elsewhere
          FROM pg_catalog.pg_class c) c,
       -- When the statistics were last reset (the database's, or one table's: that notes the
       -- time on the database too). A reset sets a table's counters back to what they were
       -- once — right after an ANALYZE, say — and its version with them: one kept then would
       -- look current while the files grew since. Folded into every version, a reset moves
       -- them all, and everything is measured once.
       (SELECT coalesce((extract(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(d.oid))
                         * 1000000)::int8, 0) AS reset
          FROM pg_catalog.pg_database d
         WHERE d.datname = pg_catalog.current_database()) r
 WHERE c.relkind IN ('r', 't', 'i', 'm', 'S')
)
SELECT v.relations[s.i : s.i + $1::int4 - 1] AS relations,
       -- every slice's length together: room for them all at once
       coalesce(pg_catalog.cardinality(v.relations), 0) AS total,
       v.index_files, v.table_files, v.counted, v.catalog_changes,
       -- once, in the first row
       CASE WHEN s.i = 1 THEN v.temporary END AS temporary
  FROM v, pg_catalog.generate_series(1, greatest(pg_catalog.cardinality(v.relations), 1), $1::int4) AS s(i)
