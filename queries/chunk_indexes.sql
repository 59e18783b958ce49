-- Every index of every hypertable's chunk, with the hypertable index it was created from: the
-- Hypertables tab sums a chunk's index pages into its hypertable's index size, the Indexes tab a
-- chunk index's numbers into its hypertable index. Structure only, kept between refreshes.
-- $1: the hypertables' oids (listed_tables.sql).
--
-- A chunk index is matched to the indexes of its hypertable with the same definition, as
-- TimescaleDB built it from one: operator classes, uniqueness, key columns, options,
-- expressions and predicate. Exactly one candidate is the common case; none (an expression
-- folded differently, an index made on the chunk alone) or several (identical hypertable
-- indexes), and every index of a chunk that numbers its columns differently (created after a
-- column was dropped), are settled for those hypertables alone by index_structure.sql. Arrays
-- in rows (one per block of 8,192 table oids, a message a client holds whole kept small); each
-- chunk index comes once, with its candidate, or 0 for none or several.
--
-- The hypertables' indexes are grouped by definition first: identical ones are one group, so a
-- chunk index meets one row however many look alike (a row per look-alike made the read
-- chunks x look-alikes^2: 500 identical indexes on 30 chunks were 7.5 million rows). Its
-- filtered form ($2: chunk tables) reads the indexes of the chunks a refresh saw written.
-- Base tables with the oids as array parameters: the planner knows their statistics (over
-- CTEs it expected 200 distinct parents, and merged every chunk index's rows sorted, several
-- times slower). Only the parent and operator classes are hash keys; the rest of the
-- definition is compared on the few candidates (IS TRUE keeps it out of the hash).
SELECT array_agg(x.indexrelid) AS indexes, array_agg(x.indrelid) AS tables,
       array_agg(CASE WHEN hd.twins = 1 THEN hd.first ELSE 0 END) AS hypertable_indexes
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid AND i.inhparent = ANY ($1::oid[])
  LEFT JOIN (SELECT h.indrelid, h.indclass, h.indisunique, h.indkey, h.indoption,
                    h.indexprs::text AS exprs, h.indpred::text AS pred,
                    min(h.indexrelid) AS first, count(*) AS twins
               FROM pg_catalog.pg_index h
              WHERE h.indrelid = ANY ($1::oid[])
              GROUP BY 1, 2, 3, 4, 5, 6, 7) hd
         ON hd.indrelid = i.inhparent AND hd.indclass = x.indclass
        AND (hd.indisunique = x.indisunique AND hd.indkey = x.indkey
             AND hd.indoption = x.indoption
             AND hd.exprs IS NOT DISTINCT FROM x.indexprs::text
             AND hd.pred IS NOT DISTINCT FROM x.indpred::text) IS TRUE
--@include chunk_index_filter
 GROUP BY x.indrelid::int8 >> 13
