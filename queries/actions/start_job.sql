-- Have the scheduler start job $1 at once, in a worker of its own as the job's owner (unlike
-- run_job.sql, which runs it in hypertop's session): its next start set to now. A next start
-- left at -infinity (before 2.26.4, #9360) is set this way too.
SELECT job_id FROM {ts}.alter_job($1::text::int, next_start => pg_catalog.now())
