-- merge-chunks: the chunks of hypertable $1.$2, ordered along its time, each with its range as
-- TimescaleDB's internal numbers (µs since the epoch for time, the integer for integer time),
-- whether it is compressed, whether it is selected (entirely older than now() - $3, or than
-- integer $5 - $4 on integer time; all when no bound), whether it is being written (its range
-- reaches now, or it is the newest), and its bytes with indexes and TOAST as
-- pg_total_relation_size counts them, never waiting on a lock. `dimensions`: the hypertable's
-- (merge-chunks merges along time only).
WITH
--@include busy_relations
, newest AS (
    SELECT max(coalesce((extract(epoch FROM n.range_start) * 1000000)::int8, n.range_start_integer)) AS start_key
      FROM timescaledb_information.chunks n
     WHERE (n.hypertable_schema, n.hypertable_name) = ($1, $2)
), chunk AS (
    SELECT pg_catalog.format('%I.%I', c.chunk_schema, c.chunk_name)::regclass::oid AS oid,
           c.chunk_schema::text AS schema, c.chunk_name::text AS name,
           coalesce((extract(epoch FROM c.range_start) * 1000000)::int8, c.range_start_integer) AS start_key,
           coalesce((extract(epoch FROM c.range_end) * 1000000)::int8, c.range_end_integer) AS end_key,
           c.is_compressed,
           CASE WHEN $3::text IS NULL AND $4::text IS NULL THEN true
                ELSE coalesce(c.range_end <= now() - $3::text::interval,
                              c.range_end_integer <= $5::text::bigint - $4::text::bigint, false)
           END AS selected,
           coalesce(c.range_end > now(), c.range_end_integer > $5::text::bigint, false) AS reaches_now
      FROM timescaledb_information.chunks c
     WHERE (c.hypertable_schema, c.hypertable_name) = ($1, $2)
)
SELECT k.oid, k.schema, k.name, k.start_key, k.end_key, k.is_compressed, k.selected,
       k.reaches_now OR k.start_key = (SELECT start_key FROM newest) AS live,
       pages.bytes::int8 AS bytes,
       (SELECT count(*) FROM timescaledb_information.dimensions d
         WHERE (d.hypertable_schema, d.hypertable_name) = ($1, $2))::int AS dimensions
  FROM chunk k
--@include total_bytes_of_k
 ORDER BY k.start_key
