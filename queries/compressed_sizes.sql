-- The compression snapshot of each compressed chunk — its size before and after compression as
-- TimescaleDB recorded them then (what hypertable_compression_stats reports) — read on every
-- refresh of the catalog pass as arrays in one row (a row each cost the client more per chunk).
SELECT array_agg(s.chunk_id) AS chunk_ids,
       array_agg(s.uncompressed_heap_size + s.uncompressed_index_size + s.uncompressed_toast_size) AS before,
       array_agg(s.compressed_heap_size + s.compressed_index_size + s.compressed_toast_size) AS after
  FROM _timescaledb_catalog.compression_chunk_size s
