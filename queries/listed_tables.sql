-- The catalog structure's first read (kept between refreshes with the rest of it, read again
-- when the catalog changes): every hypertable and continuous aggregate's materialization with
-- its TimescaleDB id and number of attribute slots (relnatts: a chunk created after a column
-- was dropped has fewer, and numbers its columns differently), and the ordinary tables whose
-- indexes the Indexes tab lists (outside the system's and TimescaleDB's schemas; not a
-- hypertable, not a chunk). The hypertables' oids are the parameters of the structure's other
-- reads: as an array, the planner knows how many there are (joined by name it expected 8 of
-- 106, and planned the chunk indexes' mapping as 40,000 index probes).
-- $1: the horizon of the last watch (the xid, as text, of the oldest transaction running
-- then; NULL: every hypertable): every hypertable's id comes back, and its oid and attribute
-- slots (by its name, on pg_class's index on name and schema) only where its row was written
-- since, as a hypertable made or renamed writes it; the client keeps the others'. Hashing every
-- relation's name to join it with the hypertables' was 60 ms at 56,000 chunks and 5,250
-- hypertables, where a hypertable made or dropped asks for one.
-- $2: whether the ordinary tables are listed too (then asked with no horizon: every
-- hypertable's oid is needed to tell them apart). They are found by a scan of every relation
-- (10 to 25 ms at 20,000 chunks); an ordinary table made or dropped is seen by the relations'
-- watch. False: `tables` is NULL.
WITH hyper AS MATERIALIZED (
    SELECT h.id, r.oid, r.relnatts, h.looked
      FROM (SELECT x.id, x.schema_name, x.table_name,
                   (SELECT $1::text) IS NULL OR
--@include recent_rows
                   AS looked
              FROM _timescaledb_catalog.hypertable x
             -- not TimescaleDB's internal compressed hypertables (up to 2.28)
             WHERE x.compression_state IS DISTINCT FROM 2) h
      LEFT JOIN LATERAL (
          SELECT c.oid, c.relnatts
            FROM pg_catalog.pg_namespace n
            JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = h.table_name
           WHERE n.nspname = h.schema_name AND h.looked
          OFFSET 0) r ON true
), candidates AS MATERIALIZED (
    -- the tables outside the system's and TimescaleDB's schemas, first: the chunk test below
    -- must see only these (planned as a filter on every table of pg_class, it ran once for
    -- every table and took seconds)
    SELECT t.oid
      FROM pg_catalog.pg_class t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE (SELECT $2::bool)
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
SELECT (SELECT array_agg(h.id) FROM hyper h)                             AS hypertable_ids,
       (SELECT array_agg(coalesce(h.oid, 0::oid)) FROM hyper h)         AS hypertables,
       (SELECT array_agg(coalesce(h.relnatts, 0::int2)) FROM hyper h)   AS columns,
       (SELECT array_agg(h.looked) FROM hyper h)                        AS looked,
       (SELECT array_agg(o.oid) FROM ordinary o)                        AS tables
