-- The chunk interval of a hypertable ($1 schema, $2 name), in TimescaleDB's internal units (µs
-- for time, the integer for integer time): what a refresh is batched by.
SELECT coalesce((extract(epoch FROM d.time_interval) * 1000000)::int8, d.integer_interval) AS interval
  FROM timescaledb_information.dimensions d
 WHERE (d.hypertable_schema, d.hypertable_name) = ($1, $2)
 ORDER BY d.dimension_number
 LIMIT 1
