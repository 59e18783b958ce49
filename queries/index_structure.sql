-- Which hypertable index each chunk index was created from, for the few hypertables whose chunk
-- indexes chunk_indexes.sql could not settle by definition alone (see fragments/index_map.sql):
-- a chunk created after a column was dropped, an expression folded differently, identical
-- hypertable indexes. $1: their oids, $2: whether each is matched by column names (it has a
-- chunk that numbers its columns differently). Structure only, kept between refreshes.
WITH
hyper AS MATERIALIZED (
    SELECT * FROM unnest($1::oid[], $2::bool[]) AS h(oid, has_dropped)
),
--@include index_map
SELECT array_agg(m.chunk_index) AS chunk_indexes, array_agg(m.hypertable_index) AS hypertable_indexes
  FROM index_map m
