-- Whether a relation the structure names was renamed, altered or dropped: the tables and
-- indexes the Indexes tab lists ($2: their oids, each once), each with its pg_class and
-- pg_index rows' writers (xmin: an update writes a row anew, in its own transaction) hashed
-- together, its term. The client compares each relation's term with the last: one missing was
-- dropped (taken out of the structure when nothing else moved), one changed was renamed or
-- altered (the structure is read again). Read when the catalog's counted changes moved
-- (relations_watch.sql) and after each read or patch of the structure.
--
-- Only the terms that can have moved since the last look come back: those of the named
-- relations whose pg_class row was written since its horizon ($1: the xid, as text, of the
-- oldest transaction running then; NULL: every named relation's, a first look), of those new
-- to the named set ($3: no term kept), and of the indexes whose pg_index row was written since
-- the horizon of pg_index's own last look ($5), looked at when $4 says pg_index's counted
-- updates moved since (as the relations' watch read them, before this: an index's validity
-- set in place writes pg_index alone; rare, a REINDEX or an index built concurrently). How many
-- named relations are still there counts the dropped: fewer, and those gone are named.
-- A probe of pg_class's oid index for each named relation, which reads its row's writer and
-- no more: 18 ms for 20,750 relations at 56,000 chunks, where each one's term computed (its
-- writer through text, hashed, its pg_index row probed) took 75. A scan of pg_class with the
-- named set hashed took longer than either (it passes over every chunk's relations). The probe
-- counts and picks out the recent in one pass (`looked`): keeping every named row to pass over
-- again cost a quarter more (18.8 against 15.1 ms for 20,003 at 50,500 chunks); the few asked
-- are probed again, and the gone looked for only where the count is short.
--
-- Before that probe, where the client kept the places (ctid) of the named relations' rows from
-- the last look ($6 those places, sorted; $7 the relations' oids in that order; $8 pg_class's
-- file then), a fetch of each row by its place says whether any moved (`still`): an updated
-- row is written at another place (its old version invisible there, or pruned, its place taken
-- by another row), so each place holding the same relation's row, none of them written since
-- the horizon, in a pg_class not rewritten since (VACUUM FULL moves every row, their writers
-- kept), none did, and the probe is not made: 19.6–23.7 against 53–62 ms for 24,750 named
-- relations at 55,250 chunks (PostgreSQL 15, which probes the oid index key by key). The
-- rows come in the order of their places (the scan fetches them sorted); another order only
-- fails the comparison and the probe is made. After a probe, every named row's place is
-- returned (`places`, `place_oids`): the next look starts from them.
-- Prepared, its parameters read through subqueries: one plan kept.
WITH still AS MATERIALIZED (
    SELECT coalesce(array_agg(x.oid) = (SELECT $7::oid[])::oid[]
                    AND bool_and(NOT
--@include recent_rows
                                 )
                    AND pg_catalog.pg_relation_filenode('pg_catalog.pg_class'::regclass)
                        = (SELECT $8::oid), false) AS held
      FROM pg_catalog.pg_class x
     WHERE (SELECT $1::text) IS NOT NULL AND cardinality((SELECT $6::tid[])::tid[]) > 0
       AND x.ctid = ANY ((SELECT $6::tid[])::tid[])
), looked AS MATERIALIZED (
    SELECT count(*) AS present,
           array_agg(x.oid) FILTER (WHERE (SELECT $1::text) IS NULL OR
--@include recent_rows
           ) AS recent,
           array_agg(x.ctid) AS places, array_agg(x.oid) AS place_oids
      FROM pg_catalog.pg_class x
     WHERE NOT (SELECT s.held FROM still s) AND x.oid = ANY ((SELECT $2::oid[])::oid[])
), indexed AS MATERIALIZED (
    -- (the horizon compared as recent_rows.sql compares it, against pg_index's own last look's;
    -- only the named: pg_index's rows are every index's, the chunks' too)
    SELECT array_agg(x.indexrelid) AS oids
      FROM pg_catalog.pg_index x
     WHERE (SELECT $1::text) IS NOT NULL AND (SELECT $4::bool)
       AND ((SELECT $5::text) IS NULL
            OR (pg_catalog.age(x.xmin) # -2147483648)
               <= (SELECT pg_catalog.age($5::text::xid) # -2147483648))
       AND x.indexrelid IN (SELECT n.oid FROM unnest((SELECT $2::oid[])::oid[]) AS n(oid))
), asked AS MATERIALIZED (
    -- the recent, those new to the named set ($3, named too) and the indexes above, present
    SELECT x.oid, x.relkind, x.xmin, x.ctid
      FROM pg_catalog.pg_class x
     WHERE x.oid = ANY (((SELECT l.recent FROM looked l) || (SELECT $3::oid[])::oid[]
                         || (SELECT i.oids FROM indexed i))::oid[])
), terms AS MATERIALIZED (
    -- (pg_index's row hashed with another seed: the same one made both hashes alike where
    -- one transaction wrote both rows, as the index's own creation does, and they cancelled
    -- out — a rename beside a pg_index write, CLUSTER ON, in one transaction went unseen)
    SELECT array_agg(a.oid) AS oids, array_agg(a.ctid) AS places,
           array_agg(pg_catalog.hashint8extended(a.xmin::text::int8, a.oid::int8)
                     # coalesce((SELECT pg_catalog.hashint8extended(i.xmin::text::int8,
                                                                    ~i.indexrelid::int8)
                                   FROM pg_catalog.pg_index i
                                  WHERE i.indexrelid = a.oid AND a.relkind IN ('i', 'I')), 0))
               AS terms
      FROM asked a
), counted AS MATERIALIZED (
    -- every named relation is there where the places held still, but those new to the set
    SELECT CASE WHEN (SELECT s.held FROM still s)
                THEN cardinality((SELECT $7::oid[])::oid[])
                     + (SELECT count(*) FROM pg_catalog.pg_class x
                         WHERE x.oid = ANY ((SELECT $3::oid[])::oid[]))
                ELSE (SELECT l.present FROM looked l) END AS present
)
SELECT (SELECT c.present FROM counted c)                  AS present,
       -- the named relations gone (looked for only where some are: the count is short)
       (SELECT array_agg(n.oid)
          FROM unnest((SELECT $2::oid[])::oid[]) AS n(oid)
         WHERE (SELECT c.present FROM counted c) < cardinality((SELECT $2::oid[])::oid[])
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_class c WHERE c.oid = n.oid)) AS gone,
       (SELECT s.held FROM still s)                       AS held,
       (SELECT l.places FROM looked l)                    AS places,
       (SELECT l.place_oids FROM looked l)                AS place_oids,
       pg_catalog.pg_relation_filenode('pg_catalog.pg_class'::regclass) AS class_file,
       (SELECT t.oids FROM terms t)                       AS oids,
       (SELECT t.places FROM terms t)                     AS term_places,
       (SELECT t.terms FROM terms t)                      AS terms,
       pg_catalog.xid(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()))::text AS horizon,
       pg_catalog.age($1::text::xid)                      AS horizon_age,
       pg_catalog.age($5::text::xid)                      AS index_horizon_age
