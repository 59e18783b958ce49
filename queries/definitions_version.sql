-- Whether what tables.sql and jobs.sql read can have changed since they were read: the rows
-- of the catalog tables they read (hypertables, their dimensions, continuous aggregates, the
-- jobs table), counted and summed as a 64-bit hash of each one's table, id and xmin. An
-- insert, update or delete leaves a row with a new xmin (its transaction's), or none, so this
-- moves with the commit itself, where the statistics' counts of changed rows reach other
-- sessions up to ten seconds later; freezing keeps xmin as written. (A job's owner is read as a
-- role name: a role renamed shows under its new name once something here changes.)
-- At 5,000 / 50,000 chunks: 1.0 / 6-9 ms, against 5.6 / 46 ms for tables.sql and 2.1 / 22 ms
-- for jobs.sql's part of the jobs read (pgbench, taking turns).
SELECT count(*) AS rows,
       -- summed exactly as numeric, then brought into a bigint (two int4 halves summed apart
       -- cost 2-4 ms more at 50,000 chunks)
       pg_catalog.mod(sum(pg_catalog.hashint8extended(r.xmin::text::int8, r.id::int8 * 4 + r.tab)),
                      9223372036854775783)::int8 AS hash
  FROM (SELECT 0 AS tab, h.id, h.xmin FROM _timescaledb_catalog.hypertable h
        UNION ALL
        SELECT 1, d.id, d.xmin FROM _timescaledb_catalog.dimension d
        UNION ALL
        SELECT 2, ca.mat_hypertable_id, ca.xmin FROM _timescaledb_catalog.continuous_agg ca
        UNION ALL
        SELECT 3, j.id, j.xmin
--@include jobs_table
       ) r
