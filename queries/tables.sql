-- Hypertables, Compression and Retention tabs: one row per hypertable and per continuous
-- aggregate (its materialization) with what is read per relation — its policies, their
-- thresholds in TimescaleDB's internal time (µs since the epoch for time types, raw integers
-- otherwise). Its chunks are counted, sized and judged against those
-- thresholds on the client, from the chunk structure (table_chunks.sql, read again only when
-- the catalog's relations change) and the pages and statuses read on every refresh
-- (relation_pages.sql, chunk_status.sql, compressed_sizes.sql): attributing 20,000 chunks to
-- their hypertables on the server cost 6x the catalog reads themselves, on every refresh.
WITH
--@include policy_jobs
,
--@include job_stat
,
hyper AS MATERIALIZED (
    SELECT h.id,
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
      -- the primary dimension (the first created), for every hypertable at once (a lookup each
      -- cost 28 ms over 5,250 hypertables)
      LEFT JOIN (SELECT DISTINCT ON (dd.hypertable_id) dd.*
                   FROM _timescaledb_catalog.dimension dd
                  ORDER BY dd.hypertable_id, dd.id) d ON d.hypertable_id = h.id
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
),
integer_now_given AS (
    -- "now" of integer-time hypertables as model::integer_now read it (ids, values in step)
    SELECT * FROM unnest($1::int4[], $2::int8[]) AS n(id, now_int)
),
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
), policy_names AS (
    -- each relation's policy procedures, in job order (one grouped pass, not a lookup each)
    SELECT p.hypertable_id, array_agg(p.proc_name ORDER BY p.job_id) AS policies
      FROM policy_jobs p
     GROUP BY 1
)
SELECT h.id, h.schema, h.name, h.is_cagg, h.compression_enabled, h.integer_time,
       h.time_column, h.time_type,
       CASE WHEN NOT h.integer_time THEN h.interval_length / 1000000.0 END::float8 AS interval_seconds,
       CASE WHEN h.integer_time THEN h.interval_length END         AS interval_integer,
       coalesce(pa.policies, '{}')                                 AS policies,
       pc.job_id                                                   AS compress_job_id,
       pc.scheduled                                                AS compress_scheduled,
       pc.after_text                                               AS compress_after,
       pc.after_seconds                                            AS compress_after_seconds,
       l.compress_upto, l.compress_created,
       pr.job_id                                                   AS drop_job_id,
       pr.scheduled                                                AS drop_scheduled,
       pr.schedule_seconds                                         AS drop_schedule_seconds,
       pr.after_text                                               AS drop_after,
       pr.after_seconds                                            AS drop_after_seconds,
       l.drop_upto, l.drop_created,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS drop_last_run,
       js.last_run_status::text                                    AS drop_last_run_status,
       CASE WHEN isfinite(js.next_start) AND pr.scheduled THEN js.next_start END AS drop_next_start
  FROM hyper h
  JOIN hyper_limits l ON l.id = h.id
  LEFT JOIN policy_names pa ON pa.hypertable_id = h.id
  LEFT JOIN policy_shown pc ON pc.hypertable_id = h.id AND pc.proc_name = 'policy_compression'
  LEFT JOIN policy_shown pr ON pr.hypertable_id = h.id AND pr.proc_name = 'policy_retention'
  LEFT JOIN job_stat js ON js.job_id = pr.job_id
 ORDER BY 2, 3
