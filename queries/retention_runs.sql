-- The Retention tab's runs: each retention job's last run, how it ended, and its next start
-- (read at every refresh; the job itself, in tables.sql, only when it changes). $1: the jobs.
WITH
--@include job_stat
SELECT js.job_id,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS last_run,
       js.last_run_status::text                                    AS last_run_status,
       CASE WHEN isfinite(js.next_start) THEN js.next_start END    AS next_start
  FROM job_stat js
  JOIN unnest($1::int4[]) AS r(job_id) ON r.job_id = js.job_id
