-- A session to cancel or terminate ($1 pid): who and what it is, as pg_stat_activity shows it to
-- this role, whether it is this very session, and what tells it from a later session given the
-- same pid (its start, to the microsecond as text, and its role's oid).
SELECT a.pid, coalesce(a.backend_type, '')::text AS backend_type,
       a.usename::text AS username, a.application_name::text AS application,
       a.datname::text AS database, a.state::text AS state, a.query::text AS query,
       CASE WHEN a.state_change IS NOT NULL
            THEN extract(epoch FROM now() - a.state_change)::float8 END AS state_seconds,
       a.pid = pg_catalog.pg_backend_pid() AS is_self,
       a.backend_start::text AS backend_start, a.usesysid::int8 AS role_oid
  FROM pg_catalog.pg_stat_activity a
 WHERE a.pid = $1::text::int
