-- What a session finds of the store before touching it: the schema's owner (NULL: no store yet),
-- this login, whether it is a superuser, may create a schema in this database, and is one of the
-- store's writers.
SELECT (SELECT pg_catalog.pg_get_userbyid(n.nspowner) FROM pg_catalog.pg_namespace n
         WHERE n.nspname = 'hypertop') AS owner,
       session_user::text AS login,
       (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = session_user) AS superuser,
       pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE') AS may_create,
       CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'hypertop_store_writer')
            THEN pg_catalog.pg_has_role(session_user, 'hypertop_store_writer', 'USAGE')
            ELSE false END AS writer
