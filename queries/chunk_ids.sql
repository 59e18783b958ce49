-- Every chunk's id and every compression snapshot's chunk id ($1), and every row of the tables
-- whose rows name a hypertable ($2): asked after a watch from the horizon (timescaledb_watch.sql)
-- counted fewer rows than it keeps, to tell which went — a chunk dropped or decompressed (a
-- compressed chunk's row goes); a policy removed, a hypertable dropped (their rows' hypertables'
-- tab rows are read again, not every one: model::catalog::rows_moved). The rows written since
-- came with that watch. The ids alone: a read of every row's columns and version took 18 ms at
-- 21k chunks, this 3. Its own snapshot, after the watch's: a row made meanwhile is not known
-- yet and left (the next watch finds it written since the horizon), one deleted meanwhile is
-- gone all the same. Each part is read only where asked (a one-time filter of the plan).
SELECT (SELECT array_agg(c.id) FROM _timescaledb_catalog.chunk c WHERE $1::bool)        AS chunks,
       (SELECT array_agg(s.chunk_id) FROM _timescaledb_catalog.compression_chunk_size s
         WHERE $1::bool)                                                                AS sizes,
       n.kinds AS named_kinds, n.ids AS named_ids, n.hypertables AS named_hypertables
  FROM (SELECT array_agg(x.kind) AS kinds, array_agg(x.id) AS ids,
               array_agg(x.hypertable) AS hypertables
          -- (as the watch numbers them: 0 a job, 1 a hypertable, 2 a dimension, 3 a continuous
          -- aggregate by its materialization)
          FROM (SELECT 1 AS kind, h.id, h.id AS hypertable
                  FROM _timescaledb_catalog.hypertable h
                UNION ALL
                SELECT 2, d.id, d.hypertable_id FROM _timescaledb_catalog.dimension d
                UNION ALL
                SELECT 3, a.mat_hypertable_id, a.mat_hypertable_id
                  FROM _timescaledb_catalog.continuous_agg a
                UNION ALL
                SELECT 0, j.id, j.hypertable_id
--@include jobs_table
               ) x
         WHERE $2::bool) n
