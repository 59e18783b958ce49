-- Undo of refresh policies added by policies as code: remove the refresh policies of the cagg
-- ($1 schema, $2 name) but those the apply kept ($3, their job ids as an int array's text) —
-- the added ones have ids no plan could know.
WITH
--@include policy_jobs_view
SELECT {ts}.delete_job(p.job_id)
  FROM policy_jobs p
 WHERE (p.relation_schema, p.relation_name) = ($1, $2)
   AND p.proc_name = 'policy_refresh_continuous_aggregate'
   AND p.job_id <> ALL ($3::text::int[])
