-- TimescaleDB's schema in the store's database (no row: plain PostgreSQL, pruned by hypertop).
SELECT n.nspname::text AS schema
  FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'timescaledb'
