-- (before 2.14) each hypertable's segmentby columns in order, from the catalog's row per column,
-- for the hypertables $1 (int4[]; NULL: every one)
segmentby AS (
    SELECT c.hypertable_id, array_agg(c.attname::text ORDER BY c.segmentby_column_index) AS columns
      FROM _timescaledb_catalog.hypertable_compression c
     WHERE c.segmentby_column_index IS NOT NULL
       AND ((SELECT $1::int4[]) IS NULL OR c.hypertable_id = ANY ((SELECT $1::int4[])::int4[]))
     GROUP BY 1
)
