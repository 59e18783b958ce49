-- Whether a one-shot read may open a second session (snapshot::helper), asked of the first:
-- the server and database it is on, which the second must reach too (a name that resolves to
-- several servers, a pool), and the connection slots left for everyone else — what
-- max_connections leaves after the reserved slots and every client connected now.
SELECT pg_catalog.pg_postmaster_start_time()                                  AS started,
       pg_catalog.current_database()::text                                   AS database,
       pg_catalog.current_setting('max_connections')::int4                   AS max_connections,
       pg_catalog.current_setting('max_connections')::int4
         - pg_catalog.current_setting('superuser_reserved_connections')::int4
         -- PostgreSQL 16+
         - coalesce(pg_catalog.current_setting('reserved_connections', true), '0')::int4
         - (SELECT pg_catalog.count(*)::int4 FROM pg_catalog.pg_stat_activity a
             WHERE a.backend_type = 'client backend')                        AS free_slots
