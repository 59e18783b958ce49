-- An index's definition and table ($1 schema, $2 name), kept in the journal when it is dropped.
SELECT pg_catalog.pg_get_indexdef(c.oid) AS definition, t.relname::text AS table_name,
       tn.nspname::text AS table_schema, i.indisprimary, i.indisunique,
       EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = c.oid) AS backs_constraint
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2
