-- The compressed chunks (status bit 1) and those written into since they were compressed
-- (bit 8, partial; bit 2, unordered, on versions before partial), read on every refresh of the
-- catalog pass as two arrays: a chunk not listed is not compressed.
SELECT array_agg(ch.id) FILTER (WHERE ch.status & 1 = 1) AS compressed,
       array_agg(ch.id) FILTER (WHERE ch.status & 1 = 1 AND ch.status & 10 <> 0) AS partial,
       -- of those, the ones whose batches are out of order and nothing written since (2 without
       -- 8: as direct compress writes them; compact_chunk orders them, 2.29+)
       array_agg(ch.id) FILTER (WHERE ch.status & 1 = 1 AND ch.status & 2 = 2
                                  AND ch.status & 8 = 0) AS unordered
  FROM _timescaledb_catalog.chunk ch
