-- Change a job; NULL leaves a setting as it is.
SELECT job_id FROM {ts}.alter_job($1::text::int, schedule_interval => $2::text::interval, scheduled => $3::text::bool,
                                  config => $4::text::jsonb)
