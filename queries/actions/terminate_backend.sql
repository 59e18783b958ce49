-- End one session ($1 pid) while that pid is still the session the plan showed: the same start
-- ($2, as text) and role ($3, its oid; NULL for a process without one), waiting up to 5 s for
-- it to go. Answers whether it went; NULL when the pid is another session's now, or no one's.
SELECT (SELECT pg_catalog.pg_terminate_backend(a.pid, 5000)
          FROM pg_catalog.pg_stat_get_activity($1::text::int) a
         WHERE a.pid = $1::text::int
           AND a.backend_start = $2::text::timestamptz
           AND a.usesysid IS NOT DISTINCT FROM $3::text::oid)
