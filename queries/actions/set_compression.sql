-- Policies as code: turn compression on with these settings ({segmentby}, {orderby}: string
-- literals, quoted before they are put in). Names the table in its text (a DDL statement takes
-- no parameters): guarded by its oid.
ALTER TABLE {object} SET (timescaledb.compress, timescaledb.compress_segmentby = {segmentby},
                          timescaledb.compress_orderby = {orderby})
