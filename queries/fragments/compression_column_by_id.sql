-- (before 2.14) compression_column from the catalog, a row per column, by hypertable id
compression_column AS (
    SELECT c.hypertable_id, c.attname::text AS attname, c.segmentby_column_index,
           c.orderby_column_index, c.orderby_asc, c.orderby_nullsfirst
      FROM _timescaledb_catalog.hypertable_compression c
     WHERE c.segmentby_column_index IS NOT NULL OR c.orderby_column_index IS NOT NULL
)
