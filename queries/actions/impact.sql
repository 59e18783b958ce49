-- What dropping or compressing under a threshold would touch on relation $1 (its oid: a
-- hypertable, or a continuous aggregate through its materialization hypertable):
--   $2 = 'drop'          chunks entirely older than now() - $3 (as drop_chunks and retention)
--        'drop_created'  chunks created before now() - $3 (a created-before retention policy)
--        'compress'      uncompressed chunks entirely older than now() - $3
--        'compress_created'  uncompressed chunks created before now() - $3
-- On an integer time column the threshold is a number ($4, with $3 NULL) counted back from its
-- "now" ($5, as model::integer_now read it; NULL: unknown, nothing counted). Chunks are read
-- from TimescaleDB's catalog and judged in its internal time as the Compression and Retention
-- tabs judge them; sizes on disk as the drill-down measures them (compressed data included).
-- Read for one relation, when a plan is made, never on the monitoring path.
WITH
--@include busy_relations
, target AS (
    SELECT h.id, d.id AS dim_id,
           d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[]) AS integer_time
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN _timescaledb_catalog.continuous_agg ca
        ON (ca.user_view_schema, ca.user_view_name) = (n.nspname, c.relname)
      JOIN _timescaledb_catalog.hypertable h
        ON h.id = ca.mat_hypertable_id
        OR (ca.mat_hypertable_id IS NULL AND (h.schema_name, h.table_name) = (n.nspname, c.relname))
      JOIN LATERAL (SELECT dd.* FROM _timescaledb_catalog.dimension dd
                     WHERE dd.hypertable_id = h.id ORDER BY dd.id LIMIT 1) d ON true
     WHERE c.oid = $1::text::oid
),
chunk AS (
    SELECT t.integer_time, ds.range_start, ds.range_end,
           (ch.status & 1) = 1                                      AS is_compressed,
           -- creation_time exists from 2.13, as do created-before policies
           (pg_catalog.to_jsonb(ch) ->> 'creation_time')::timestamptz AS created,
           cb.bytes                                                 AS total_bytes
      FROM _timescaledb_catalog.chunk ch
      JOIN target t ON t.id = ch.hypertable_id
--@include chunk_table
--@include chunk_compressed
--@include chunk_bytes
--@include chunk_slice
     WHERE NOT ch.osm_chunk AND ds.dimension_id = t.dim_id
),
judged AS (
    SELECT c.*,
           CASE WHEN c.integer_time THEN $5::text::bigint - $4::text::bigint
                ELSE (extract(epoch FROM now() - $3::text::interval) * 1000000)::bigint
           END AS upto
      FROM chunk c
),
hit AS (
    SELECT j.*,
           CASE $2::text
             WHEN 'drop' THEN j.range_end <= j.upto
             WHEN 'drop_created' THEN j.created < now() - $3::text::interval
             WHEN 'compress' THEN NOT j.is_compressed AND j.range_end <= j.upto
             WHEN 'compress_created' THEN NOT j.is_compressed AND j.created < now() - $3::text::interval
           END AS hit
      FROM judged j
)
SELECT count(*) AS total_chunks,
       coalesce(sum(total_bytes), 0)::int8 AS total_bytes,
       count(*) FILTER (WHERE hit) AS chunks,
       coalesce(sum(total_bytes) FILTER (WHERE hit), 0)::int8 AS bytes,
       pg_catalog.to_char(pg_catalog.to_timestamp(min(range_start) FILTER (WHERE hit AND NOT integer_time
                                                    AND range_start > -9223372036854775808)
                                                  / 1000000.0), 'YYYY-MM-DD HH24:MI') AS first,
       pg_catalog.to_char(pg_catalog.to_timestamp(max(range_end) FILTER (WHERE hit AND NOT integer_time
                                                  AND range_end < 9223372036854775807)
                                                  / 1000000.0), 'YYYY-MM-DD HH24:MI') AS last,
       -- integer time whose "now" is unknown here: nothing could be counted
       coalesce(bool_or(integer_time), false) AND $5::text IS NULL AS integer_time
  FROM hit
