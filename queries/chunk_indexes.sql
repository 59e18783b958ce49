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
-- in rows (one per block of 8,192 table oids, a message a client holds whole kept small); a
-- chunk index with several candidates comes once per candidate, one without any with 0.
--
-- Base tables with the oids as array parameters, no CTE: the planner knows their statistics
-- (over CTEs it expected 200 distinct parents, and merged 151,000 sorted rows at 50,000
-- chunks: 1.1 s against 0.22 s). Only the parent and operator classes are hash keys; the rest
-- of the definition is compared on the few candidates (IS TRUE keeps it out of the hash).
SELECT array_agg(x.indexrelid) AS indexes, array_agg(x.indrelid) AS tables,
       array_agg(coalesce(hd.indexrelid, 0)) AS hypertable_indexes
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid AND i.inhparent = ANY ($1::oid[])
  LEFT JOIN pg_catalog.pg_index hd
         ON hd.indrelid = i.inhparent AND hd.indclass = x.indclass
        AND (hd.indisunique = x.indisunique AND hd.indkey = x.indkey
             AND hd.indoption = x.indoption
             AND hd.indexprs IS NOT DISTINCT FROM x.indexprs
             AND hd.indpred IS NOT DISTINCT FROM x.indpred) IS TRUE
 GROUP BY x.indrelid::int8 >> 13
