-- Each chunk's range in its hypertable's primary dimension (the dimension created first), in
-- TimescaleDB's internal time (µs since the epoch for time types, raw integers otherwise), as
-- arrays in rows of at most 4,096 chunks: part of the chunk structure (table_chunks.sql), kept
-- between refreshes.
SELECT array_agg(ch.id) AS chunk_ids,
       array_agg(ds.range_start) AS range_starts, array_agg(ds.range_end) AS range_ends
  FROM _timescaledb_catalog.chunk ch
--@include chunk_slice
 WHERE ds.dimension_id IN (SELECT min(d.id) FROM _timescaledb_catalog.dimension d
                            GROUP BY d.hypertable_id)
--@include chunk_filter
 GROUP BY ch.id >> 12
