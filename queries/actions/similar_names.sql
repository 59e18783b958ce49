-- Relations a misspelt name ($1 schema or NULL, $2 name) may have meant: user schemas only, names
-- of about the same length (the caller measures the distance). Read only when a name matched
-- nothing, so a catalog of many tables pays for it only on a typo.
SELECT n.nspname::text AS schema, c.relname::text AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'm', 'v', 'i', 'I')
   AND abs(length(c.relname) - length($2)) <= 3
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'timescaledb_information',
                         'timescaledb_experimental', '_timescaledb_catalog', '_timescaledb_internal',
                         '_timescaledb_config', '_timescaledb_cache', '_timescaledb_functions')
   AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
   AND ($1::text IS NULL OR abs(length(n.nspname) - length($1)) <= 3)
 LIMIT 5000
