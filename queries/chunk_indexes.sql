-- Which table each index of an inheritance child (a chunk, a partition) belongs to: the
-- Hypertables tab sums a chunk's index pages into its hypertable's index size. Structure only,
-- read with table_chunks.sql.
SELECT x.indexrelid AS index_oid, x.indrelid AS table_oid
  FROM pg_catalog.pg_index x
  JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid
