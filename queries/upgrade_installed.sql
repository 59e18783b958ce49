-- For `upgrade-check`: TimescaleDB's version in this database, if it is there at all (the
-- facts' query reads its catalog).
SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'timescaledb'
