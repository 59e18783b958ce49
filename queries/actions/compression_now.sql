-- set-compression: hypertable $1's (an oid) compression as it is — on or off, its segmentby and
-- orderby as ALTER TABLE … SET takes them (fragments/compression_columns.sql), and how many of
-- its chunks are compressed — so the plan can say what changes and undo it exactly. Reads the
-- settings catalog this version has (compression_column).
WITH
--@include compression_column
,
--@include compression_columns
, ht AS (
    SELECT h.id, n.nspname, c.relname
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      JOIN _timescaledb_catalog.hypertable h
        ON (h.schema_name, h.table_name) = (n.nspname, c.relname)
     WHERE c.oid = $1::text::oid
)
SELECT i.compression_enabled AS enabled,
       coalesce(array_to_string(cc.segmentby, ', '), '') AS segmentby,
       coalesce(array_to_string(cc.orderby, ', '), '') AS orderby,
       (SELECT count(*) FROM _timescaledb_catalog.chunk ch
         WHERE ch.hypertable_id = ht.id AND ch.status & 1 = 1) AS compressed_chunks
  FROM ht
  JOIN timescaledb_information.hypertables i
    ON (i.hypertable_schema, i.hypertable_name) = (ht.nspname, ht.relname)
  LEFT JOIN compression_columns cc ON cc.hypertable_id = ht.id
