-- Fragment: whether hypertable `h` compresses, where its status bits have names (2.29+): status
-- bit 4 (compression_state kept by older versions' rows). Read as a column: the whole row
-- made JSON to find it on any version was a quarter of the tabs' rows at 5,250 hypertables.
h.compression_state = 1 OR h.status & 4 = 4
