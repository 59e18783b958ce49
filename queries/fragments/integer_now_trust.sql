-- Fragment: whether each integer_now function may be called. Only a function that a
-- superuser or the connected role owns, that is not volatile, that this role may reach (USAGE
-- on its schema, EXECUTE on it) and that no other function of the same name in its schema can
-- shadow (an overload with defaults makes the call ambiguous) is: a less trusted role's
-- function must never run with the viewer's rights, and no tenant can make the read fail
-- (that hypertable's "now" stays NULL: unknown).
integer_now_trust AS (
    SELECT n.nspname AS func_schema, p.proname AS func_name,
           count(*) = 1
           AND bool_and(p.pronargs = 0 AND p.provolatile <> 'v'
                        AND (r.rolsuper OR r.rolname = current_user)
                        AND has_schema_privilege(n.oid, 'USAGE')
                        AND has_function_privilege(p.oid, 'EXECUTE')) AS trusted
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
     WHERE (n.nspname, p.proname) IN (SELECT d.integer_now_func_schema, d.integer_now_func
                                        FROM _timescaledb_catalog.dimension d)
     GROUP BY 1, 2
)