-- Each hypertable's compression settings for the Compression tab (see
-- fragments/compression_columns.sql), by TimescaleDB id: part of the catalog structure, kept
-- between refreshes (a change of the settings counts as a change of the catalog,
-- relation_pages.sql). Read on every refresh through the view, they cost 73 ms at 50,000
-- chunks.
WITH
--@include compression_columns
SELECT h.id AS hypertable_id, array_to_string(c.segmentby, ', ') AS segmentby,
       array_to_string(c.orderby, ', ') AS orderby
  FROM compression_columns c
  JOIN _timescaledb_catalog.hypertable h ON (h.schema_name, h.table_name) = (c.ht_schema, c.ht_name)
