-- Undo of turning compression on (it had none): off again.
ALTER TABLE {object} SET (timescaledb.compress = false)
