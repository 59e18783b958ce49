-- A relation's columns ($1: its oid), as its catalog names them: what a segmentby or orderby
-- may name.
SELECT a.attname::text AS name
  FROM pg_catalog.pg_attribute a
 WHERE a.attrelid = $1::text::oid AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum
