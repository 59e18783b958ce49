-- The invalid indexes (a failed CREATE INDEX CONCURRENTLY's or TimescaleDB per-chunk build's,
-- one being built, rebuilt or dropped concurrently), read with the catalog's structure and kept
-- with it. An index's validity changes only by an update of its pg_index row, which moves the
-- catalog's counted changes (relation_versions.sql) and has the structure read again once the
-- session that made it reports its statistics (within seconds; never when that session does
-- not count them); a new or dropped index moves its files' sum at once. Read on every refresh
-- beside the usage counters, the flag kept them from an index-only scan: every index's pg_index
-- row read at every refresh.
SELECT array_agg(i.indexrelid) AS invalid
  FROM pg_catalog.pg_index i
 WHERE NOT i.indisvalid
