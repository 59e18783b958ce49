-- Compression tab: per hypertable the settings, the policy's compress_after, chunk counts, the
-- backlog (chunks entirely older than compress_after and still uncompressed) and before/after
-- bytes from TimescaleDB's compression snapshot. One catalog pass.
WITH
--@include chunk_sizes
,
--@include policy_jobs
,
--@include integer_now
, policy AS MATERIALIZED (
    SELECT DISTINCT ON (p.hypertable_schema, p.hypertable_name)
           p.hypertable_schema, p.hypertable_name, p.job_id, p.scheduled,
           p.config -> 'compress_after' AS after,
           p.config ->> 'compress_created_before' AS created_before
      FROM policy_jobs p
     WHERE p.proc_name = 'policy_compression'
     ORDER BY p.hypertable_schema, p.hypertable_name, p.job_id
), settings AS (
    SELECT s.hypertable_schema::text AS hypertable_schema, s.hypertable_name::text AS hypertable_name,
           string_agg(quote_ident(s.attname), ', ' ORDER BY s.segmentby_column_index)
               FILTER (WHERE s.segmentby_column_index IS NOT NULL) AS segmentby,
           string_agg(quote_ident(s.attname)
                      || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                      || CASE WHEN s.orderby_nullsfirst = s.orderby_asc THEN ' NULLS FIRST' ELSE '' END,
                      ', ' ORDER BY s.orderby_column_index)
               FILTER (WHERE s.orderby_column_index IS NOT NULL) AS orderby
      FROM timescaledb_information.compression_settings s
     GROUP BY 1, 2
), per_hypertable AS MATERIALIZED (
    -- Each chunk judged against its hypertable's policy, summed per hypertable in one pass.
    SELECT cs.hypertable_schema, cs.hypertable_name,
           count(*)                                                     AS chunks,
           count(*) FILTER (WHERE cs.is_compressed)                     AS compressed_chunks,
           count(*) FILTER (WHERE j.in_backlog)                         AS backlog_chunks,
           coalesce(sum(cs.heap_bytes + cs.index_bytes + cs.toast_bytes)
                    FILTER (WHERE j.in_backlog), 0)::bigint             AS backlog_bytes,
           coalesce(sum(cs.before_bytes), 0)::bigint                    AS before_bytes,
           coalesce(sum(cs.after_bytes), 0)::bigint                     AS after_bytes
      FROM chunk_sizes cs
      LEFT JOIN policy p USING (hypertable_schema, hypertable_name)
      LEFT JOIN integer_now inow USING (hypertable_schema, hypertable_name)
      CROSS JOIN LATERAL (
        SELECT NOT cs.is_compressed AND (
                   (jsonb_typeof(p.after) = 'string'
                        AND cs.range_end <= now() - (p.after #>> '{}')::interval)
                OR (jsonb_typeof(p.after) = 'number'
                        AND cs.range_end_integer <= inow.now_int - (p.after #>> '{}')::bigint)
                OR (p.created_before IS NOT NULL
                        AND cs.created <= now() - p.created_before::interval)
               ) AS in_backlog) j
     GROUP BY cs.hypertable_schema, cs.hypertable_name
)
SELECT h.hypertable_schema::text                                        AS schema,
       h.hypertable_name::text                                          AS name,
       h.compression_enabled                                            AS enabled,
       st.segmentby, st.orderby,
       p.job_id, p.scheduled,
       coalesce(p.after #>> '{}', 'created before ' || p.created_before) AS compress_after,
       CASE WHEN jsonb_typeof(p.after) = 'string'
            THEN extract(epoch FROM (p.after #>> '{}')::interval)::float8
            WHEN p.created_before IS NOT NULL
            THEN extract(epoch FROM p.created_before::interval)::float8 END AS compress_after_seconds,
       coalesce(a.chunks, 0)                                            AS chunks,
       coalesce(a.compressed_chunks, 0)                                 AS compressed_chunks,
       coalesce(a.backlog_chunks, 0)                                    AS backlog_chunks,
       coalesce(a.backlog_bytes, 0)                                     AS backlog_bytes,
       coalesce(a.before_bytes, 0)                                      AS before_bytes,
       coalesce(a.after_bytes, 0)                                       AS after_bytes
  FROM timescaledb_information.hypertables h
  LEFT JOIN settings st
         ON (st.hypertable_schema, st.hypertable_name) = (h.hypertable_schema, h.hypertable_name)
  LEFT JOIN policy p
         ON (p.hypertable_schema, p.hypertable_name) = (h.hypertable_schema, h.hypertable_name)
  LEFT JOIN per_hypertable a
         ON (a.hypertable_schema, a.hypertable_name) = (h.hypertable_schema::text, h.hypertable_name::text)
 ORDER BY 1, 2
