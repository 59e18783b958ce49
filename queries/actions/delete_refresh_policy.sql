-- Policies as code: remove one of a continuous aggregate's several refresh policies ($1 its job
-- id; $2 the cagg's schema, $3 its name): only while it is still a refresh policy of that cagg
-- (remove_continuous_aggregate_policy would remove every one of them). True when it was: a job
-- gone or moved since the preview fails the step (the apply is one transaction: nothing stays).
WITH
--@include policy_jobs_view
, removed AS (
    SELECT {ts}.delete_job(p.job_id)
      FROM policy_jobs p
     WHERE p.job_id = $1::text::int AND (p.relation_schema, p.relation_name) = ($2, $3)
       AND p.proc_name = 'policy_refresh_continuous_aggregate'
)
SELECT count(*) = 1 FROM removed
