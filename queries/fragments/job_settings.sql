-- A job's settings as timescaledb_information.jobs j says them, with its next start (the
-- columns every action that captures a job reads, to undo a change exactly).
SELECT j.job_id, j.proc_name::text AS proc_name, j.proc_schema::text AS proc_schema,
       j.owner::text AS owner, j.scheduled,
       j.schedule_interval::text AS schedule_interval, j.max_runtime::text AS max_runtime,
       j.max_retries, j.retry_period::text AS retry_period, j.config::text AS config,
       j.hypertable_schema::text AS hypertable_schema, j.hypertable_name::text AS hypertable_name,
       (SELECT CASE WHEN j.scheduled AND pg_catalog.isfinite(s.next_start) THEN s.next_start::text END
          FROM timescaledb_information.job_stats s WHERE s.job_id = j.job_id) AS next_start,
       j.fixed_schedule, j.initial_start::text AS initial_start,
       -- the owner as its role's name (bgw_job.owner is a name before 2.10.2, a regrole after,
       -- whose text is quoted where it must be) and the time zone of its fixed schedule
       (SELECT r.rolname::text FROM {jobs_table} b, pg_catalog.pg_roles r
         WHERE b.id = j.job_id AND (r.rolname::text = b.owner::text OR r.oid::regrole::text = b.owner::text)
         LIMIT 1) AS owner_role,
       (SELECT b.timezone FROM {jobs_table} b WHERE b.id = j.job_id) AS timezone
