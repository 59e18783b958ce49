-- Change a job's config (and its schedule or whether it runs; NULL leaves them as they are).
-- The config is merged here, against the job's config as it is now, not as it was read when the
-- change was planned: $4 the keys it sets (jsonb), $5 the keys it removes (text[]); another
-- session's change to any other key between preview and execution survives.
SELECT job_id
  FROM {ts}.alter_job($1::text::int, schedule_interval => $2::text::interval, scheduled => $3::text::bool,
                      config => ((SELECT j.config FROM timescaledb_information.jobs j
                                   WHERE j.job_id = $1::text::int)
                                 || $4::text::jsonb) - $5::text::text[])
