-- The materialization hypertable of the continuous aggregate whose view is $1 (an oid): what
-- compress and decompress act on when the command names the aggregate (its chunks are the
-- materialization's).
SELECT h.schema_name::text AS schema, h.table_name::text AS name
  FROM _timescaledb_catalog.continuous_agg ca
  JOIN _timescaledb_catalog.hypertable h ON h.id = ca.mat_hypertable_id
  JOIN pg_catalog.pg_namespace n ON n.nspname = ca.user_view_schema
  JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = ca.user_view_name
 WHERE c.oid = $1
