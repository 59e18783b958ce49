-- Every index's statistics (the pg_stat functions pg_stat_user_indexes reads) and the invalid
-- ones, read on every refresh of the catalog pass as arrays: chunk indexes are summed into
-- their hypertable index on the client. Validity as the few invalid oids rather than a flag per
-- index (an array of 42,555 flags cost 4 ms). In rows of at most 16,384 oids' indexes, not one
-- row: a client holds each message whole while it decodes it, and one row of 42,000 indexes
-- (20,000 chunks) kept a 2 MB buffer, of 177,000 (55,000 chunks) 8 MB; the rows cost the
-- server 10 % more (+3 ms at 20,000 chunks).
SELECT array_agg(x.indexrelid) AS oids,
       array_agg(pg_catalog.pg_stat_get_numscans(x.indexrelid)) AS scans,
       array_agg(pg_catalog.pg_stat_get_tuples_returned(x.indexrelid)) AS tuples_read,
       array_agg(x.indexrelid) FILTER (WHERE NOT x.indisvalid) AS invalid
  -- a fence: the planner then expects a few hundred blocks, not one an index, and hashes them
  -- (it sorted 130,000 rows on disk: 137 ms against 120 at 50,000 chunks; alike at 20,000)
  FROM (SELECT i.indexrelid, i.indisvalid, i.indexrelid::int8 >> 14 AS block
          FROM pg_catalog.pg_index i
        OFFSET 0) x
 GROUP BY x.block
