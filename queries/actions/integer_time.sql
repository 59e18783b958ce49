-- Whether relation $1 (its oid: a hypertable, or a cagg through its materialization) has an
-- integer time column, and its hypertable's id (a cagg: its raw hypertable's, whose
-- integer_now gives its "now").
SELECT d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[]) AS integer_time,
       coalesce(ca.raw_hypertable_id, h.id) AS now_hypertable_id
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN _timescaledb_catalog.continuous_agg ca
         ON (ca.user_view_schema, ca.user_view_name) = (n.nspname, c.relname)
  JOIN _timescaledb_catalog.hypertable h
    ON h.id = ca.mat_hypertable_id OR (ca.mat_hypertable_id IS NULL
                                       AND (h.schema_name, h.table_name) = (n.nspname, c.relname))
  JOIN _timescaledb_catalog.dimension d ON d.hypertable_id = h.id
 WHERE c.oid = $1::text::oid
 ORDER BY d.id
 LIMIT 1
