-- What the catalog pass needs to add relations up (read again when the set of relations or
-- the catalog changes): each index with its table and its file (an index's version is its
-- table's and its file: relation_versions.sql), each table with its TOAST table.
SELECT i.indexes, i.tables, i.files, t.toasted, t.toasts
  FROM (SELECT array_agg(x.indexrelid) AS indexes, array_agg(x.indrelid) AS tables,
               array_agg(c.relfilenode) AS files
          FROM pg_catalog.pg_index x
          JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid) i,
       (SELECT array_agg(c.oid) AS toasted, array_agg(c.reltoastrelid) AS toasts
          FROM pg_catalog.pg_class c
         WHERE c.reltoastrelid <> 0) t
