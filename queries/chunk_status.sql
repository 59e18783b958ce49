-- The compressed chunks (status bit 1), read on every refresh of the catalog pass as one array:
-- the other status bits (partial, frozen) are not shown, and a chunk not listed is not
-- compressed.
SELECT array_agg(ch.id) FILTER (WHERE ch.status & 1 = 1) AS compressed
  FROM _timescaledb_catalog.chunk ch
