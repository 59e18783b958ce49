-- Fragment: the policy jobs with the hypertable each acts on, by id (a cagg's policy: its
-- materialization's), read from the jobs table: the jobs view (policy_jobs_view.sql) joins
-- every job's statistics and names a cagg's policy one way up to 2.19 and another from 2.20
-- (a large part of the Hypertables read, more with the joins by name it made the others make). The
-- table's line is the `jobs_table` fragment: `_timescaledb_config.bgw_job` up to 2.24,
-- `_timescaledb_catalog.bgw_job` from 2.25. `policy_jobs_filter`: none, or the jobs of some
-- hypertables only (tables.sql's rows read again by hypertable).
policy_jobs AS (
    SELECT j.id AS job_id, j.proc_name::text AS proc_name, j.config, j.scheduled,
           extract(epoch FROM j.schedule_interval)::float8 AS schedule_seconds,
           j.hypertable_id
--@include jobs_table
--@include policy_jobs_filter
)
