-- Cancel the running statement of one session ($1 pid) while that pid is still the session the
-- plan showed: the same start ($2, as text) and role ($3, its oid; NULL for a process without
-- one). Answers whether the signal was sent; NULL when the pid is another session's now, or
-- no one's.
SELECT (SELECT pg_catalog.pg_cancel_backend(a.pid)
          FROM pg_catalog.pg_stat_get_activity($1::text::int) a
         WHERE a.pid = $1::text::int
           AND a.backend_start = $2::text::timestamptz
           AND a.usesysid IS NOT DISTINCT FROM $3::text::oid)
