-- The database's estimated size on plain PostgreSQL, for the catalog pass (relation_pages.sql
-- reads it with every relation's pages on TimescaleDB): pg_database_size walks every file.
SELECT (sum(c.relpages) * current_setting('block_size')::bigint)::bigint AS database_bytes
  FROM pg_catalog.pg_class c
