-- Hypertable drill-down: the chunks of one hypertable or continuous aggregate ($1 schema, $2
-- name: a cagg's chunks are its materialization's), newest first, read from TimescaleDB's
-- catalog; sizes on disk (compressed data included) and the compression snapshot; each chunk's
-- fate under the policies: in the compression backlog (uncompressed, past compress_after) or
-- overdue for retention (past drop_after), judged exactly as the Compression and Retention tabs
-- judge.
WITH
--@include busy_relations
,
--@include policy_jobs
,
hyper AS MATERIALIZED (
    SELECT h.id,
           d.id AS dim_id, d.integer_now_func_schema, d.integer_now_func,
           d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[]) AS integer_time
      FROM _timescaledb_catalog.hypertable h
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
      LEFT JOIN LATERAL (SELECT dd.* FROM _timescaledb_catalog.dimension dd
                          WHERE dd.hypertable_id = h.id ORDER BY dd.id LIMIT 1) d ON true
     WHERE (h.schema_name = $1 AND h.table_name = $2)
        OR (ca.user_view_schema = $1 AND ca.user_view_name = $2)
),
integer_now_given AS (
    -- "now" of integer-time hypertables as model::integer_now read it (ids, values in step)
    SELECT * FROM unnest($3::int4[], $4::int8[]) AS n(id, now_int)
),
--@include policy_limits
, chunk AS (
    SELECT r.relnamespace, r.relname, ds.range_start, ds.range_end, h.integer_time,
           (ch.status & 1) = 1                                      AS is_compressed,
           -- frozen (freeze_chunk: no writes, no changes; tiering does this): 4; compressed
           -- and written into since: 8
           (ch.status & 4) = 4                                      AS is_frozen,
           (ch.status & 8) = 8                                      AS is_partial,
           -- creation_time exists from 2.13
           (to_jsonb(ch) ->> 'creation_time')::timestamptz          AS created,
           l.compress_upto, l.compress_created, l.drop_upto, l.drop_created,
           cb.bytes                                                 AS total_bytes,
           s.uncompressed_heap_size + s.uncompressed_index_size
               + s.uncompressed_toast_size                          AS before_bytes,
           s.compressed_heap_size + s.compressed_index_size
               + s.compressed_toast_size                            AS after_bytes
      FROM _timescaledb_catalog.chunk ch
      JOIN hyper h ON h.id = ch.hypertable_id
      JOIN hyper_limits l ON l.id = ch.hypertable_id
--@include chunk_table
--@include chunk_compressed
--@include chunk_bytes
--@include chunk_slice
      LEFT JOIN _timescaledb_catalog.compression_chunk_size s ON s.chunk_id = ch.id
     WHERE NOT ch.osm_chunk AND ds.dimension_id = h.dim_id
)
SELECT (SELECT n.nspname::text FROM pg_catalog.pg_namespace n WHERE n.oid = r.relnamespace) AS schema,
       r.relname::text                                              AS name,
       r.is_compressed, r.is_frozen, r.is_partial, r.created, r.total_bytes::bigint AS total_bytes,
       r.before_bytes::bigint AS before_bytes, r.after_bytes::bigint AS after_bytes,
       coalesce(NOT r.is_compressed AND (r.range_end <= r.compress_upto
                                         OR r.created <= r.compress_created), false) AS in_backlog,
       coalesce(r.range_end <= r.drop_upto OR r.created <= r.drop_created, false)    AS overdue,
--@include internal_range
  FROM chunk r
 ORDER BY r.range_start DESC
