-- Every TimescaleDB job as actions change it (schedule, state, config) with the relation it acts
-- on by oid (a cagg's policy: the cagg's view), for a rollback to compare with what an entry
-- found and left. Relations are found by name in the catalog (no regclass cast, which a role
-- without USAGE on their schema cannot make).
WITH
--@include policy_jobs_view
SELECT j.job_id, j.proc_name::text AS proc_name, j.schedule_interval::text AS schedule,
       j.scheduled, j.config::text AS config, c.oid::bigint AS relation
  FROM timescaledb_information.jobs j
  LEFT JOIN policy_jobs p ON p.job_id = j.job_id
  LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = p.relation_schema
  LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.relation_name
