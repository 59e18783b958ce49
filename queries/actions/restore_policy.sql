-- After re-adding a removed policy: give the new job the old one's settings ($1 schema, $2
-- relation, $3 policy procedure; then schedule, max runtime, retries, retry period, scheduled,
-- config).
WITH
--@include policy_jobs_view
SELECT a.job_id
  FROM policy_jobs p,
       {ts}.alter_job(p.job_id, schedule_interval => $4::text::interval, max_runtime => $5::text::interval,
                      max_retries => $6::text::int, retry_period => $7::text::interval, scheduled => $8::text::bool,
                      config => $9::text::jsonb) a
 WHERE (p.relation_schema, p.relation_name) = ($1, $2) AND p.proc_name = $3
