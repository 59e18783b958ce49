-- Run a job now, in this session.
CALL run_job($1::text::int)
