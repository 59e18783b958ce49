-- The compression snapshot of each compressed chunk, read on every refresh.
SELECT s.chunk_id, s.compressed_heap_size, s.compressed_index_size, s.compressed_toast_size,
       s.uncompressed_heap_size + s.uncompressed_index_size + s.uncompressed_toast_size AS before_bytes,
       s.compressed_heap_size + s.compressed_index_size + s.compressed_toast_size AS after_bytes
  FROM _timescaledb_catalog.compression_chunk_size s
