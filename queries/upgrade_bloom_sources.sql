-- For `upgrade-check`, where `_timescaledb_catalog.compression_settings` exists (2.14+): each
-- hypertable's bloom sparse indexes on int2 columns as its settings declare them (the `index`
-- column, 2.22+, read through the row as JSON), and whether each was asked for (`source`
-- 'config') or made by TimescaleDB: the update to 2.27 and later drops the made ones (from
-- 2.28.2) and refuses while an asked-for one exists.
SELECT pg_catalog.format('%I.%I', h.schema_name, h.table_name) AS hypertable,
       CASE pg_catalog.jsonb_typeof(e.value -> 'column')
            WHEN 'array' THEN (SELECT pg_catalog.string_agg(x, ', ')
                                 FROM pg_catalog.jsonb_array_elements_text(e.value -> 'column') x)
            ELSE e.value ->> 'column' END AS columns,
       coalesce(e.value ->> 'source', 'default') = 'config' AS asked
  FROM _timescaledb_catalog.compression_settings s
  JOIN _timescaledb_catalog.hypertable h
    ON pg_catalog.to_regclass(pg_catalog.format('%I.%I', h.schema_name, h.table_name)) = s.relid
 CROSS JOIN LATERAL pg_catalog.jsonb_array_elements(
           CASE WHEN pg_catalog.jsonb_typeof(pg_catalog.to_jsonb(s) -> 'index') = 'array'
                THEN pg_catalog.to_jsonb(s) -> 'index' ELSE '[]'::jsonb END) e
 WHERE e.value ->> 'type' = 'bloom'
   AND EXISTS (SELECT FROM pg_catalog.jsonb_array_elements_text(
                   CASE pg_catalog.jsonb_typeof(e.value -> 'column')
                        WHEN 'array' THEN e.value -> 'column'
                        ELSE pg_catalog.jsonb_build_array(e.value -> 'column') END) c
                 JOIN pg_catalog.pg_attribute a
                   ON a.attrelid = s.relid AND a.attname = c AND NOT a.attisdropped
                  AND a.atttypid = 'pg_catalog.int2'::pg_catalog.regtype)
 ORDER BY 1, 2
