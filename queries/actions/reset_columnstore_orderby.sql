-- set-compression (and its undo) back to the orderby TimescaleDB chooses per chunk, in the words
-- of 2.18+ (see reset_compression_orderby.sql). Names the table in its text: guarded by its oid.
ALTER TABLE {object} RESET (timescaledb.orderby)
