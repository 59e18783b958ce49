-- After re-adding a removed policy ($1 schema, $2 relation, $3 policy procedure) and restoring
-- its settings: its fixed schedule's time zone $4 given back (alter_job of releases that take
-- a time zone clears the one it is not given, as restore_policy.sql's does).
WITH
--@include policy_jobs_view
SELECT a.job_id
  FROM policy_jobs p, {ts}.alter_job(p.job_id, timezone => $4::text) a
 WHERE (p.relation_schema, p.relation_name) = ($1, $2) AND p.proc_name = $3
