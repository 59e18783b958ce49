-- Run a job now, in this session.
CALL {ts}.run_job($1::text::int)
