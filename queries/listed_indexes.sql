-- The Indexes tab's indexes (TimescaleDB): every index of the listed tables — the hypertables
-- and continuous aggregates, and the ordinary tables (listed_tables.sql) — with its table's
-- oid, names and definition, by the tables' oids ($1) and hypertable ids ($2, NULL for an
-- ordinary table). Read for every listed table with the structure, and for one table alone
-- when an index is made on it.
-- Kept with the catalog structure, as their validity is (invalid_indexes.sql): their statistics
-- and size come from the reads of every refresh (index_numbers.sql, relation_versions.sql and
-- relation_bytes.sql), and a rename or a changed definition shows as a change of the catalog
-- (relation_versions.sql, catalog_changes), which reads the structure again. Read on every refresh,
-- the names and definitions of every index were a slow read at many chunks. Each listed table's
-- indexes come with the columns needed from pg_index in the one lookup per table (looking each
-- index up again by its oid cost more), and pg_class, pg_namespace and pg_am are joined as the
-- planner sees fit, which made the read faster. The tables are materialized: inlined, each
-- table's column names were read again for each of its indexes.
WITH
listed AS MATERIALIZED (
    SELECT t.oid, t.ht_id IS NOT NULL AS on_hypertable,
           coalesce(ca.user_view_schema, n.nspname)::text AS schema,
           coalesce(ca.user_view_name, r.relname)::text AS table_name,
           -- the table's column names by attribute number (dropped ones too, so that the
           -- position is the number): one range read per table, not a lookup per key
           ARRAY(SELECT a.attname::text FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = t.oid AND a.attnum > 0 ORDER BY a.attnum) AS columns
      FROM unnest($1::oid[], $2::int4[]) AS t(oid, ht_id)
      -- a table dropped since the structure's first read drops out
      JOIN pg_catalog.pg_class r ON r.oid = t.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = t.ht_id
)
SELECT i.indexrelid AS index_oid, l.oid AS table_oid, l.schema, l.table_name, ns.nspname::text AS index_schema,
       c.relname::text AS index_name, l.on_hypertable, am.amname::text AS method,
       i.indisunique AS is_unique, i.indisprimary AS is_primary,
       -- key columns by name, in order ('' for an expression)
       array_to_string(ARRAY(SELECT coalesce(l.columns[k.attnum], '')
                               FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                              ORDER BY k.ord), ',')            AS key_columns,
       pg_catalog.pg_get_expr(i.indexprs, i.indrelid)          AS expressions,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid)           AS predicate
  FROM listed l
  -- LATERAL looks up each table's indexes rather than scanning every index (OFFSET 0 keeps
  -- the planner from hashing all of pg_index)
 CROSS JOIN LATERAL (SELECT x.indexrelid, x.indrelid, x.indisunique, x.indisprimary, x.indkey,
                            x.indexprs, x.indpred
                       FROM pg_catalog.pg_index x WHERE x.indrelid = l.oid OFFSET 0) i
  JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
  JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
