      -- a chunk's bytes on disk `cb.bytes`, counted as PostgreSQL's total relation size, of its table
      -- `r` and of its compressed data's table `cr` (if any): each table, its TOAST table and
      -- their indexes, every relation measured as relation_bytes does. NULL while one of them is
      -- busy behind an ACCESS EXCLUSIVE lock. `busy` (fragment busy_relations) must come before.
      CROSS JOIN LATERAL (
          SELECT CASE WHEN bool_and(s.bytes IS NOT NULL) THEN sum(s.bytes) END::bigint AS bytes
            FROM (SELECT t.oid FROM unnest(ARRAY[r.oid, r.reltoastrelid, cr.oid, cr.reltoastrelid]) t(oid)
                  UNION ALL
                  SELECT x.indexrelid FROM pg_catalog.pg_index x
                   WHERE x.indrelid IN (r.oid, r.reltoastrelid, cr.oid, cr.reltoastrelid)) m
            JOIN pg_catalog.pg_class c ON c.oid = m.oid
           CROSS JOIN LATERAL (SELECT
--@include relation_bytes
                                   AS bytes) s
      ) cb
