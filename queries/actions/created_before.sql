-- Which policies this TimescaleDB can add by creation time ($1: the extension's schema): the
-- add function takes drop_created_before (retention, 2.13+) or compress_created_before (the
-- columnstore's procedure, 2.18+: created_before).
SELECT bool_or(p.proname = 'add_retention_policy'
               AND 'drop_created_before' = ANY (p.proargnames)) AS retention,
       bool_or((p.proname = 'add_compression_policy'
                AND 'compress_created_before' = ANY (p.proargnames))
               OR (p.proname = 'add_columnstore_policy'
                   AND 'created_before' = ANY (p.proargnames))) AS compression
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = $1
   AND p.proname IN ('add_retention_policy', 'add_compression_policy', 'add_columnstore_policy')
