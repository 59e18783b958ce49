-- Indexes tab (TimescaleDB): every index of the listed tables — the hypertables and continuous
-- aggregates, and the ordinary tables (listed_tables.sql, kept with the catalog structure) —
-- with its own statistics (the pg_stat functions pg_stat_user_indexes reads) and size, read
-- on every refresh of the catalog pass by the tables' oids ($1) and hypertable ids ($2, NULL
-- for an ordinary table): names and definitions are read afresh, so a rename shows at once.
-- A hypertable index's chunk indexes are summed into it on the client (chunk_indexes.sql,
-- index_numbers.sql, relation_pages.sql).
WITH
listed AS (
    SELECT t.oid, t.ht_id IS NOT NULL AS on_hypertable,
           coalesce(ca.user_view_schema, n.nspname)::text AS schema,
           coalesce(ca.user_view_name, r.relname)::text AS table_name
      FROM unnest($1::oid[], $2::int4[]) AS t(oid, ht_id)
      -- a table dropped since the structure was read drops out
      JOIN pg_catalog.pg_class r ON r.oid = t.oid
      JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = t.ht_id
), listed_index AS MATERIALIZED (
    -- LATERAL looks up each table's indexes rather than scanning every index (OFFSET 0 keeps
    -- the planner from hashing all of pg_index)
    SELECT x.indexrelid, l.schema, l.table_name, l.on_hypertable
      FROM listed l
     CROSS JOIN LATERAL (SELECT i.indexrelid FROM pg_catalog.pg_index i
                          WHERE i.indrelid = l.oid OFFSET 0) x
), wanted_index AS (
    SELECT l.indexrelid FROM listed_index l
),
--@include index_def
SELECT d.indexrelid::bigint AS index_oid, l.schema, l.table_name, d.index_schema, d.index_name,
       l.on_hypertable, d.method, d.indisunique AS is_unique, d.indisprimary AS is_primary,
       array_to_string(d.key_columns, ',') AS key_columns, d.expressions, d.predicate,
       d.indisvalid                                                         AS valid,
       pg_catalog.pg_stat_get_numscans(d.indexrelid)::bigint                AS scans,
       pg_catalog.pg_stat_get_tuples_returned(d.indexrelid)::bigint         AS tuples_read,
       d.size_bytes::bigint                                                 AS size_bytes,
       current_setting('block_size')::bigint                                AS block_size
  FROM listed_index l
  JOIN index_def d ON d.indexrelid = l.indexrelid
 ORDER BY 1, 2, 3
