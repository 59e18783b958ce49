-- The store's relations a reader or writer touches that are not ordinary tables owned by the
-- schema's owner (a view or a foreign table there would run someone's code in this session).
SELECT c.relname::text AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'hypertop' AND c.relname IN ('meta', 'target', 'body', 'frame', 'sample', 'kept')
   AND (c.relkind <> 'r' OR c.relowner <> n.nspowner)
