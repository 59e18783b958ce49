-- Whether a relation the structure names was renamed, altered or dropped: the tables and
-- indexes the Indexes tab lists ($1: their oids), each with its pg_class and pg_index rows'
-- writers (xmin: an update writes a row anew, in its own transaction) hashed together. The
-- client compares each relation's term with the last: one missing was dropped (taken out of
-- the structure when nothing else moved), one changed was renamed or altered (the structure
-- is read again). Read when the catalog's counted changes moved (relations_watch.sql) and
-- after each read or patch of the structure; a few thousand index probes at 50,000 chunks,
-- far cheaper than reading the structure again. Prepared, its parameter read through subqueries:
-- one plan kept (planned at each read, it took a tenth of its run).
SELECT array_agg(x.oid ORDER BY x.oid) AS oids,
       array_agg(x.term ORDER BY x.oid) AS terms
  FROM (SELECT u.oid,
               pg_catalog.mod(sum(pg_catalog.hashint8extended(u.xmin::text::int8, u.oid::int8)),
                              9223372036854775783)::int8 AS term
          FROM (SELECT c.oid, c.xmin FROM pg_catalog.pg_class c WHERE c.oid = ANY ((SELECT $1::oid[])::oid[])
                UNION ALL
                SELECT i.indexrelid, i.xmin FROM pg_catalog.pg_index i
                 WHERE i.indexrelid = ANY ((SELECT $1::oid[])::oid[])) u
         GROUP BY u.oid) x
