-- Whether a relation the structure names was renamed, altered or dropped: the tables and
-- indexes the Indexes tab lists ($1: their oids), each with its pg_class and pg_index rows'
-- writers (xmin: an update writes a row anew, in its own transaction) hashed together. The
-- client compares each relation's term with the last: one missing was dropped (taken out of
-- the structure when nothing else moved), one changed was renamed or altered (the structure
-- is read again). Read when the catalog's counted changes moved (relations_watch.sql) and
-- after each read or patch of the structure; a few thousand index probes at 50,000 chunks,
-- far cheaper than reading the structure again. Prepared, its parameter read through subqueries:
-- one plan kept (planned at each read, it took a tenth of its run). An index's pg_index row is
-- probed for its pg_class row, a table's not (406 relations at 21k chunks: 1.6 against 2.0 ms
-- of the server for both catalogs probed for every oid and the rows grouped).
SELECT array_agg(c.oid ORDER BY c.oid) AS oids,
       array_agg(pg_catalog.hashint8extended(c.xmin::text::int8, c.oid::int8)
                 # coalesce((SELECT pg_catalog.hashint8extended(i.xmin::text::int8, i.indexrelid::int8)
                               FROM pg_catalog.pg_index i
                              WHERE i.indexrelid = c.oid AND c.relkind IN ('i', 'I')), 0)
                 ORDER BY c.oid) AS terms
  FROM pg_catalog.pg_class c
 WHERE c.oid = ANY ((SELECT $1::oid[])::oid[])
