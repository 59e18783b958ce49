-- The indexes of the relations in $1 (oids: the listed tables whose indexes a patch reads
-- again, and their chunks' tables), and which of them are invalid: the patch replaces what the
-- structure kept of those indexes' validity and leaves the others' (invalid_indexes.sql, read
-- with the structure, reads every index's pg_index row: 40,000 rows at 20,000 chunks, for an
-- index made on one hypertable; here a probe by table).
SELECT array_agg(i.indexrelid) AS indexes,
       array_agg(i.indexrelid) FILTER (WHERE NOT i.indisvalid) AS invalid
  FROM pg_catalog.pg_index i
 WHERE i.indrelid = ANY ($1::oid[])
