-- A session to cancel or terminate ($1 pid): who and what it is, as pg_stat_activity shows it to
-- this role, and whether it is this very session.
SELECT a.pid, coalesce(a.backend_type, '')::text AS backend_type,
       a.usename::text AS username, a.application_name::text AS application,
       a.datname::text AS database, a.state::text AS state, a.query::text AS query,
       CASE WHEN a.state_change IS NOT NULL
            THEN extract(epoch FROM now() - a.state_change)::float8 END AS state_seconds,
       a.pid = pg_catalog.pg_backend_pid() AS is_self
  FROM pg_catalog.pg_stat_activity a
 WHERE a.pid = $1::text::int
