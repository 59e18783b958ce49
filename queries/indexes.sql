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
, by_definition AS (
    -- one grouped pass over every inheritance child's index and the hypertables' own: a
    -- definition's chunk indexes meet the one hypertable index with that definition in the
    -- same group (a join of the two, estimated over CTEs at one row, ran as a nested loop
    -- quadratic in hypertables: 0.6 s at 5,000 chunks over 500 hypertables)
    SELECT max(u.head) AS hypertable_index,
           count(*) FILTER (WHERE u.head IS NULL)                   AS chunk_indexes,
           bool_and(u.valid)                                        AS valid,
           sum(u.pages)::bigint                                     AS pages,
           sum(u.scans)                                             AS scans,
           sum(u.tuples_read)                                       AS tuples_read
      FROM (SELECT hd.indrelid AS parent, hd.relam, hd.indisunique, hd.keys, hd.exprs, hd.pred,
                   hd.indexrelid AS head, NULL::bool AS valid, NULL::bigint AS pages,
                   NULL::bigint AS scans, NULL::bigint AS tuples_read
              FROM head hd
              JOIN hyper h ON h.oid = hd.indrelid AND NOT h.has_dropped
             WHERE hd.twins = 1
            UNION ALL
            SELECT i.inhparent, c.relam, x.indisunique, x.indkey::int2[],
                   coalesce(x.indexprs::text, ''), coalesce(x.indpred::text, ''),
                   NULL, x.indisvalid, c.relpages::bigint,
                   pg_catalog.pg_stat_get_numscans(x.indexrelid),
                   pg_catalog.pg_stat_get_tuples_returned(x.indexrelid)
              FROM pg_catalog.pg_index x
              JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid
              JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid) u
     GROUP BY u.parent, u.relam, u.indisunique, u.keys, u.exprs, u.pred
), per_index AS (
    -- the common case (see index_map): the definition's sums go to its one hypertable index
    SELECT d.hypertable_index, d.chunk_indexes, d.valid, d.pages, d.scans, d.tuples_read
      FROM by_definition d
     WHERE d.hypertable_index IS NOT NULL AND d.chunk_indexes > 0
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
