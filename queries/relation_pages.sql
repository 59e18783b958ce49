-- Every table's, TOAST table's and index's pages (as fresh as the last VACUUM/ANALYZE), read
-- on every refresh of the catalog pass: sizes are summed per hypertable and index on the
-- client along the kept catalog structure, and the set of relations, with the catalog's
-- changes, tells when that structure must be read again.
--
-- One array in one row, each relation's oid and pages packed in an int8 (oid << 32 | pages,
-- pages as the unsigned block count they are): the server converts an array element by
-- element, and two arrays of 65,000 took 22 ms where this one takes 15. The database's
-- estimated size is every relation's pages (pg_database_size walks every file: slow with
-- 10,000+ chunks).
SELECT (sum(c.relpages) * current_setting('block_size')::bigint)::bigint AS database_bytes,
       current_setting('block_size')::bigint AS block_size,
       array_agg((c.oid::int8 << 32) | (c.relpages::int8 & 4294967295))
           FILTER (WHERE c.relkind IN ('r', 't', 'i')) AS relations,
       -- Every row inserted, updated or deleted in the catalogs that name and define relations,
       -- as far as the statistics have seen (a backend reports its changes within seconds; a
       -- VACUUM's page counts, written in place, are none): a rename or a changed definition
       -- keeps the set of relations but changes this. NULL when unknown — track_counts off, or
       -- no change ever counted (statistics just reset, or an engine that publishes none) —
       -- and then the structure is read on every refresh.
       (SELECT nullif(sum(pg_catalog.pg_stat_get_tuples_inserted(t)
                   + pg_catalog.pg_stat_get_tuples_updated(t)
                   + pg_catalog.pg_stat_get_tuples_deleted(t)), 0)
          FROM unnest(ARRAY['pg_catalog.pg_class', 'pg_catalog.pg_attribute',
                            'pg_catalog.pg_namespace', 'pg_catalog.pg_index',
                            '_timescaledb_catalog.hypertable',
                            '_timescaledb_catalog.continuous_agg',
                            -- compression settings: 2.14 and later, and before
                            to_regclass('_timescaledb_catalog.compression_settings'),
                            to_regclass('_timescaledb_catalog.hypertable_compression')]) t
         WHERE t IS NOT NULL
           AND pg_catalog.current_setting('track_counts')::bool)::int8 AS catalog_changes
  FROM pg_catalog.pg_class c
