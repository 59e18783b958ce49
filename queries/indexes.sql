-- Indexes tab (TimescaleDB): every index on a hypertable or continuous aggregate (its chunk
-- indexes summed: scans, tuples read, size, validity) and on an ordinary table. Chunks,
-- compressed chunks and TimescaleDB's own catalog are folded in or left out. One catalog pass;
-- index statistics from the pg_stat functions (what pg_stat_user_indexes reads).
WITH
hyper AS MATERIALIZED (
    SELECT r.oid, coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name,
           EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = r.oid AND a.attnum > 0 AND a.attisdropped) AS has_dropped
      FROM _timescaledb_catalog.hypertable h
      JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = h.table_name
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
     -- not TimescaleDB's internal compressed hypertables (up to 2.28)
     WHERE h.compression_state IS DISTINCT FROM 2
),
--@include index_map
, by_definition AS MATERIALIZED (
    -- every inheritance child's indexes summed per parent and definition: one grouped pass over
    -- all chunk indexes instead of a lookup per chunk index
    SELECT i.inhparent, c.relam, x.indisunique, x.indkey::int2[] AS keys,
           coalesce(x.indexprs::text, '') AS exprs, coalesce(x.indpred::text, '') AS pred,
           count(*) AS chunk_indexes, bool_and(x.indisvalid) AS valid,
           sum(c.relpages)::bigint AS pages,
           sum(pg_catalog.pg_stat_get_numscans(x.indexrelid)) AS scans,
           sum(pg_catalog.pg_stat_get_tuples_returned(x.indexrelid)) AS tuples_read
      FROM pg_catalog.pg_index x
      JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
     GROUP BY 1, 2, 3, 4, 5, 6
), per_index AS (
    -- the common case (see index_map): the definition's sums go to its one hypertable index
    SELECT hd.indexrelid AS hypertable_index, d.chunk_indexes, d.valid, d.pages, d.scans,
           d.tuples_read
      FROM head hd
      JOIN hyper h ON h.oid = hd.indrelid AND NOT h.has_dropped
      JOIN by_definition d ON d.inhparent = hd.indrelid AND d.relam = hd.relam
                          AND d.indisunique = hd.indisunique AND d.keys = hd.keys
                          AND d.exprs = hd.exprs AND d.pred = hd.pred
     WHERE hd.twins = 1
    UNION ALL
    -- look-alikes, hypertables with dropped columns and folded expressions, one by one
    SELECT m.hypertable_index, count(*), bool_and(m.indisvalid), sum(m.relpages)::bigint,
           sum(pg_catalog.pg_stat_get_numscans(m.chunk_index)),
           sum(pg_catalog.pg_stat_get_tuples_returned(m.chunk_index))
      FROM (SELECT * FROM look_alike UNION ALL SELECT * FROM by_name
            UNION ALL SELECT * FROM by_shape) m
     GROUP BY m.hypertable_index
), user_relation AS MATERIALIZED (
    -- tables outside the system's and TimescaleDB's schemas (filtered before anything is joined)
    SELECT t.oid, n.nspname::text AS schema, t.relname::text AS name
      FROM pg_catalog.pg_class t
      JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     WHERE t.relkind IN ('r', 'm', 'p')
       AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
       AND n.nspname NOT LIKE '\_timescaledb\_%'
       AND n.nspname NOT LIKE 'pg\_temp\_%'
), listed AS MATERIALIZED (
    -- the hypertables' own indexes, and indexes on ordinary tables (not a hypertable, not a
    -- chunk); LATERAL looks up each table's indexes rather than scanning every index
    SELECT x.indexrelid, h.schema, h.name AS table_name, true AS on_hypertable
      FROM hyper h
     CROSS JOIN LATERAL (SELECT i.indexrelid FROM pg_catalog.pg_index i
                          WHERE i.indrelid = h.oid) x
    UNION ALL
    SELECT x.indexrelid, t.schema, t.name, false
      FROM user_relation t
     CROSS JOIN LATERAL (SELECT i.indexrelid FROM pg_catalog.pg_index i
                          WHERE i.indrelid = t.oid) x
     WHERE NOT EXISTS (SELECT 1 FROM hyper h WHERE h.oid = t.oid)
       AND NOT EXISTS (SELECT 1 FROM chunk ch WHERE ch.oid = t.oid)
), wanted_index AS (
    SELECT l.indexrelid FROM listed l
),
--@include index_def
SELECT d.indexrelid::bigint AS index_oid, l.schema, l.table_name, d.index_schema, d.index_name,
       l.on_hypertable, d.method, d.indisunique AS is_unique, d.indisprimary AS is_primary,
       array_to_string(d.key_columns, ',') AS key_columns, d.expressions, d.predicate,
       d.indisvalid AND coalesce(p.valid, true)                             AS valid,
       (pg_catalog.pg_stat_get_numscans(d.indexrelid) + coalesce(p.scans, 0))::bigint AS scans,
       (pg_catalog.pg_stat_get_tuples_returned(d.indexrelid)
            + coalesce(p.tuples_read, 0))::bigint                           AS tuples_read,
       (d.size_bytes + coalesce(p.pages, 0) * current_setting('block_size')::bigint)::bigint
                                                                            AS size_bytes,
       coalesce(p.chunk_indexes, 0)::bigint                                 AS chunk_indexes
  FROM listed l
  JOIN index_def d ON d.indexrelid = l.indexrelid
  LEFT JOIN per_index p ON p.hypertable_index = l.indexrelid
 ORDER BY 1, 2, 3
