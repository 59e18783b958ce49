-- Whether a one-shot read may open a second session (snapshot::helper), asked of the first:
-- the server and database it is on, which the second must reach too (a name that resolves to
-- several servers, a pool), and the connection slots left for everyone else — what
-- max_connections leaves after the reserved slots and every client connected now, and what
-- the login role's and the database's CONNECTION LIMIT leave (NULL: no limit, or a superuser,
-- whom PostgreSQL exempts from both).
-- Another role's sessions show a NULL backend_type to a role without pg_read_all_stats: they
-- count as clients (so do a few background processes then: too many, never too few).
WITH clients AS (
    SELECT a.usesysid, a.datid FROM pg_catalog.pg_stat_activity a
     WHERE a.backend_type IS NULL OR a.backend_type = 'client backend'
), limited AS (
    -- what a role's or a database's CONNECTION LIMIT counts besides clients
    SELECT a.usesysid, a.datid FROM pg_catalog.pg_stat_activity a
     WHERE a.backend_type IS NULL
        OR a.backend_type IN ('client backend', 'walsender', 'autovacuum worker')
), login AS (
    SELECT r.oid, r.rolconnlimit, r.rolsuper FROM pg_catalog.pg_roles r
     WHERE r.rolname = session_user
)
SELECT pg_catalog.pg_postmaster_start_time()                                  AS started,
       pg_catalog.current_database()::text                                   AS database,
       pg_catalog.current_setting('max_connections')::int4                   AS max_connections,
       pg_catalog.current_setting('max_connections')::int4
         - pg_catalog.current_setting('superuser_reserved_connections')::int4
         -- PostgreSQL 16+
         - coalesce(pg_catalog.current_setting('reserved_connections', true), '0')::int4
         - (SELECT pg_catalog.count(*)::int4 FROM clients)                   AS free_slots,
       (SELECT l.rolconnlimit
                 - (SELECT pg_catalog.count(*)::int4 FROM limited c WHERE c.usesysid = l.oid)
          FROM login l WHERE l.rolconnlimit >= 0 AND NOT l.rolsuper)         AS role_slots,
       (SELECT d.datconnlimit
                 - (SELECT pg_catalog.count(*)::int4 FROM limited c WHERE c.datid = d.oid)
          FROM pg_catalog.pg_database d, login l
         WHERE d.datname = pg_catalog.current_database()
           AND d.datconnlimit >= 0 AND NOT l.rolsuper)                        AS database_slots
