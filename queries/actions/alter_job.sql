-- Change a job's schedule or whether it runs; NULL leaves a setting as it is (config changes:
-- alter_job_config.sql).
SELECT job_id FROM {ts}.alter_job($1::text::int, schedule_interval => $2::text::interval, scheduled => $3::text::bool)
