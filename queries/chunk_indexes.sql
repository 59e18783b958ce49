-- Every index of every hypertable's chunk, with the hypertable index it was created from: the
-- Hypertables tab sums a chunk's index pages into its hypertable's index size, the Indexes tab a
-- chunk index's numbers into its hypertable index. Structure only, kept between refreshes.
-- $1: the hypertables' oids, $2: whether each had a column dropped (listed_tables.sql).
--
-- A chunk index is matched to the indexes of its hypertable with the same definition, as
-- TimescaleDB built it from one: uniqueness, key columns, operator classes, options,
-- expressions and predicate. Exactly one candidate is the common case; none (a dropped column
-- renumbers the chunk's columns, an expression folded differently, an index made on the chunk
-- alone) or several (identical hypertable indexes) are settled for those hypertables alone by
-- index_structure.sql. Arrays in one row; a chunk index with several candidates comes once
-- per candidate, one without any with 0.
WITH hyper AS MATERIALIZED (
    SELECT * FROM unnest($1::oid[], $2::bool[]) AS h(oid, has_dropped)
), chunk AS MATERIALIZED (
    SELECT i.inhrelid AS oid, i.inhparent AS parent
      FROM pg_catalog.pg_inherits i
      JOIN hyper h ON h.oid = i.inhparent
), head AS MATERIALIZED (
    SELECT x.indexrelid, x.indrelid, x.indisunique, x.indkey::int2[] AS keys, x.indclass,
           x.indoption::int2[] AS options, coalesce(x.indexprs::text, '') AS exprs,
           coalesce(x.indpred::text, '') AS pred
      FROM hyper h
      JOIN pg_catalog.pg_index x ON x.indrelid = h.oid
     WHERE NOT h.has_dropped
)
SELECT array_agg(x.indexrelid) AS indexes, array_agg(x.indrelid) AS tables,
       array_agg(coalesce(hd.indexrelid, 0)) AS hypertable_indexes
  FROM pg_catalog.pg_index x
  JOIN chunk ch ON ch.oid = x.indrelid
  LEFT JOIN head hd ON hd.indrelid = ch.parent AND hd.indisunique = x.indisunique
                   AND hd.keys = x.indkey::int2[] AND hd.indclass = x.indclass
                   AND hd.options = x.indoption::int2[]
                   AND hd.exprs = coalesce(x.indexprs::text, '')
                   AND hd.pred = coalesce(x.indpred::text, '')
