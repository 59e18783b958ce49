-- Every chunk of hypertable $1.$2 (for per-chunk reindexing), oldest first.
SELECT pg_catalog.format('%I.%I', c.chunk_schema, c.chunk_name)::regclass::oid AS oid,
       c.chunk_schema::text AS schema, c.chunk_name::text AS name
  FROM timescaledb_information.chunks c
 WHERE (c.hypertable_schema, c.hypertable_name) = ($1, $2)
 ORDER BY c.range_start NULLS FIRST, c.range_start_integer
