-- Who holds the locks a plan or an action waited for: sessions of this database holding an
-- exclusive lock on a relation (the usual blocker of catalog reads and DDL), oldest first.
SELECT a.pid, coalesce(a.usename::text, '?') AS usename,
       coalesce(nullif(a.application_name, ''), '?') AS application_name,
       coalesce(a.state, '?') AS state, l.mode,
       l.relation::regclass::text AS relation,
       extract(epoch FROM pg_catalog.now() - coalesce(a.xact_start, a.query_start))::float8 AS held_seconds
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
 WHERE l.granted AND l.locktype = 'relation'
   AND l.mode IN ('AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock', 'ShareLock')
   AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                      WHERE d.datname = pg_catalog.current_database())
   AND l.pid <> pg_catalog.pg_backend_pid()
 ORDER BY a.xact_start NULLS LAST
 LIMIT 3
