-- The catalog structure's first read (kept between refreshes with the rest of it, read again
-- when the catalog changes): every hypertable and continuous aggregate's materialization with
-- its TimescaleDB id and number of attribute slots (relnatts: a chunk created after a column
-- was dropped has fewer, and numbers its columns differently), and the ordinary tables whose
-- indexes the Indexes tab lists (outside the system's and TimescaleDB's schemas; not a
-- hypertable, not a chunk). The hypertables' oids are the parameters of the structure's other
-- reads: as an array, the planner knows how many there are (joined by name it expected 8 of
-- 106, and planned the chunk indexes' mapping as 40,000 index probes).
-- $1: whether the ordinary tables are listed too. They are found by a scan of every relation
-- (10 to 25 ms at 20,000 chunks); the hypertables alone are a hundred index probes, and are all
-- a refresh asks for when TimescaleDB's definitions moved (a hypertable made or dropped): an
-- ordinary table made or dropped is seen by the relations' watch. False: `tables` is NULL.
WITH hyper AS MATERIALIZED (
    SELECT r.oid, h.id, r.relnatts
      FROM _timescaledb_catalog.hypertable h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = h.table_name
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
), candidates AS MATERIALIZED (
    -- the tables outside the system's and TimescaleDB's schemas, first: the chunk test below
    -- must see only these (planned as a filter on every table of pg_class, it ran once for
    -- every table and took seconds)
    SELECT t.oid
      FROM pg_catalog.pg_class t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE (SELECT $1::bool)
       AND t.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE '\_timescaledb\_%'
       AND n.nspname NOT LIKE 'pg\_temp\_%'
), ordinary AS (
    SELECT c.oid
      FROM candidates c
     WHERE NOT EXISTS (SELECT 1 FROM hyper h WHERE h.oid = c.oid)
       -- not a chunk (an inheritance child of a hypertable): its one inheritance row, by
       -- index, against the hypertables' oids
       AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                        WHERE i.inhrelid = c.oid
                          AND i.inhparent = ANY ((SELECT array_agg(h.oid) FROM hyper h)::oid[]))
)
SELECT (SELECT array_agg(h.oid) FROM hyper h)      AS hypertables,
       (SELECT array_agg(h.id) FROM hyper h)       AS hypertable_ids,
       (SELECT array_agg(h.relnatts) FROM hyper h) AS columns,
       (SELECT array_agg(o.oid) FROM ordinary o)   AS tables
