-- Every index's validity and statistics (the pg_stat functions pg_stat_user_indexes reads),
-- read on every refresh as arrays in one row: chunk indexes are summed into their hypertable
-- index on the client.
SELECT array_agg(x.indexrelid) AS oids, array_agg(x.indisvalid) AS valid,
       array_agg(pg_catalog.pg_stat_get_numscans(x.indexrelid)) AS scans,
       array_agg(pg_catalog.pg_stat_get_tuples_returned(x.indexrelid)) AS tuples_read
  FROM pg_catalog.pg_index x
