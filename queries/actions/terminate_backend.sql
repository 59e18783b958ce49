-- End one session ($1 pid), waiting up to 5 s for it to go. Answers whether it went.
SELECT pg_catalog.pg_terminate_backend($1::text::int, 5000)
