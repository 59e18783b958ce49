-- Every table's, TOAST table's and index's pages (as fresh as the last VACUUM/ANALYZE), read
-- on every refresh: sizes are summed per hypertable on the client along the cached chunk
-- structure, and the set of relations tells when that structure must be read again. Two
-- arrays in one row: 65,000 rows of two numbers cost the client more than the server.
SELECT array_agg(c.oid) AS oids, array_agg(c.relpages) AS pages
  FROM pg_catalog.pg_class c
 WHERE c.relkind IN ('r', 't', 'i')
