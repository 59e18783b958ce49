-- The catalog pass's measurement: the bytes on disk of each relation in $1 (oids), as arrays in
-- one row. A relation dropped meanwhile has none; one busy behind an ACCESS EXCLUSIVE lock is
-- left out (the client keeps its last size and asks again at the next refresh).
WITH
--@include busy_relations
SELECT array_agg(c.oid) AS oids, array_agg(s.bytes) AS bytes
  FROM pg_catalog.pg_class c
  JOIN LATERAL (SELECT
--@include relation_bytes
                    AS bytes) s ON s.bytes IS NOT NULL
 WHERE c.oid = ANY ($1::oid[])
