-- A hypertable's compression settings ($1: its oid) for a rollback to compare with what an
-- entry found and left: whether compression is on, its segmentby and orderby as ALTER TABLE …
-- SET takes them. From the view every version 2.9 and later has (a one-table read: its cost is
-- not a catalog pass's).
SELECT h.compression_enabled AS enabled,
       coalesce(pg_catalog.string_agg(pg_catalog.quote_ident(s.attname::text), ', '
                                      ORDER BY s.segmentby_column_index)
                  FILTER (WHERE s.segmentby_column_index IS NOT NULL), '') AS segmentby,
       coalesce(pg_catalog.string_agg(pg_catalog.quote_ident(s.attname::text)
                                      || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                                      || CASE WHEN s.orderby_asc AND s.orderby_nullsfirst THEN ' NULLS FIRST'
                                              WHEN NOT s.orderby_asc AND NOT s.orderby_nullsfirst
                                              THEN ' NULLS LAST' ELSE '' END, ', '
                                      ORDER BY s.orderby_column_index)
                  FILTER (WHERE s.orderby_column_index IS NOT NULL), '') AS orderby
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN timescaledb_information.hypertables h
    ON (h.hypertable_schema, h.hypertable_name) = (n.nspname, c.relname)
  LEFT JOIN timescaledb_information.compression_settings s
    ON (s.hypertable_schema, s.hypertable_name) = (n.nspname, c.relname)
 WHERE c.oid = $1::text::oid
 GROUP BY h.compression_enabled
