-- Each chunk's range in its hypertable's primary dimension (the dimension created first), in
-- TimescaleDB's internal time (µs since the epoch for time types, raw integers otherwise), as
-- arrays in rows of at most 4,096 chunks: part of the chunk structure (table_chunks.sql), kept
-- between refreshes.
SELECT array_agg(cc.chunk_id) AS chunk_ids,
       array_agg(sl.range_start) AS range_starts, array_agg(sl.range_end) AS range_ends
  FROM _timescaledb_catalog.chunk_constraint cc
  JOIN _timescaledb_catalog.dimension_slice sl ON sl.id = cc.dimension_slice_id
 WHERE sl.dimension_id IN (SELECT min(d.id) FROM _timescaledb_catalog.dimension d
                            GROUP BY d.hypertable_id)
 GROUP BY cc.chunk_id >> 12
