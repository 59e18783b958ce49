-- Policies as code: turn compression on with this segmentby ({segmentby}: a string literal,
-- quoted before it is put in) and the orderby TimescaleDB chooses. Names the table in its text
-- (a DDL statement takes no parameters): guarded by its oid.
ALTER TABLE {object} SET (timescaledb.compress, timescaledb.compress_segmentby = {segmentby})
