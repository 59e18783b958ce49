-- The policy jobs of procedure $3 on relation $1.$2 (hypertable or cagg), with their settings:
-- one, or a continuous aggregate's several refresh policies (windows side by side).
WITH
--@include policy_jobs_view
--@include job_settings
  FROM policy_jobs p
  JOIN timescaledb_information.jobs j ON j.job_id = p.job_id
 WHERE (p.relation_schema, p.relation_name) = ($1, $2) AND p.proc_name = $3
 ORDER BY j.job_id
