  -- Fragment: `pages.bytes`, relation `k.oid` on disk as pg_total_relation_size counts it (its
  -- table, its TOAST table and their indexes, each measured as relation_bytes does), never
  -- waiting on a lock: one busy behind an ACCESS EXCLUSIVE lock counts the pages the catalog
  -- last noted. `busy` (fragment busy_relations) must come before.
  CROSS JOIN LATERAL (
      SELECT sum(coalesce(
--@include relation_bytes
               , c.relpages::int8 * pg_catalog.current_setting('block_size')::int8))::int8 AS bytes
        FROM pg_catalog.pg_class c
       WHERE c.oid = k.oid
          OR c.oid = (SELECT t.reltoastrelid FROM pg_catalog.pg_class t WHERE t.oid = k.oid)
          OR c.oid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i WHERE i.indrelid = k.oid)
          OR c.oid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i
                        WHERE i.indrelid = (SELECT t.reltoastrelid FROM pg_catalog.pg_class t
                                             WHERE t.oid = k.oid))
  ) pages
