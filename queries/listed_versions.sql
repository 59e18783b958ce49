-- Whether a relation the structure names was renamed, altered or dropped: the tables and
-- indexes the Indexes tab lists ($1: their oids), by their pg_class and pg_index rows' writers
-- (xmin: an update writes a row anew, in its own transaction). Read when the catalog's counted
-- changes moved (relations_watch.sql) and with every whole read of the structure; a few
-- thousand index probes at 50,000 chunks, where reading the structure again took 150 ms.
SELECT count(*) AS rows,
       coalesce(pg_catalog.mod(sum(pg_catalog.hashint8extended(x.xmin::text::int8, x.oid::int8)),
                               9223372036854775783), 0)::int8 AS hash
  FROM (SELECT c.oid, c.xmin FROM pg_catalog.pg_class c WHERE c.oid = ANY ($1::oid[])
        UNION ALL
        SELECT i.indexrelid, i.xmin FROM pg_catalog.pg_index i WHERE i.indexrelid = ANY ($1::oid[])) x
