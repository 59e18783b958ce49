-- Fragment: policy jobs keyed by the relation they act on as the user knows it (a cagg's
-- policy by the cagg view) and by the hypertable they act on, its id included, read from the
-- jobs table: the jobs view (policy_jobs_view.sql) joins every job's statistics and names a
-- cagg's policy one way up to 2.19 and another from 2.20 (10 ms of the Hypertables read at
-- 5,000 hypertables, 20 with the joins by name it made the others make). The table's line is
-- the `jobs_table` fragment: `_timescaledb_config.bgw_job` up to 2.24, `_timescaledb_catalog`'s
-- from 2.25.
policy_jobs AS (
    SELECT j.id AS job_id, j.proc_name::text AS proc_name, j.config, j.scheduled,
           extract(epoch FROM j.schedule_interval)::float8 AS schedule_seconds,
           j.hypertable_id,
           coalesce(ca.user_view_schema, h.schema_name)::text AS relation_schema,
           coalesce(ca.user_view_name, h.table_name)::text AS relation_name,
           h.schema_name::text AS hypertable_schema, h.table_name::text AS hypertable_name,
           (ca.user_view_name IS NOT NULL) AS is_cagg
--@include jobs_table
      LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = j.hypertable_id
)
