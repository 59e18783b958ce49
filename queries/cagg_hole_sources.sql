-- For each continuous aggregate asked about ($1 its materialization hypertable's id, $2 and $3 a
-- range (lo, hi] in TimescaleDB's internal units: µs since the epoch, or the integer; $4 the id
-- above which a chunk is new): the chunks of what it reads (its hypertable, or its parent's
-- materialization) wholly below its watermark that end in that range or are new — a chunk
-- made below a watermark already probed (rows written far back) is probed too — with their
-- ranges and ids; and where to probe it for buckets: its materialization table, its time
-- column and that column's type, and whether row-level security guards it (then it is not
-- probed: a policy's expression would run a user's code). Read from the catalog: its chunks
-- with a table (a dropped chunk kept in the catalog for caggs has none), not OSM chunks, each
-- with its slice of its hypertable's primary dimension.
SELECT q.mat_id,
       mat.schema_name::text                           AS mat_schema,
       mat.table_name::text                            AS mat_table,
       md.column_name::text                            AS mat_column,
       md.column_type::pg_catalog.oid::int8            AS mat_type,
       mc.relrowsecurity                               AS guarded,
       ds.range_start                                  AS lo,
       ds.range_end                                    AS hi,
       ch.id                                           AS chunk_id
  FROM ROWS FROM (pg_catalog.unnest($1::int4[]), pg_catalog.unnest($2::int8[]),
                 pg_catalog.unnest($3::int8[]), pg_catalog.unnest($4::int4[]))
       AS q(mat_id, lo, hi, after)
  JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = q.mat_id
  JOIN _timescaledb_catalog.hypertable raw ON raw.id = ca.raw_hypertable_id
  JOIN _timescaledb_catalog.hypertable mat ON mat.id = ca.mat_hypertable_id
  JOIN LATERAL (SELECT d.column_name, d.column_type FROM _timescaledb_catalog.dimension d
                 WHERE d.hypertable_id = mat.id ORDER BY d.id LIMIT 1) md ON true
  JOIN pg_catalog.pg_namespace mn ON mn.nspname = mat.schema_name
  JOIN pg_catalog.pg_class mc ON mc.relnamespace = mn.oid AND mc.relname = mat.table_name
  JOIN _timescaledb_catalog.chunk ch ON ch.hypertable_id = raw.id AND NOT ch.osm_chunk
--@include chunk_table
--@include chunk_slice
 WHERE ds.dimension_id = (SELECT min(d.id) FROM _timescaledb_catalog.dimension d
                           WHERE d.hypertable_id = raw.id)
   AND ds.range_end <= q.hi
   AND (ds.range_end > q.lo OR ch.id > q.after)
 ORDER BY q.mat_id, ds.range_start
