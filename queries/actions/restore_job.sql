-- Undo a change to job $1: only the settings the change made go back, so a later change to
-- another setting survives. $2 schedule, $3 scheduled (NULL: untouched); $4 the changed config
-- keys' previous values (jsonb), $5 the changed keys that did not exist before (text[]; NULL:
-- config untouched).
SELECT a.job_id
  FROM timescaledb_information.jobs j,
       {ts}.alter_job(j.job_id, schedule_interval => $2::text::interval, scheduled => $3::text::bool,
                      config => CASE WHEN $4::text IS NULL THEN NULL
                                     ELSE (j.config || $4::text::jsonb) - $5::text::text[] END) a
 WHERE j.job_id = $1::text::int
