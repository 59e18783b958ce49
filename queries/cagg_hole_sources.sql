-- For each continuous aggregate asked about ($1 its materialization hypertable's id, $2 and $3 a
-- range (lo, hi] in TimescaleDB's internal units: µs since the epoch, or the integer): the
-- chunks of what it reads (its hypertable, or its parent's materialization) that end in that
-- range — wholly below its watermark — with their ranges; and where to probe it for buckets:
-- its materialization table, its time column and that column's type, and whether row-level
-- security guards it (then it is not probed: a policy's expression would run a user's code).
SELECT q.mat_id,
       mat.schema_name::text                           AS mat_schema,
       mat.table_name::text                            AS mat_table,
       md.column_name::text                            AS mat_column,
       md.column_type::pg_catalog.oid::int8            AS mat_type,
       mc.relrowsecurity                               AS guarded,
       coalesce(c.range_start_integer,
                (extract(epoch FROM c.range_start) * 1000000)::int8) AS lo,
       coalesce(c.range_end_integer,
                (extract(epoch FROM c.range_end) * 1000000)::int8)   AS hi
  FROM ROWS FROM (pg_catalog.unnest($1::int4[]), pg_catalog.unnest($2::int8[]),
                 pg_catalog.unnest($3::int8[])) AS q(mat_id, lo, hi)
  JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = q.mat_id
  JOIN _timescaledb_catalog.hypertable raw ON raw.id = ca.raw_hypertable_id
  JOIN _timescaledb_catalog.hypertable mat ON mat.id = ca.mat_hypertable_id
  JOIN LATERAL (SELECT d.column_name, d.column_type FROM _timescaledb_catalog.dimension d
                 WHERE d.hypertable_id = mat.id ORDER BY d.id LIMIT 1) md ON true
  JOIN pg_catalog.pg_namespace mn ON mn.nspname = mat.schema_name
  JOIN pg_catalog.pg_class mc ON mc.relnamespace = mn.oid AND mc.relname = mat.table_name
  JOIN timescaledb_information.chunks c
    ON (c.hypertable_schema, c.hypertable_name) = (raw.schema_name, raw.table_name)
 WHERE coalesce(c.range_end_integer, (extract(epoch FROM c.range_end) * 1000000)::int8) > q.lo
   AND coalesce(c.range_end_integer, (extract(epoch FROM c.range_end) * 1000000)::int8) <= q.hi
 ORDER BY q.mat_id, lo
