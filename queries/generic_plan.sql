-- A statement's generic plan, sent as one message on a planning session of its own (see
-- model::plan): a read-only transaction, a short wait for locks, the search_path the
-- statement's role gets in this database (ALTER ROLE/DATABASE … SET, else the server's), and
-- that role when the login is a member of it and not the role itself. Filled in by
-- queries::generic_plan: the role's oid (an integer), whether to act as it (true or false),
-- and last the statement, which model::plan proved to be a single one before.
SET TRANSACTION READ ONLY;
SELECT pg_catalog.set_config('lock_timeout', '1000', true) AS lock_timeout;
SELECT pg_catalog.set_config('search_path', coalesce(
         (SELECT pg_catalog.substr(s.setting, 13)
            FROM pg_catalog.pg_db_role_setting d,
                 pg_catalog.unnest(d.setconfig) AS s(setting)
           WHERE d.setrole IN ({userid}, 0)
             AND d.setdatabase IN (0, (SELECT b.oid FROM pg_catalog.pg_database b
                                        WHERE b.datname = pg_catalog.current_database()))
             AND s.setting LIKE 'search\_path=%'
           ORDER BY d.setrole <> 0 DESC, d.setdatabase <> 0 DESC
           LIMIT 1),
         (SELECT g.reset_val FROM pg_catalog.pg_settings g WHERE g.name = 'search_path')),
       true) AS search_path;
SELECT pg_catalog.set_config('role', r.rolname::text, true) AS role_set
  FROM pg_catalog.pg_roles r
 WHERE r.oid = {userid} AND {as_author};
SELECT CURRENT_USER::text AS planned_as;
EXPLAIN (GENERIC_PLAN, VERBOSE, SUMMARY, FORMAT JSON)
{statement}
