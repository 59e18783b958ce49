-- Cancel the running statement of one session ($1 pid). Answers whether the signal was sent.
SELECT pg_catalog.pg_cancel_backend($1::text::int)
