-- set-compression: hypertable $1's (an oid) compression as it is — on or off, its segmentby and
-- orderby as SQL lists (names quoted where SQL needs it), and how many chunks are compressed —
-- so the plan can say what changes and undo it exactly.
WITH ht AS (
    SELECT n.nspname AS schema_name, c.relname AS table_name
      FROM pg_catalog.pg_class c
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = $1::text::oid
), settings AS (
    SELECT s.*
      FROM timescaledb_information.compression_settings s, ht
     WHERE (s.hypertable_schema, s.hypertable_name) = (ht.schema_name, ht.table_name)
)
SELECT h.compression_enabled AS enabled,
       coalesce((SELECT string_agg(quote_ident(s.attname), ', ' ORDER BY s.segmentby_column_index)
                   FROM settings s WHERE s.segmentby_column_index IS NOT NULL), '') AS segmentby,
       coalesce((SELECT string_agg(quote_ident(s.attname)
                                   || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                                   || CASE WHEN s.orderby_asc AND s.orderby_nullsfirst THEN ' NULLS FIRST'
                                           WHEN NOT s.orderby_asc AND NOT s.orderby_nullsfirst THEN ' NULLS LAST'
                                           ELSE '' END,
                                   ', ' ORDER BY s.orderby_column_index)
                   FROM settings s WHERE s.orderby_column_index IS NOT NULL), '') AS orderby,
       (SELECT count(*) FROM _timescaledb_catalog.chunk ch
          JOIN _timescaledb_catalog.hypertable t ON t.id = ch.hypertable_id
         WHERE (t.schema_name, t.table_name) = (ht.schema_name, ht.table_name)
           AND ch.status & 1 = 1) AS compressed_chunks
  FROM ht
  JOIN timescaledb_information.hypertables h
    ON (h.hypertable_schema, h.hypertable_name) = (ht.schema_name, ht.table_name)
