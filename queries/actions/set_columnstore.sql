-- Policies as code: turn the columnstore on with these settings ({segmentby}, {orderby}: string
-- literals, quoted before they are put in), in the words of TimescaleDB 2.18+ (timescaledb.compress*
-- are their deprecated names). Names the table in its text (a DDL statement takes no
-- parameters): guarded by its oid.
ALTER TABLE {object} SET (timescaledb.enable_columnstore, timescaledb.segmentby = {segmentby},
                          timescaledb.orderby = {orderby})
