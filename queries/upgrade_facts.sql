-- What an upgrade of TimescaleDB (and of PostgreSQL, where the target needs it) would meet,
-- read from the catalog in one row for `hypertop upgrade-check` (src/upgrade/). Every part is
-- a list of objects as evidence; the client judges them against the releases' table
-- (src/releases.rs). Columns that exist in some releases only (`continuous_agg.finalized`,
-- removed in 2.25) are read through the row as JSON, so one text serves every release.
WITH ext AS MATERIALIZED (
    SELECT e.oid, e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'timescaledb'
), members AS MATERIALIZED (
    -- the extension's own relations and functions
    SELECT d.classid, d.objid
      FROM pg_catalog.pg_depend d, ext
     WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
       AND d.refobjid = ext.oid AND d.deptype = 'e'
), cagg_views AS MATERIALIZED (
    -- a continuous aggregate's own views (user, partial, direct), named by its user view
    SELECT v.oid, pg_catalog.format('%I.%I', c.user_view_schema, c.user_view_name) AS cagg
      FROM _timescaledb_catalog.continuous_agg c
      JOIN pg_catalog.pg_namespace n
        ON n.nspname IN (c.user_view_schema, c.partial_view_schema, c.direct_view_schema)
      JOIN pg_catalog.pg_class v
        ON v.relnamespace = n.oid
       AND ((n.nspname = c.user_view_schema AND v.relname = c.user_view_name)
         OR (n.nspname = c.partial_view_schema AND v.relname = c.partial_view_name)
         OR (n.nspname = c.direct_view_schema AND v.relname = c.direct_view_name))
), view_uses AS MATERIALIZED (
    -- a view's (or materialized view's) rule and what it reads: relations and functions
    SELECT DISTINCT r.ev_class AS view, d.refclassid, d.refobjid
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                                  AND r.oid = d.objid
     WHERE d.refobjid <> r.ev_class
       AND d.refclassid IN ('pg_catalog.pg_class'::pg_catalog.regclass,
                            'pg_catalog.pg_proc'::pg_catalog.regclass)
), dependents AS MATERIALIZED (
    -- users' views on the extension's views and tables: an update that drops and makes one
    -- again cannot while another object depends on it
    SELECT pg_catalog.format('%I.%I', vn.nspname, v.relname) AS object,
           v.relkind::text AS kind,
           pg_catalog.format('%I.%I', rn.nspname, rc.relname) AS uses,
           rc.relkind::text AS uses_kind
      FROM view_uses u
      JOIN pg_catalog.pg_class v ON v.oid = u.view
      JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
      JOIN pg_catalog.pg_class rc ON u.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                 AND rc.oid = u.refobjid
      JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
     WHERE (u.refclassid, u.refobjid) IN (SELECT m.classid, m.objid FROM members m)
       AND (v.tableoid, v.oid) NOT IN (SELECT m.classid, m.objid FROM members m)
       AND v.oid NOT IN (SELECT cv.oid FROM cagg_views cv)
), ng AS MATERIALIZED (
    -- the extension's time_bucket_ng (timescaledb_experimental), removed in 2.25
    SELECT p.oid FROM pg_catalog.pg_proc p
     WHERE p.proname = 'time_bucket_ng'
       AND ('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid) IN (SELECT m.classid, m.objid FROM members m)
), ng_users AS MATERIALIZED (
    -- views (a continuous aggregate named as itself) and other objects depending on it,
    -- functions whose text names it, jobs whose configuration does
    SELECT DISTINCT coalesce(cv.cagg, pg_catalog.format('%I.%I', vn.nspname, v.relname)) AS object,
           CASE WHEN cv.cagg IS NOT NULL THEN 'continuous aggregate'
                WHEN v.relkind = 'm' THEN 'materialized view' ELSE 'view' END AS kind
      FROM view_uses u
      JOIN pg_catalog.pg_class v ON v.oid = u.view
      JOIN pg_catalog.pg_namespace vn ON vn.oid = v.relnamespace
      LEFT JOIN cagg_views cv ON cv.oid = v.oid
     WHERE u.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND u.refobjid IN (SELECT ng.oid FROM ng)
    UNION
    -- anything else that depends on it (an index expression, a default, a function with a
    -- SQL-standard body): its DROP FUNCTION fails as for a view. A hypertable's index is
    -- named once: a chunk's index is left out where its hypertable has one with the same
    -- expressions and predicate (its copy: thousands of lines saying one thing); one made on a
    -- chunk alone is named
    SELECT pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), 'object'
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND d.refobjid IN (SELECT ng.oid FROM ng)
       AND d.classid <> 'pg_catalog.pg_rewrite'::pg_catalog.regclass
       AND d.deptype = 'n'
       AND (d.classid, d.objid) NOT IN (SELECT m.classid, m.objid FROM members m)
       AND NOT EXISTS (SELECT FROM pg_catalog.pg_index x
                         JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.indrelid
                         JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
                         JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                         JOIN _timescaledb_catalog.hypertable h
                           ON (h.schema_name, h.table_name) = (pn.nspname, pc.relname)
                        WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                          AND x.indexrelid = d.objid
                          AND EXISTS (SELECT FROM pg_catalog.pg_index px
                                        JOIN pg_catalog.pg_depend pd
                                          ON pd.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                                         AND pd.objid = px.indexrelid
                                         AND pd.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                         AND pd.refobjid = d.refobjid
                                       WHERE px.indrelid = i.inhparent
                                         AND pg_catalog.pg_get_expr(px.indexprs, px.indrelid)
                                             IS NOT DISTINCT FROM
                                             pg_catalog.pg_get_expr(x.indexprs, x.indrelid)
                                         AND pg_catalog.pg_get_expr(px.indpred, px.indrelid)
                                             IS NOT DISTINCT FROM
                                             pg_catalog.pg_get_expr(x.indpred, x.indrelid)))
    UNION
    SELECT pg_catalog.format('%I.%I(%s)', n.nspname, p.proname,
                             pg_catalog.pg_get_function_identity_arguments(p.oid)), 'function'
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
      JOIN pg_catalog.pg_language l ON l.oid = p.prolang
     WHERE EXISTS (SELECT FROM ng)
       AND l.lanname NOT IN ('c', 'internal')
       AND pg_catalog.strpos(p.prosrc, 'time_bucket_ng') > 0
       AND ('pg_catalog.pg_proc'::pg_catalog.regclass, p.oid) NOT IN (SELECT m.classid, m.objid FROM members m)
    UNION
    SELECT 'job ' || j.id::text, 'job'
      FROM _timescaledb_config.bgw_job j
     WHERE EXISTS (SELECT FROM ng)
       AND pg_catalog.strpos(coalesce(j.config::text, ''), 'time_bucket_ng') > 0
), old_caggs AS MATERIALIZED (
    -- continuous aggregates in the old format (finalized = false), removed in 2.25
    SELECT pg_catalog.format('%I.%I', c.user_view_schema, c.user_view_name) AS cagg
      FROM _timescaledb_catalog.continuous_agg c
     WHERE (pg_catalog.to_jsonb(c) ->> 'finalized') = 'false'
), wal_slots AS MATERIALIZED (
    -- WAL-based invalidation (2.22-2.24) decodes the WAL through a slot of its plugin
    -- (`timescaledb-invalidations-<version>`)
    SELECT s.slot_name::text AS slot
      FROM pg_catalog.pg_replication_slots s
     WHERE pg_catalog.starts_with(s.plugin, 'timescaledb-invalidations')
       AND s.database = pg_catalog.current_database()
), hypercore AS MATERIALIZED (
    -- tables on the hypercore access method (2.18-2.21): 2.22 removed it
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) AS object
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_am a ON a.oid = c.relam AND a.amname = 'hypercore'
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
), compressed AS MATERIALIZED (
    -- compressed chunks as the chunk catalog lists them (up to 2.28: 2.29 lists them no more,
    -- and names chunks by relid; the names are read through the row as JSON) and the
    -- hypertable they compress
    SELECT pg_catalog.to_regclass(pg_catalog.format('%I.%I', j.k ->> 'schema_name',
                                                    j.k ->> 'table_name')) AS relid,
           pg_catalog.format('%I.%I', h.schema_name, h.table_name) AS hypertable,
           pg_catalog.to_regclass(pg_catalog.format('%I.%I', h.schema_name, h.table_name)) AS hyper_relid
      FROM _timescaledb_catalog.hypertable h
      JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.compressed_hypertable_id
     CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(k) AS k) j
), blooms AS MATERIALIZED (
    -- bloom sparse indexes of compressed chunks: a column `_ts_meta_v2_bloom<kind>_<columns>`,
    -- `bloom1` as written before 2.24 (#8761), `bloomh`/`bloomg` after
    SELECT c.hypertable, c.relid, c.hyper_relid,
           pg_catalog.substr(a.attname, pg_catalog.length('_ts_meta_v2_bloom1_') + 1) AS col,
           pg_catalog.starts_with(a.attname, '_ts_meta_v2_bloom1_') AS legacy
      FROM compressed c
      JOIN pg_catalog.pg_attribute a ON a.attrelid = c.relid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE pg_catalog.starts_with(a.attname, '_ts_meta_v2_bloom')
), bloom_tables AS MATERIALIZED (
    -- per hypertable: chunks with a legacy bloom, and its int2 columns with one (the column's
    -- own name; a composite bloom's joined names match none)
    SELECT b.hypertable,
           count(DISTINCT b.relid) FILTER (WHERE b.legacy) AS legacy_chunks,
           array_agg(DISTINCT b.col ORDER BY b.col) FILTER (
               WHERE EXISTS (SELECT FROM pg_catalog.pg_attribute x
                              WHERE x.attrelid = b.hyper_relid AND x.attname = b.col
                                AND x.atttypid = 'pg_catalog.int2'::pg_catalog.regtype
                                AND NOT x.attisdropped)) AS int2_columns
      FROM blooms b
     GROUP BY b.hypertable
)
SELECT pg_catalog.current_setting('server_version_num')::int4 AS server_version_num,
       (SELECT ext.extversion FROM ext) AS installed,
       (SELECT array_agg(v.version ORDER BY v.version)
          FROM pg_catalog.pg_available_extension_versions v
         WHERE v.name = 'timescaledb') AS available,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('object', d.object, 'kind', d.kind,
                                                     'uses', d.uses, 'uses_kind', d.uses_kind)
                                  ORDER BY d.object, d.uses), '[]')
          FROM dependents d) AS dependents,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('object', u.object, 'kind', u.kind)
                                  ORDER BY u.kind, u.object), '[]')
          FROM ng_users u) AS time_bucket_ng,
       (SELECT coalesce(array_agg(o.cagg ORDER BY o.cagg), '{}') FROM old_caggs o) AS old_caggs,
       (SELECT coalesce(array_agg(w.slot ORDER BY w.slot), '{}') FROM wal_slots w) AS wal_slots,
       (SELECT coalesce(array_agg(h.object ORDER BY h.object), '{}') FROM hypercore h) AS hypercore,
       (SELECT coalesce(jsonb_agg(jsonb_build_object('hypertable', b.hypertable,
                                                     'legacy_chunks', b.legacy_chunks,
                                                     'int2_columns', coalesce(b.int2_columns, '{}'))
                                  ORDER BY b.hypertable), '[]')
          FROM bloom_tables b) AS blooms,
       -- the sparse indexes as configured (2.22+, `compression_settings.index`) are read
       -- apart, where the table is
       pg_catalog.to_regclass('_timescaledb_catalog.compression_settings') IS NOT NULL AS has_settings
