-- Hypertables, Compression and Retention tabs: one row per hypertable and per continuous
-- aggregate (its materialization) with what its catalog rows and policies say — its primary
-- dimension, its policies, and how each policy's threshold is found (an interval back from
-- now, an integer back from its integer "now", or a creation time). Only DDL and policy changes
-- move these: the rows are kept between refreshes and read again when definitions_version.sql
-- moves. What moves with time — each threshold as of now (policy_times.sql) and the retention
-- jobs' last and next runs (retention_runs.sql) — is read at every refresh, and the chunks
-- are counted, sized and judged on the client from the chunk structure (table_chunks.sql) and
-- the pages and statuses read at every refresh. Read whole at every refresh, this statement
-- was a large part of a warm refresh. Where the watch can tell which hypertables' rows moved
-- only theirs are read again: the same statement with those ids as $1 (tables_of in queries.rs),
-- each row with its place in the whole read's order (fragments/tables_places.sql).
WITH
--@include policy_jobs
,
hyper AS MATERIALIZED (
    SELECT h.id,
           coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name,
           ca.mat_hypertable_id IS NOT NULL AS is_cagg,
           -- a continuous aggregate's materialization, which holds its chunks
           CASE WHEN ca.mat_hypertable_id IS NOT NULL THEN h.schema_name::text END AS materialization_schema,
           CASE WHEN ca.mat_hypertable_id IS NOT NULL THEN h.table_name::text END AS materialization_name,
           -- compression_state 1 up to 2.28; status bit 4 from 2.29
--@include compression_enabled
                                                                   AS compression_enabled,
           d.column_name::text AS time_column, d.column_type::text AS time_type,
           d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[]) AS integer_time,
           d.interval_length,
           -- the status bits as TimescaleDB names them (2.29+; NULL before)
--@include hypertable_status
                                                                   AS status
      FROM _timescaledb_catalog.hypertable h
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
      -- the primary dimension (the first created), for every hypertable at once (a lookup each
      -- was slower)
      LEFT JOIN (SELECT DISTINCT ON (dd.hypertable_id) dd.*
                   FROM _timescaledb_catalog.dimension dd
--@include tables_dimension_filter
                  ORDER BY dd.hypertable_id, dd.id) d ON d.hypertable_id = h.id
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
--@include tables_hypertable_filter
), policy AS MATERIALIZED (
    -- the (first) compression and retention policy of each relation, its threshold as written
    -- (`7 days`, an integer, `created before …`) and in seconds
    SELECT DISTINCT ON (p.hypertable_id, p.proc_name)
           p.hypertable_id, p.proc_name, p.job_id, p.scheduled, p.schedule_seconds,
           coalesce(p.config -> 'compress_after', p.config -> 'drop_after') #>> '{}' AS after_text,
           jsonb_typeof(coalesce(p.config -> 'compress_after', p.config -> 'drop_after')) AS after_type,
           coalesce(p.config ->> 'compress_created_before',
                    p.config ->> 'drop_created_before')             AS created_before
      FROM policy_jobs p
     WHERE p.proc_name IN ('policy_compression', 'policy_retention')
     ORDER BY p.hypertable_id, p.proc_name, p.job_id
), policy_shown AS (
    SELECT p.hypertable_id, p.proc_name, p.job_id, p.scheduled, p.schedule_seconds,
           coalesce(p.after_text, 'created before ' || p.created_before) AS after_text,
           CASE WHEN p.after_type = 'string'
                THEN extract(epoch FROM p.after_text::interval)::float8
                WHEN p.created_before IS NOT NULL
                THEN extract(epoch FROM p.created_before::interval)::float8 END AS after_seconds,
           -- the threshold: now less this interval (policy_times.sql), or the hypertable's
           -- integer "now" less this integer
           CASE WHEN p.after_type = 'string' THEN p.after_text END   AS after_interval,
           -- (an integer threshold that is not a bigint: none, as when "now" is unknown)
           CASE WHEN p.after_type = 'number' AND p.after_text ~ '^-?[0-9]{1,18}$'
                THEN p.after_text::int8 END                          AS after_integer,
           p.created_before
      FROM policy p
), policy_names AS (
    -- each relation's policy procedures, in job order (one grouped pass, not a lookup each)
    SELECT p.hypertable_id, array_agg(p.proc_name ORDER BY p.job_id) AS policies
      FROM policy_jobs p
     WHERE p.hypertable_id IS NOT NULL
     GROUP BY 1
)
SELECT h.id, h.schema, h.name, h.is_cagg, h.materialization_schema, h.materialization_name,
       h.compression_enabled, h.integer_time,
       h.time_column, h.time_type, h.status,
       CASE WHEN NOT h.integer_time THEN h.interval_length / 1000000.0 END::float8 AS interval_seconds,
       CASE WHEN h.integer_time THEN h.interval_length END         AS interval_integer,
       coalesce(pa.policies, '{}')                                 AS policies,
       pc.job_id                                                   AS compress_job_id,
       pc.scheduled                                                AS compress_scheduled,
       pc.after_text                                               AS compress_after,
       pc.after_seconds                                            AS compress_after_seconds,
       pc.after_interval                                           AS compress_after_interval,
       pc.after_integer                                            AS compress_after_integer,
       pc.created_before                                           AS compress_created_before,
       pr.job_id                                                   AS drop_job_id,
       pr.scheduled                                                AS drop_scheduled,
       pr.schedule_seconds                                         AS drop_schedule_seconds,
       pr.after_text                                               AS drop_after,
       pr.after_seconds                                            AS drop_after_seconds,
       pr.after_interval                                           AS drop_after_interval,
       pr.after_integer                                            AS drop_after_integer,
       pr.created_before                                           AS drop_created_before
--@include tables_place_columns
  FROM hyper h
  LEFT JOIN policy_names pa ON pa.hypertable_id = h.id
  LEFT JOIN policy_shown pc ON pc.hypertable_id = h.id AND pc.proc_name = 'policy_compression'
  LEFT JOIN policy_shown pr ON pr.hypertable_id = h.id AND pr.proc_name = 'policy_retention'
--@include tables_place_join
 ORDER BY 2, 3
