-- Objects named $2 (in schema $1, or any schema when NULL), on PostgreSQL without TimescaleDB.
SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name,
       CASE WHEN c.relkind IN ('i', 'I') THEN 'index'
            WHEN c.relkind IN ('r', 'p', 'm') THEN 'table'
            ELSE 'other' END AS kind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = $2 AND ($1::text IS NULL OR n.nspname = $1)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY 1, 2
