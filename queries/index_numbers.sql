-- The statistics (the pg_stat functions pg_stat_user_indexes reads) of every index that has
-- any, read on every refresh of the catalog pass as arrays: chunk indexes are summed into their
-- hypertable index on the client. An index left out has never been scanned since the statistics
-- were reset: the client counts every index the catalog's structure lists, zero where none came
-- (most chunk indexes of a time-series database are never scanned again once their chunk is
-- old). The structure is read again whenever an index is made or dropped (relation_versions.sql,
-- read after this in a refresh), so an index dropped since is not shown; a session's first read
-- and a one-shot read read the structure first or beside this, and an index dropped between
-- the two shows once, never scanned. Validity is kept with the structure (invalid_indexes.sql):
-- this reads the oids alone, which pg_index's index gives (an index-only scan where pg_index's
-- pages are all visible).
--
-- In rows of at most 16,384 oids' indexes, not one row: a client holds each message whole while
-- it decodes it, and one row of every index kept a read buffer as large. Only the rows with
-- counters are grouped.
--
-- With every index's counters and the invalid ones this read was slower; as it is, it is not
-- far above the counters' bare sum.
SELECT array_agg(x.indexrelid) AS oids,
       array_agg(x.scans) AS scans,
       array_agg(x.tuples_read) AS tuples_read
  -- a fence: each counter looked up once, and the planner then expects a few hundred blocks,
  -- not one an index, and hashes them (else it sorted a row per index, on disk, and was
  -- slower)
  FROM (SELECT i.indexrelid, i.indexrelid::int8 >> 14 AS block,
               pg_catalog.pg_stat_get_numscans(i.indexrelid) AS scans,
               pg_catalog.pg_stat_get_tuples_returned(i.indexrelid) AS tuples_read
          FROM pg_catalog.pg_index i
        OFFSET 0) x
 WHERE x.scans <> 0 OR x.tuples_read <> 0
 GROUP BY x.block
