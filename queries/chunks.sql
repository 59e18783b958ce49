-- Hypertable drill-down: the chunks of one hypertable ($1 schema, $2 name), newest first.
WITH
--@include chunk_sizes
SELECT cs.chunk_schema AS schema, cs.chunk_name AS name,
       cs.range_start, cs.range_end, cs.range_start_integer, cs.range_end_integer,
       cs.is_compressed, cs.created,
       (cs.heap_bytes + cs.index_bytes + cs.toast_bytes)::bigint AS total_bytes,
       cs.before_bytes, cs.after_bytes
  FROM chunk_sizes cs
 WHERE cs.hypertable_schema = $1 AND cs.hypertable_name = $2
 ORDER BY coalesce(cs.range_start_integer, 0) DESC, cs.range_start DESC NULLS LAST
