-- Give job $1 back the time zone $2 of its fixed schedule: alter_job of releases that take a
-- time zone clears the one it is not given (2.12 and later), so every other change to a job
-- with one is followed by this.
SELECT job_id FROM {ts}.alter_job($1::text::int, timezone => $2::text)
