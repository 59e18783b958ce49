-- Policies as code: turn the columnstore on with this segmentby ({segmentby}: a string literal,
-- quoted before it is put in) and the orderby TimescaleDB chooses, in the words of 2.18+. Names
-- the table in its text (a DDL statement takes no parameters): guarded by its oid.
ALTER TABLE {object} SET (timescaledb.enable_columnstore, timescaledb.segmentby = {segmentby})
