-- Fragment: "now" for hypertables on an integer time column, from their integer_now_func
-- (dynamic call with identifiers quoted by format %I; one call per such hypertable, not per
-- chunk), when integer_now_trust allows it.
--@include integer_now_trust
, integer_now AS (
    SELECT h.schema_name::text AS hypertable_schema, h.table_name::text AS hypertable_name,
           CASE WHEN t.trusted THEN
           (xpath('/row/v/text()',
                  query_to_xml(format('SELECT %I.%I()::bigint AS v',
                                      d.integer_now_func_schema, d.integer_now_func),
                               false, true, '')))[1]::text::bigint END AS now_int
      FROM _timescaledb_catalog.dimension d
      JOIN _timescaledb_catalog.hypertable h ON h.id = d.hypertable_id
      LEFT JOIN integer_now_trust t
             ON (t.func_schema, t.func_name) = (d.integer_now_func_schema, d.integer_now_func)
     WHERE d.integer_now_func IS NOT NULL
)