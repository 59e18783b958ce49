-- set-compression (and its undo) back to the orderby TimescaleDB chooses per chunk, on versions
-- that keep none for the hypertable (the settings catalog's orderby NULL): a SET cannot say
-- "none" (an empty orderby is refused). Runs before the segmentby is set, which a column of
-- the orderby being left would otherwise refuse. Names the table in its text: guarded by its oid.
ALTER TABLE {object} RESET (timescaledb.compress_orderby)
