-- Every relation with files (tables, TOAST tables, indexes, materialized views, sequences), with
-- what adding sizes up needs (read again when the set of relations or the catalog changes):
-- its file number (relfilenode: the name of its files, and a part of an index's version), the
-- relation it leads to — an index's table, a table's TOAST table (0: none) — and whether its
-- files are in the database's own directory, where a first read can measure them by listing
-- it (relation_files.sql): not in another tablespace, not temporary, not a mapped catalog.
--
-- In rows of at most 8,192 relations (one per block of 8,192 oids), not one row of arrays: a
-- client holds each message whole while it decodes it, and one row of every relation was a
-- large message.
SELECT array_agg(c.oid) AS oids,
       array_agg(c.relfilenode) AS files,
       array_agg(CASE WHEN c.relkind = 'i' THEN c.indrelid ELSE c.reltoastrelid END) AS links,
       array_agg(c.relkind = 'i') AS indexes,
       array_agg(c.reltablespace = 0 AND c.relpersistence <> 't' AND c.relfilenode <> 0) AS here
  -- a fence: the planner then expects a few hundred blocks, not one a relation, and hashes
  -- them (else it sorted a row per relation, on disk, and was slower)
  FROM (SELECT r.oid, r.relkind, r.relfilenode, r.reltoastrelid, x.indrelid, r.reltablespace,
               r.relpersistence, r.oid::int8 >> 13 AS block
          FROM pg_catalog.pg_class r
          LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = r.oid
         WHERE r.relkind IN ('r', 't', 'i', 'm', 'S')
           -- another session's temporary relations come and go with it (relation_versions.sql)
           AND r.relpersistence <> 't'
--@include relations_filter
        OFFSET 0) c
 GROUP BY c.block
