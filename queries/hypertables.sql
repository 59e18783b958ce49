-- Hypertables tab: one row per hypertable with chunk counts, estimated sizes, the primary
-- dimension's interval, the time range covered and the attached policies. One catalog pass.
WITH
--@include chunk_sizes
,
--@include policy_jobs
SELECT h.hypertable_schema::text                                   AS schema,
       h.hypertable_name::text                                     AS name,
       h.compression_enabled                                       AS compression_enabled,
       count(cs.chunk_name)                                        AS chunks,
       count(cs.chunk_name) FILTER (WHERE cs.is_compressed)        AS compressed_chunks,
       coalesce(sum(cs.heap_bytes), 0)::bigint                     AS heap_bytes,
       coalesce(sum(cs.index_bytes), 0)::bigint                    AS index_bytes,
       coalesce(sum(cs.toast_bytes), 0)::bigint                    AS toast_bytes,
       d.column_name::text                                         AS time_column,
       d.column_type::text                                         AS time_type,
       extract(epoch FROM d.time_interval)::float8                 AS interval_seconds,
       d.integer_interval                                          AS interval_integer,
       min(cs.range_start)                                         AS range_start,
       max(cs.range_end)                                           AS range_end,
       min(cs.range_start_integer)                                 AS range_start_integer,
       max(cs.range_end_integer)                                   AS range_end_integer,
       ARRAY(SELECT p.proc_name FROM policy_jobs p
              WHERE (p.relation_schema, p.relation_name) = (h.hypertable_schema, h.hypertable_name)
              ORDER BY p.job_id)                                   AS policies
  FROM timescaledb_information.hypertables h
  LEFT JOIN timescaledb_information.dimensions d
         ON (d.hypertable_schema, d.hypertable_name) = (h.hypertable_schema, h.hypertable_name)
        AND d.dimension_number = 1
  LEFT JOIN chunk_sizes cs
         ON (cs.hypertable_schema, cs.hypertable_name) = (h.hypertable_schema, h.hypertable_name)
 GROUP BY h.hypertable_schema, h.hypertable_name, h.compression_enabled, d.column_name,
          d.column_type, d.time_interval, d.integer_interval
 ORDER BY 1, 2
