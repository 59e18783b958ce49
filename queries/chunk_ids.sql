-- Every chunk's id and every compression snapshot's chunk id: asked after a watch from the horizon
-- (timescaledb_watch.sql) counted fewer rows than it keeps (a chunk dropped or decompressed: a
-- compressed chunk's row goes), to tell which went; the rows written since came with that watch.
-- The ids alone: a read of every row's columns and version took 18 ms at 21k chunks, this 3.
-- Its own snapshot, after the watch's: a row made meanwhile is not known yet and left (the next
-- watch finds it written since the horizon), one deleted meanwhile is gone all the same.
SELECT (SELECT array_agg(c.id) FROM _timescaledb_catalog.chunk c)                          AS chunks,
       (SELECT array_agg(s.chunk_id) FROM _timescaledb_catalog.compression_chunk_size s)   AS sizes
