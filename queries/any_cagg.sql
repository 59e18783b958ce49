-- Whether this database has a continuous aggregate: asked by the Continuous aggregates tab's
-- read until it finds one (caggs.sql and the integer_now list it needs cost a new session more
-- to plan than to run: a good part of a small target's first read, for an empty answer).
SELECT EXISTS (SELECT FROM _timescaledb_catalog.continuous_agg) AS any
