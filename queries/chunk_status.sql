-- Each chunk's status (bit 1: compressed), read on every refresh, as two arrays in one row.
SELECT array_agg(ch.id) AS ids, array_agg(ch.status) AS statuses
  FROM _timescaledb_catalog.chunk ch
