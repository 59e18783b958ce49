-- Where pg_stat_statements stands in this database, before the Statements tab reads it: the
-- schema its view was created in (NULL: not created here), whether the server has it to
-- create, whether its library is loaded (only a loaded library collects; NULL when this role
-- may not read the setting), whether it has pg_stat_statements_info (the reset time, 1.9+)
-- and whether this role sees every role's statements (superuser or pg_read_all_stats; others
-- see the texts of their own only); the block size, for the blocks read in bytes; the server's clock, for
-- the reset's age.
SELECT n.nspname::text                                                          AS schema,
       EXISTS (SELECT FROM pg_catalog.pg_available_extensions
                WHERE name = 'pg_stat_statements')                             AS available,
       (SELECT s.setting ~ '(^|[ ,])"?pg_stat_statements"?($|[ ,])'
          FROM pg_catalog.pg_settings s
         WHERE s.name = 'shared_preload_libraries')                            AS loaded,
       EXISTS (SELECT FROM pg_catalog.pg_proc p
                WHERE p.pronamespace = e.extnamespace
                  AND p.proname = 'pg_stat_statements_info')                   AS has_info,
       pg_catalog.pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')       AS sees_all,
       pg_catalog.current_setting('block_size')::int8                           AS block_size,
       pg_catalog.now()                                                         AS server_now,
       -- an embedded single-session engine (the demo's) has no backend process of its own
       pg_catalog.pg_backend_pid() = 0                                          AS embedded
  FROM (SELECT 1) one
  LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'pg_stat_statements'
  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
