-- The integer_now functions monitoring may call, one row per integer-time hypertable that has
-- one (see fragments/integer_now_trust.sql), with the call as the server quotes it
-- (format %I.%I()) and the search_path TimescaleDB's own policy jobs call it with: the
-- hypertable owner's (who adds its policies), from that role's settings in this database, for
-- it anywhere, this database's, else the built-in default (a server-wide one in
-- postgresql.conf is not readable by every role). A function that names its table unqualified
-- finds it as the job does. Called only where that owner is a superuser or this role: never
-- with more rights than the job. model::integer_now calls each in a statement of its own, so
-- that no XML support and no dynamic SQL on the server is needed.
WITH
--@include integer_now_trust
, setting AS (
    SELECT s.setdatabase, s.setrole, pg_catalog.substr(x, 13) AS search_path
      FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) x
     WHERE x LIKE 'search\_path=%'
       AND s.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database
                                  WHERE datname = pg_catalog.current_database()))
)
SELECT d.hypertable_id, format('%I.%I()', d.integer_now_func_schema, d.integer_now_func) AS call,
       coalesce((SELECT st.search_path FROM setting st
                  WHERE st.setrole IN (o.oid, 0)
                  ORDER BY st.setrole = 0, st.setdatabase = 0 LIMIT 1),
                (SELECT boot_val FROM pg_catalog.pg_settings WHERE name = 'search_path'))
                                                                        AS search_path
  FROM _timescaledb_catalog.dimension d
  JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
  JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = h.table_name
  JOIN pg_catalog.pg_roles o ON o.oid = c.relowner
  JOIN integer_now_trust t
    ON (t.func_schema, t.func_name) = (d.integer_now_func_schema, d.integer_now_func)
 WHERE d.integer_now_func IS NOT NULL AND t.trusted
   AND (o.rolsuper OR o.rolname = current_user)
