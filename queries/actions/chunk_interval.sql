-- set-chunk-interval: hypertable $1's (an oid) time dimension as it is — its column, whether
-- the column is an integer, its interval (time: the server's own text of the microseconds it
-- keeps, so that setting it back is exact; integer time: its units) — and where its newest chunk
-- ends: the next chunk, the first with the new interval, starts there.
SELECT d.column_name::text AS column_name,
       d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[]) AS integer_time,
       d.interval_length,
       (d.interval_length * interval '1 microsecond')::text AS interval,
       (SELECT max(ds.range_end) FROM _timescaledb_catalog.dimension_slice ds
         WHERE ds.dimension_id = d.id) AS newest_end
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN _timescaledb_catalog.hypertable h
    ON (h.schema_name, h.table_name) = (n.nspname, c.relname)
  JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id AND d.interval_length IS NOT NULL
 WHERE c.oid = $1::text::oid
 ORDER BY d.id
 LIMIT 1
