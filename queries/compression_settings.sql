-- Each hypertable's compression settings for the Compression tab (see
-- fragments/compression_columns.sql), by TimescaleDB id: part of the catalog structure, kept
-- between refreshes (a change of the settings counts as a change of the catalog,
-- relation_pages.sql). Read from the catalog by version (compression_column).
WITH
--@include compression_column
,
--@include compression_columns
SELECT c.hypertable_id, array_to_string(c.segmentby, ', ') AS segmentby,
       array_to_string(c.orderby, ', ') AS orderby
  FROM compression_columns c
