-- Invalid indexes that a failed REINDEX … CONCURRENTLY left on the table of relation $1 (its
-- oid: the index reindexed, or the table): PostgreSQL names them <index>_ccnew[N].
SELECT n.nspname::text AS schema, c.relname::text AS name
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE NOT i.indisvalid
   AND c.relname ~ '_ccnew[0-9]*$'
   AND i.indrelid = coalesce((SELECT x.indrelid FROM pg_catalog.pg_index x
                               WHERE x.indexrelid = $1::text::oid), $1::text::oid)
 ORDER BY 2
