-- Activity & locks tab: every session of the cluster but this one, who blocks whom, and what a
-- waiting session waits to lock. Other sessions' query texts and states are shown where this
-- role may read them (superuser, pg_monitor or pg_read_all_stats); otherwise PostgreSQL says
-- "<insufficient privilege>". pg_blocking_pids is called only for sessions waiting on a lock
-- (it takes the lock manager's partition locks), so a quiet server costs nothing for it; the
-- lock table likewise.
WITH s AS (
    SELECT a.pid, a.datname::text AS database, a.usename::text AS username,
           a.application_name::text AS application, pg_catalog.host(a.client_addr) AS client,
           coalesce(a.backend_type, '')::text AS backend_type,
           a.state::text AS state, a.wait_event_type::text AS wait_event_type,
           a.wait_event::text AS wait_event,
           a.backend_start, a.xact_start, a.query_start, a.state_change,
           a.query::text AS query,
           CASE WHEN a.wait_event_type = 'Lock'
                THEN pg_catalog.pg_blocking_pids(a.pid) END        AS blocked_by
      FROM pg_catalog.pg_stat_activity a
     WHERE a.pid <> pg_catalog.pg_backend_pid()
), waiting AS (
    -- the relations a session waits to lock in this database, with their parent (a chunk's
    -- hypertable, a partition's table), so "who blocks scn.metrics" finds a blocked chunk
    SELECT l.pid,
           array_agg(DISTINCT x.name ORDER BY x.name)                AS relations
      FROM pg_catalog.pg_locks l
      JOIN pg_catalog.pg_class c ON c.oid = l.relation
      CROSS JOIN LATERAL (
            SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS name
              FROM pg_catalog.pg_namespace n WHERE n.oid = c.relnamespace
            UNION ALL
            SELECT pg_catalog.format('%I.%I', pn.nspname, p.relname)
              FROM pg_catalog.pg_inherits i
              JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
              JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
             WHERE i.inhrelid = c.oid) x
     WHERE NOT l.granted
       -- the lock table read only while a session waits on a lock: pg_locks copies every lock of
       -- the cluster first (a one-time filter, evaluated before the scan, spares it otherwise)
       AND (SELECT bool_or(w.wait_event_type = 'Lock') FROM s w)
       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                          WHERE d.datname = pg_catalog.current_database())
     GROUP BY l.pid
)
SELECT s.pid, s.database, s.username, s.application, s.client, s.backend_type,
       s.state, s.wait_event_type, s.wait_event,
       s.backend_start, s.xact_start, s.query_start, s.state_change, s.query,
       coalesce(s.blocked_by, '{}')                                 AS blocked_by,
       coalesce(w.relations, '{}')                                  AS waiting_for,
       -- a TimescaleDB job's worker: its backend type ends in "[job id]"
       substring(s.backend_type from '\[([0-9]+)\]$')::int          AS job_id,
       now()                                                        AS server_now
  FROM s
  LEFT JOIN waiting w ON w.pid = s.pid
 ORDER BY s.pid
