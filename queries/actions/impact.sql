-- What dropping or compressing under a threshold would touch on relation $1 (its oid: a
-- hypertable, or a continuous aggregate through its materialization hypertable):
--   $2 = 'drop'          chunks entirely older than now() - $3 (as drop_chunks and retention)
--        'drop_created'  chunks created before now() - $3 (a created-before retention policy)
--        'compress'      uncompressed chunks entirely older than now() - $3
--        'compress_created'  uncompressed chunks created before now() - $3
-- On an integer time column the threshold is a number ($4, with $3 NULL) counted back from its
-- "now" ($5, as model::integer_now read it; NULL: unknown, nothing counted). Sizes as
-- TimescaleDB counts them (compressed data included). Read for one relation, when a plan is
-- made, never on the monitoring path.
WITH rel AS (
  SELECT n.nspname AS schema, c.relname AS name
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.oid = $1::text::oid
),
target AS (
  SELECT h.schema_name, h.table_name
    FROM _timescaledb_catalog.hypertable h
    JOIN rel ON (h.schema_name, h.table_name) = (rel.schema, rel.name)
  UNION ALL
  SELECT h.schema_name, h.table_name
    FROM _timescaledb_catalog.continuous_agg ca
    JOIN rel ON (ca.user_view_schema, ca.user_view_name) = (rel.schema, rel.name)
    JOIN _timescaledb_catalog.hypertable h ON h.id = ca.mat_hypertable_id
),
chunk AS (
  SELECT c.range_start, c.range_end, c.range_end_integer, c.is_compressed,
         -- chunk_creation_time exists from 2.13, as do created-before policies
         (pg_catalog.to_jsonb(c) ->> 'chunk_creation_time')::timestamptz AS created,
         s.total_bytes
    FROM target t
    JOIN timescaledb_information.chunks c
      ON (c.hypertable_schema, c.hypertable_name) = (t.schema_name, t.table_name)
    LEFT JOIN {ts}.chunks_detailed_size(pg_catalog.format('%I.%I', t.schema_name, t.table_name)::regclass) s
      ON (s.chunk_schema, s.chunk_name) = (c.chunk_schema, c.chunk_name)
),
judged AS (
  SELECT chunk.*,
         CASE $2::text
           WHEN 'drop' THEN coalesce(range_end <= now() - $3::text::interval,
                                     range_end_integer <= $5::text::bigint - $4::text::bigint)
           WHEN 'drop_created' THEN created < now() - $3::text::interval
           WHEN 'compress' THEN NOT is_compressed
                                AND coalesce(range_end <= now() - $3::text::interval,
                                             range_end_integer <= $5::text::bigint - $4::text::bigint)
           WHEN 'compress_created' THEN NOT is_compressed AND created < now() - $3::text::interval
         END AS hit
    FROM chunk
)
SELECT count(*) AS total_chunks,
       coalesce(sum(total_bytes), 0)::int8 AS total_bytes,
       count(*) FILTER (WHERE hit) AS chunks,
       coalesce(sum(total_bytes) FILTER (WHERE hit), 0)::int8 AS bytes,
       pg_catalog.to_char(min(range_start) FILTER (WHERE hit), 'YYYY-MM-DD HH24:MI') AS first,
       pg_catalog.to_char(max(range_end) FILTER (WHERE hit), 'YYYY-MM-DD HH24:MI') AS last,
       -- integer time whose "now" is unknown here: nothing could be counted
       coalesce(bool_or(range_end IS NULL AND range_end_integer IS NOT NULL), false)
         AND $5::text IS NULL AS integer_time
  FROM judged
