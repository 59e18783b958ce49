-- (every version) compression_column from TimescaleDB's view, by hypertable name
compression_column AS (
    SELECT h.id AS hypertable_id, s.attname::text AS attname, s.segmentby_column_index,
           s.orderby_column_index, s.orderby_asc, s.orderby_nullsfirst
      FROM timescaledb_information.compression_settings s
      JOIN _timescaledb_catalog.hypertable h
        ON (h.schema_name, h.table_name) = (s.hypertable_schema, s.hypertable_name)
)
