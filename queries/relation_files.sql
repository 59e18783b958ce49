-- Every file in the database's own directory and its size, for a first read that measures most
-- relations at once (a role that may list and stat files: pg_ls_dir, pg_stat_file). The size
-- functions open every relation, and a new session builds a cache entry for each one it opens (its
-- columns, indexes, rules): seconds for a large catalog. Here the directory — under pg_tblspc/ when
-- the database was created in another tablespace; where its catalog's files are — is listed once
-- and each file stat'ed; the client adds each file's bytes to the relation whose file number starts
-- its name (relations.sql), every fork and segment as the size functions add them up, and leaves
-- out names that are no relation's file.
--
-- Names are sent as they are: telling the files apart here, in string functions, cost more than the
-- stat itself. What is left is the floor: listing and stat'ing each file, the stat most of it.
--
-- Part $1 of $2, by a hash of the name: a one-shot read lists on two sessions and each stats
-- half. In rows of a few thousand files (64 buckets of names), not one row of arrays: a client
-- holds each message whole while it decodes it.
SELECT array_agg(f.name) AS names,
       array_agg((pg_catalog.pg_stat_file(h.dir || f.name, true)).size) AS sizes
  FROM (SELECT pg_catalog.regexp_replace(pg_catalog.pg_relation_filepath('pg_catalog.pg_class'),
                                         '[^/]*$', '') AS dir) h
 CROSS JOIN LATERAL pg_catalog.pg_ls_dir(h.dir, true, false) f(name)
 CROSS JOIN LATERAL (SELECT (pg_catalog.hashtext(f.name) & 2147483647) % 64 AS bucket) b
 WHERE b.bucket % $2::int4 = $1::int4
 GROUP BY b.bucket
