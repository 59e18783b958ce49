-- Fragment: "now" for hypertables on an integer time column, from their integer_now_func
-- (dynamic call with identifiers quoted by format %I; one call per such hypertable, not per chunk).
-- Only a function that a superuser or the connected role owns, and that is not volatile, is
-- called: a tenant's function must never run with the viewer's rights (its "now" stays NULL).
integer_now AS (
    SELECT h.schema_name::text AS hypertable_schema, h.table_name::text AS hypertable_name,
           CASE WHEN t.trusted THEN
           (xpath('/row/v/text()',
                  query_to_xml(format('SELECT %I.%I()::bigint AS v',
                                      d.integer_now_func_schema, d.integer_now_func),
                               false, true, '')))[1]::text::bigint END AS now_int
      FROM _timescaledb_catalog.dimension d
      JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
      CROSS JOIN LATERAL (
            SELECT coalesce(bool_or(p.provolatile <> 'v'
                                    AND (r.rolsuper OR r.rolname = current_user)), false) AS trusted
              FROM pg_catalog.pg_proc p
              JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
              JOIN pg_catalog.pg_roles r ON r.oid = p.proowner
             WHERE n.nspname = d.integer_now_func_schema AND p.proname = d.integer_now_func
               AND p.pronargs = 0) t
     WHERE d.integer_now_func IS NOT NULL
)
