-- Undo of turning the columnstore on (it had none): off again, in the words of 2.18+.
ALTER TABLE {object} SET (timescaledb.enable_columnstore = false)
