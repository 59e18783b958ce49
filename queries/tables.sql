-- Hypertables, Compression and Retention tabs, in one catalog pass: one row per hypertable and
-- per continuous aggregate (its materialization), with its chunks counted, sized and judged
-- against its compression and retention policies. Reads TimescaleDB's catalog directly (the
-- information views convert every chunk's range and join by name several times over); sizes
-- from pg_class.relpages (as fresh as the last VACUUM/ANALYZE) plus the compression snapshot.
-- Internal time values are µs since the epoch for time types and raw integers otherwise.
WITH
--@include policy_jobs
,
hyper AS MATERIALIZED (
    SELECT h.id, h.schema_name::text AS ht_schema, h.table_name::text AS ht_name,
           coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name,
           ca.mat_hypertable_id IS NOT NULL AS is_cagg,
           -- compression_state 1 up to 2.28; status bit 4 from 2.29 (status exists from 2.12)
           h.compression_state = 1 OR coalesce((to_jsonb(h) ->> 'status')::int & 4 = 4, false)
                                                                   AS compression_enabled,
           d.id AS dim_id, d.column_name::text AS time_column, d.column_type::text AS time_type,
           d.column_type IN ('smallint'::regtype, 'integer'::regtype, 'bigint'::regtype) AS integer_time,
           d.interval_length,
           d.integer_now_func_schema, d.integer_now_func
      FROM _timescaledb_catalog.hypertable h
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
      LEFT JOIN LATERAL (SELECT dd.* FROM _timescaledb_catalog.dimension dd
                          WHERE dd.hypertable_id = h.id ORDER BY dd.id LIMIT 1) d ON true
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
),
--@include integer_now_trust
,
--@include policy_limits
, policy_shown AS (
    -- the policy's threshold as written (`7 days`, an integer, `created before …`) and in seconds
    SELECT p.hypertable_id, p.proc_name, p.job_id, p.scheduled, p.schedule_seconds,
           coalesce(p.after #>> '{}', 'created before ' || p.created_before) AS after_text,
           CASE WHEN jsonb_typeof(p.after) = 'string'
                THEN extract(epoch FROM (p.after #>> '{}')::interval)::float8
                WHEN p.created_before IS NOT NULL
                THEN extract(epoch FROM p.created_before::interval)::float8 END AS after_seconds
      FROM policy p
), chunk_base AS MATERIALIZED (
    -- every chunk with its table and its slices, from the catalog tables alone: their
    -- statistics keep the planner's estimates true (joined with a CTE here, 50,000 chunks were
    -- estimated at 8 rows and looked up one by one; before that, at 70 million rows: JIT)
    SELECT ch.id, ch.hypertable_id, (ch.status & 1) = 1 AS compressed,
           r.oid, r.relpages, r.reltoastrelid, sl.dimension_id, sl.range_start, sl.range_end
      FROM _timescaledb_catalog.chunk ch
--@include chunk_table
      JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = ch.id
      JOIN _timescaledb_catalog.dimension_slice sl ON sl.id = cc.dimension_slice_id
     WHERE NOT ch.osm_chunk
), chunk AS MATERIALIZED (
    -- each chunk's range in its hypertable's primary dimension, with the thresholds to judge it
    SELECT c.id, c.hypertable_id, c.compressed, c.oid, c.relpages, c.reltoastrelid,
           c.range_start, c.range_end,
           l.compress_upto, l.compress_created, l.drop_upto, l.drop_created,
           -- creation_time exists from 2.13, like the created-before policies that need it:
           -- looked up for their chunks only (carrying every chunk's whole catalog row cost
           -- 0.1 s at 50,000 chunks)
           CASE WHEN l.compress_created IS NOT NULL OR l.drop_created IS NOT NULL
                THEN (SELECT to_jsonb(x) ->> 'creation_time' FROM _timescaledb_catalog.chunk x
                       WHERE x.id = c.id)::timestamptz END AS created
      FROM chunk_base c
      JOIN hyper_limits l ON l.id = c.hypertable_id AND l.dim_id = c.dimension_id
), index_pages AS MATERIALIZED (
    SELECT i.indrelid, sum(c.relpages)::bigint AS pages
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
     GROUP BY i.indrelid
), compressed_size AS MATERIALIZED (
    SELECT s.chunk_id, s.compressed_heap_size, s.compressed_index_size, s.compressed_toast_size,
           s.uncompressed_heap_size + s.uncompressed_index_size + s.uncompressed_toast_size AS before_bytes,
           s.compressed_heap_size + s.compressed_index_size + s.compressed_toast_size AS after_bytes
      FROM _timescaledb_catalog.compression_chunk_size s
), sized AS (
    SELECT c.hypertable_id, c.compressed, c.range_start, c.range_end,
           c.relpages::bigint * bs.b + coalesce(s.compressed_heap_size, 0)              AS heap_bytes,
           coalesce(ip.pages, 0) * bs.b + coalesce(s.compressed_index_size, 0)          AS index_bytes,
           -- most chunks have no TOAST table: look one up only when there is one
           coalesce(CASE WHEN c.reltoastrelid <> 0
                         THEN (SELECT t.relpages FROM pg_catalog.pg_class t
                                WHERE t.oid = c.reltoastrelid) END, 0)::bigint * bs.b
               + coalesce(s.compressed_toast_size, 0)                                    AS toast_bytes,
           s.before_bytes, s.after_bytes,
           NOT c.compressed AND (c.range_end <= c.compress_upto
                                 OR c.created <= c.compress_created)                    AS in_backlog,
           (c.range_end <= c.drop_upto OR c.created <= c.drop_created)                 AS overdue
      FROM chunk c
      CROSS JOIN (SELECT current_setting('block_size')::bigint AS b) bs
      LEFT JOIN index_pages ip ON ip.indrelid = c.oid
      LEFT JOIN compressed_size s ON s.chunk_id = c.id
), per_hypertable AS (
    SELECT s.hypertable_id,
           count(*)                                                 AS chunks,
           count(*) FILTER (WHERE s.compressed)                     AS compressed_chunks,
           sum(s.heap_bytes)::bigint                                AS heap_bytes,
           sum(s.index_bytes)::bigint                               AS index_bytes,
           sum(s.toast_bytes)::bigint                               AS toast_bytes,
           min(s.range_start)                                       AS range_start,
           max(s.range_end)                                         AS range_end,
           coalesce(sum(s.before_bytes), 0)::bigint                 AS before_bytes,
           coalesce(sum(s.after_bytes), 0)::bigint                  AS after_bytes,
           count(*) FILTER (WHERE s.in_backlog)                     AS backlog_chunks,
           coalesce(sum(s.heap_bytes + s.index_bytes + s.toast_bytes)
                    FILTER (WHERE s.in_backlog), 0)::bigint         AS backlog_bytes,
           count(*) FILTER (WHERE s.overdue)                        AS overdue_chunks,
           coalesce(sum(s.heap_bytes + s.index_bytes + s.toast_bytes)
                    FILTER (WHERE s.overdue), 0)::bigint            AS overdue_bytes
      FROM sized s
     GROUP BY s.hypertable_id
), policy_names AS (
    -- each relation's policy procedures, in job order (one grouped pass, not a lookup each)
    SELECT p.hypertable_schema, p.hypertable_name,
           array_agg(p.proc_name ORDER BY p.job_id)                 AS policies
      FROM policy_jobs p
     GROUP BY 1, 2
), settings AS (
    SELECT s.hypertable_schema::text AS ht_schema, s.hypertable_name::text AS ht_name,
           string_agg(quote_ident(s.attname), ', ' ORDER BY s.segmentby_column_index)
               FILTER (WHERE s.segmentby_column_index IS NOT NULL) AS segmentby,
           string_agg(quote_ident(s.attname)
                      || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                      || CASE WHEN s.orderby_nullsfirst = s.orderby_asc THEN ' NULLS FIRST' ELSE '' END,
                      ', ' ORDER BY s.orderby_column_index)
               FILTER (WHERE s.orderby_column_index IS NOT NULL) AS orderby
      FROM timescaledb_information.compression_settings s
     GROUP BY 1, 2
), bound AS (
    SELECT r.id,
--@include internal_range
      FROM (SELECT h.id, h.integer_time, a.range_start, a.range_end
              FROM hyper h
              JOIN per_hypertable a ON a.hypertable_id = h.id) r
)
SELECT h.schema, h.name, h.is_cagg, h.compression_enabled,
       h.time_column, h.time_type,
       CASE WHEN NOT h.integer_time THEN h.interval_length / 1000000.0 END::float8 AS interval_seconds,
       CASE WHEN h.integer_time THEN h.interval_length END         AS interval_integer,
       coalesce(a.chunks, 0)                                       AS chunks,
       coalesce(a.compressed_chunks, 0)                            AS compressed_chunks,
       coalesce(a.heap_bytes, 0)                                   AS heap_bytes,
       coalesce(a.index_bytes, 0)                                  AS index_bytes,
       coalesce(a.toast_bytes, 0)                                  AS toast_bytes,
       b.range_start, b.range_end, b.range_start_integer, b.range_end_integer,
       coalesce(a.before_bytes, 0)                                 AS before_bytes,
       coalesce(a.after_bytes, 0)                                  AS after_bytes,
       coalesce(pa.policies, '{}')                                 AS policies,
       st.segmentby, st.orderby,
       pc.job_id                                                   AS compress_job_id,
       pc.scheduled                                                AS compress_scheduled,
       pc.after_text                                               AS compress_after,
       pc.after_seconds                                            AS compress_after_seconds,
       coalesce(a.backlog_chunks, 0)                               AS backlog_chunks,
       coalesce(a.backlog_bytes, 0)                                AS backlog_bytes,
       pr.job_id                                                   AS drop_job_id,
       pr.scheduled                                                AS drop_scheduled,
       pr.schedule_seconds                                         AS drop_schedule_seconds,
       pr.after_text                                               AS drop_after,
       pr.after_seconds                                            AS drop_after_seconds,
       coalesce(a.overdue_chunks, 0)                               AS overdue_chunks,
       coalesce(a.overdue_bytes, 0)                                AS overdue_bytes,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS drop_last_run,
       js.last_run_status::text                                    AS drop_last_run_status,
       CASE WHEN isfinite(js.next_start) THEN js.next_start END    AS drop_next_start
  FROM hyper h
  LEFT JOIN per_hypertable a ON a.hypertable_id = h.id
  LEFT JOIN bound b ON b.id = h.id
  LEFT JOIN policy_names pa ON (pa.hypertable_schema, pa.hypertable_name) = (h.ht_schema, h.ht_name)
  LEFT JOIN settings st ON (st.ht_schema, st.ht_name) = (h.ht_schema, h.ht_name)
  LEFT JOIN policy_shown pc ON pc.hypertable_id = h.id AND pc.proc_name = 'policy_compression'
  LEFT JOIN policy_shown pr ON pr.hypertable_id = h.id AND pr.proc_name = 'policy_retention'
  LEFT JOIN timescaledb_information.job_stats js ON js.job_id = pr.job_id
 ORDER BY 1, 2
