-- Fragment: whether hypertable `h` (a _timescaledb_catalog.hypertable row) compresses, where
-- its status bits have no names (before 2.29): compression_state 1 (status bit 4 unused there).
h.compression_state = 1
