-- Fragment: whether each integer_now function may be called. Only a function that a
-- superuser or the connected role owns, and that is not volatile, is: a less trusted role's
-- function must never run with the viewer's rights (that hypertable's "now" stays NULL).
integer_now_trust AS (
    SELECT n.nspname AS func_schema, p.proname AS func_name,
           bool_or(p.provolatile <> 'v' AND (r.rolsuper OR r.rolname = current_user)) AS trusted
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
     WHERE p.pronargs = 0
       AND (n.nspname, p.proname) IN (SELECT d.integer_now_func_schema, d.integer_now_func
                                        FROM _timescaledb_catalog.dimension d)
     GROUP BY 1, 2
)