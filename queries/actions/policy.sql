-- The policy job of procedure $3 on relation $1.$2 (hypertable or cagg), with its settings.
WITH
--@include policy_jobs_view
SELECT j.job_id, j.proc_name::text AS proc_name, j.proc_schema::text AS proc_schema,
       j.owner::text AS owner, j.scheduled,
       j.schedule_interval::text AS schedule_interval, j.max_runtime::text AS max_runtime,
       j.max_retries, j.retry_period::text AS retry_period, j.config::text AS config,
       j.hypertable_schema::text AS hypertable_schema, j.hypertable_name::text AS hypertable_name,
       (SELECT CASE WHEN j.scheduled AND pg_catalog.isfinite(s.next_start) THEN s.next_start::text END
          FROM timescaledb_information.job_stats s WHERE s.job_id = j.job_id) AS next_start
  FROM policy_jobs p
  JOIN timescaledb_information.jobs j ON j.job_id = p.job_id
 WHERE (p.relation_schema, p.relation_name) = ($1, $2) AND p.proc_name = $3
 ORDER BY j.job_id
 LIMIT 1
