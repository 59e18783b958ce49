-- What TimescaleDB (2.28+) counts of each compressed chunk's use, in shared memory
-- (_timescaledb_functions.chunk_statistics(), behind timescaledb_information.stat_chunk_activity;
-- at most timescaledb.stats_max_chunks chunks, 1,024 by default, the least recently used let go
-- first; counted since the server started or the chunk came into the cache): writes that had to
-- decompress batches, and the bloom filters' pruning of them. One row per chunk; the totals are
-- cumulative, so a row read again replaces the last. $1: the chunks active since then only (the
-- function walks its recency list and stops there: a cost of what moved, not of the cache);
-- NULL for all of them. A chunk decompressed since is no longer returned: each row names the
-- compressed table it counts, and counts only while that is still the chunk's. The
-- extension's own C function, qualified: no user code runs.
SELECT s.uncompressed_relid                               AS chunk,
       s.compressed_relid                                 AS compressed,
       coalesce(s.total_batches_decompressed, 0)          AS batches_decompressed,
       coalesce(s.total_tuples_decompressed, 0)           AS rows_decompressed,
       coalesce(s.total_batches_checked_by_bloom, 0)      AS bloom_checked,
       coalesce(s.total_batches_pruned_by_bloom, 0)       AS bloom_pruned,
       coalesce(s.total_batches_bloom_false_positives, 0) AS bloom_false_positives,
       coalesce(s.n_inserts, 0) + coalesce(s.n_updates, 0) + coalesce(s.n_deletes, 0) AS writes,
       s.first_update,
       s.last_update,
       pg_catalog.statement_timestamp()                   AS read_at
  FROM _timescaledb_functions.chunk_statistics(since => $1::timestamptz) s
 WHERE s.uncompressed_relid IS NOT NULL
