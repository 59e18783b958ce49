-- Continuous aggregates built on another one (hierarchical), by schema and name: some
-- releases refuse to change their refresh policies (see src/releases.rs).
SELECT c.user_view_schema::text AS schema, c.user_view_name::text AS name
  FROM _timescaledb_catalog.continuous_agg c
  JOIN _timescaledb_catalog.continuous_agg p ON p.mat_hypertable_id = c.raw_hypertable_id
