-- TimescaleDB's schema and version in the store's database (no row: plain PostgreSQL).
SELECT n.nspname::text AS schema, e.extversion AS version
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'timescaledb'
