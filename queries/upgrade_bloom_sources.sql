-- For `upgrade-check`, where `_timescaledb_catalog.compression_settings` exists: the bloom
-- sparse indexes on int2 columns as the update to 2.27 judges them (its own test, from 2.28.2's
-- 2.26.4--2.27.0.sql): per compressed chunk's settings row (2.19+: `relid` the chunk,
-- `compress_relid` its compressed chunk; `index` from 2.22, read through the row as JSON), each
-- bloom (a composite one too) with an int2 column among its columns whose metadata column the
-- compressed chunk has; then per hypertable, whether any was asked for (`source` 'config'), as
-- the update drops only those TimescaleDB made.
WITH rows AS MATERIALIZED (
    SELECT s.relid, pg_catalog.to_jsonb(s) AS j FROM _timescaledb_catalog.compression_settings s
), blooms AS MATERIALIZED (
    SELECT r.relid,
           (r.j ->> 'compress_relid')::pg_catalog.regclass AS compress_relid,
           coalesce(e.value ->> 'source', 'default') = 'config' AS asked,
           c.cols
      FROM rows r
     CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
               CASE WHEN pg_catalog.jsonb_typeof(r.j -> 'index') = 'array'
                    THEN r.j -> 'index' ELSE '[]'::jsonb END) e
     CROSS JOIN LATERAL (SELECT CASE pg_catalog.jsonb_typeof(e.value -> 'column')
                                     WHEN 'array' THEN e.value -> 'column'
                                     ELSE pg_catalog.jsonb_build_array(e.value -> 'column')
                                END AS cols) c
     WHERE e.value ->> 'type' = 'bloom' AND r.j ->> 'compress_relid' IS NOT NULL
), named AS MATERIALIZED (
    -- the metadata column's name: the columns joined by '_', over 39 characters cut and
    -- prefixed with 4 characters of their md5
    SELECT b.*,
           (SELECT pg_catalog.string_agg(x, '_' ORDER BY n)
              FROM pg_catalog.jsonb_array_elements_text(b.cols) WITH ORDINALITY AS t(x, n)) AS suffix
      FROM blooms b
), int2 AS MATERIALIZED (
    SELECT n.relid, n.asked,
           (SELECT pg_catalog.string_agg(x, ', ') FROM pg_catalog.jsonb_array_elements_text(n.cols) x) AS columns
      FROM named n
     WHERE EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(n.cols) x
                     JOIN pg_catalog.pg_attribute a
                       ON a.attrelid = n.relid AND a.attname = x AND a.attnum > 0
                      AND a.atttypid = 'pg_catalog.int2'::pg_catalog.regtype)
       AND EXISTS (SELECT FROM pg_catalog.pg_attribute a
                    WHERE a.attrelid = n.compress_relid AND a.attnum > 0
                      AND a.attname IN (
                          SELECT p || CASE WHEN pg_catalog.length(n.suffix) > 39
                                           THEN pg_catalog.substr(pg_catalog.md5(n.suffix), 1, 4)
                                                || '_' || pg_catalog.substr(n.suffix, 1, 39)
                                           ELSE n.suffix END
                            FROM pg_catalog.unnest(ARRAY['_ts_meta_v2_bloom1_', '_ts_meta_v2_bloomh_',
                                                         '_ts_meta_v2_bloomg_']) p))
)
SELECT pg_catalog.format('%I.%I', hn.nspname, hc.relname) AS hypertable,
       pg_catalog.string_agg(DISTINCT i.columns, '; ') AS columns,
       pg_catalog.bool_or(i.asked) AS asked
  FROM int2 i
  JOIN pg_catalog.pg_inherits h ON h.inhrelid = i.relid
  JOIN pg_catalog.pg_class hc ON hc.oid = h.inhparent
  JOIN pg_catalog.pg_namespace hn ON hn.oid = hc.relnamespace
 GROUP BY 1
 ORDER BY 1
