-- What TimescaleDB (2.28+) counts of the writes into its compressed chunks, in shared memory
-- (_timescaledb_functions.chunk_statistics(), behind timescaledb_information.stat_chunk_activity;
-- at most timescaledb.stats_max_chunks chunks, 1,024 by default, counted since the server
-- started or the chunk came into that cache): the batches UPDATE, DELETE and upserts had to
-- read, those deleted whole, and what the bloom filters made of them. One row per chunk a write
-- touched (a chunk only queried counts none of these: queries' decompressions are counted with
-- the writes' in total_batches_decompressed, which is left alone). Read whole at every refresh:
-- a chunk let go of the cache, decompressed or dropped is gone from the answer at once. The
-- extension's own C function, qualified: no user code runs.
SELECT s.uncompressed_relid                                   AS chunk,
       s.compressed_relid                                     AS compressed,
       coalesce(s.total_batches_scanned, 0)                   AS batches_read,
       coalesce(s.total_batches_deleted, 0)                   AS batches_deleted,
       coalesce(s.total_batches_pruned_by_bloom, 0)           AS bloom_pruned,
       coalesce(s.total_batches_bloom_false_positives, 0)     AS bloom_false_positives,
       s.first_update
  FROM _timescaledb_functions.chunk_statistics() s
 WHERE s.uncompressed_relid IS NOT NULL
   AND (s.total_batches_scanned > 0 OR s.total_batches_pruned_by_bloom > 0)
