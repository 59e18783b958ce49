-- Every index's statistics (the pg_stat functions pg_stat_user_indexes reads) and the invalid
-- ones, read on every refresh of the catalog pass as arrays in one row: chunk indexes are
-- summed into their hypertable index on the client. Validity as the few invalid oids rather
-- than a flag per index (an array of 42,555 flags cost 4 ms).
SELECT array_agg(x.indexrelid) AS oids,
       array_agg(pg_catalog.pg_stat_get_numscans(x.indexrelid)) AS scans,
       array_agg(pg_catalog.pg_stat_get_tuples_returned(x.indexrelid)) AS tuples_read,
       array_agg(x.indexrelid) FILTER (WHERE NOT x.indisvalid) AS invalid
  FROM pg_catalog.pg_index x
