-- Hypertables tab: one row per hypertable with chunk counts, estimated sizes, the primary
-- dimension's interval, the time range covered and the attached policies. One catalog pass:
-- chunks are summed per hypertable once (MATERIALIZED), then joined to the few hypertables.
WITH
--@include chunk_sizes
,
--@include policy_jobs
, per_hypertable AS MATERIALIZED (
    SELECT cs.hypertable_schema, cs.hypertable_name,
           count(*)                                     AS chunks,
           count(*) FILTER (WHERE cs.is_compressed)     AS compressed_chunks,
           sum(cs.heap_bytes)::bigint                   AS heap_bytes,
           sum(cs.index_bytes)::bigint                  AS index_bytes,
           sum(cs.toast_bytes)::bigint                  AS toast_bytes,
           min(cs.range_start)                          AS range_start,
           max(cs.range_end)                            AS range_end,
           min(cs.range_start_integer)                  AS range_start_integer,
           max(cs.range_end_integer)                    AS range_end_integer
      FROM chunk_sizes cs
     GROUP BY cs.hypertable_schema, cs.hypertable_name
)
SELECT h.hypertable_schema::text                                   AS schema,
       h.hypertable_name::text                                     AS name,
       h.compression_enabled                                       AS compression_enabled,
       coalesce(a.chunks, 0)                                       AS chunks,
       coalesce(a.compressed_chunks, 0)                            AS compressed_chunks,
       coalesce(a.heap_bytes, 0)                                   AS heap_bytes,
       coalesce(a.index_bytes, 0)                                  AS index_bytes,
       coalesce(a.toast_bytes, 0)                                  AS toast_bytes,
       d.column_name::text                                         AS time_column,
       d.column_type::text                                         AS time_type,
       extract(epoch FROM d.time_interval)::float8                 AS interval_seconds,
       d.integer_interval                                          AS interval_integer,
       a.range_start, a.range_end, a.range_start_integer, a.range_end_integer,
       ARRAY(SELECT p.proc_name FROM policy_jobs p
              WHERE (p.relation_schema, p.relation_name) = (h.hypertable_schema, h.hypertable_name)
              ORDER BY p.job_id)                                   AS policies
  FROM timescaledb_information.hypertables h
  LEFT JOIN timescaledb_information.dimensions d
         ON (d.hypertable_schema, d.hypertable_name) = (h.hypertable_schema, h.hypertable_name)
        AND d.dimension_number = 1
  LEFT JOIN per_hypertable a
         ON (a.hypertable_schema, a.hypertable_name) = (h.hypertable_schema::text, h.hypertable_name::text)
 ORDER BY 1, 2
