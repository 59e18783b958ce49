-- What TimescaleDB (2.28+) counts of the writes into its compressed chunks, in shared memory
-- (_timescaledb_functions.chunk_statistics(), behind timescaledb_information.stat_chunk_activity;
-- at most timescaledb.stats_max_chunks chunks, 1,024 by default, counted since the server
-- started or the chunk came into that cache): the batches UPDATE, DELETE and upserts had to
-- read, those deleted whole, and what the bloom filters made of them. One row per chunk a write
-- touched (a chunk only queried counts none of these: queries' decompressions are counted with
-- the writes' in total_batches_decompressed, which is left alone). The extension's own C
-- function, qualified: no user code runs.
--
-- $1: since when (NULL: every chunk). A chunk's entry is stamped with the start of the last
-- statement that counted into it, and its counts move until that statement ends. A refresh asks
-- from the last read's `bound`, a minute before that read: an entry a statement begun since
-- moved is in the answer, whole (a thousand entries read whole cost 1.5 ms at each refresh,
-- none moved 0.25 ms). The client reads every chunk every minute too: a write running longer
-- than a minute is counted then, and an entry let go of the cache, or the counts reset, go.
-- Every row carries `bound`; an answer with no entry is one row of it alone (`chunk` NULL).
SELECT pg_catalog.clock_timestamp() - interval '1 minute'     AS bound,
       s.uncompressed_relid                                   AS chunk,
       s.compressed_relid                                     AS compressed,
       coalesce(s.total_batches_scanned, 0)                   AS batches_read,
       coalesce(s.total_batches_deleted, 0)                   AS batches_deleted,
       coalesce(s.total_batches_pruned_by_bloom, 0)           AS bloom_pruned,
       coalesce(s.total_batches_bloom_false_positives, 0)     AS bloom_false_positives,
       s.first_update
  FROM (SELECT 1) one
  LEFT JOIN (SELECT x.*
               FROM _timescaledb_functions.chunk_statistics(NULL, NULL, (SELECT $1::timestamptz)) x
              WHERE x.uncompressed_relid IS NOT NULL
                AND (x.total_batches_scanned > 0 OR x.total_batches_pruned_by_bloom > 0)) s
    ON true
