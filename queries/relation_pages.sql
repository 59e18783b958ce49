-- Every table's, TOAST table's and index's pages (as fresh as the last VACUUM/ANALYZE), read
-- on every refresh of the catalog pass: sizes are summed per hypertable and index on the
-- client along the kept catalog structure, and the set of relations tells when that structure
-- must be read again. Two arrays in one row: 65,000 rows of two numbers cost the client more
-- than the server. The database's estimated size is every relation's pages (pg_database_size
-- walks every file: slow with 10,000+ chunks).
SELECT (sum(c.relpages) * current_setting('block_size')::bigint)::bigint AS database_bytes,
       array_agg(c.oid) FILTER (WHERE c.relkind IN ('r', 't', 'i')) AS oids,
       array_agg(c.relpages) FILTER (WHERE c.relkind IN ('r', 't', 'i')) AS pages
  FROM pg_catalog.pg_class c
