-- The schema and name relation $1 (an oid) has now: a statement that names it in its text runs
-- only while they are those it was planned with.
SELECT n.nspname::text AS schema, c.relname::text AS name
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = $1::text::oid
