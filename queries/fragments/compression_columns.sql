-- Fragment: each hypertable's compression settings as TimescaleDB takes them in ALTER TABLE …
-- SET (timescaledb.compress_segmentby = …, timescaledb.compress_orderby = …): the columns
-- quoted, an order column with DESC, and NULLS FIRST / NULLS LAST where it differs from its
-- direction's default (NULLS LAST ascending, NULLS FIRST descending). Reads the CTE
-- `compression_column` (hypertable_id, attname, segmentby_column_index,
-- orderby_column_index, orderby_asc, orderby_nullsfirst: one row per column, as
-- timescaledb_information.compression_settings has them), which must come before.
compression_columns AS (
    SELECT s.hypertable_id,
           array_agg(quote_ident(s.attname) ORDER BY s.segmentby_column_index)
               FILTER (WHERE s.segmentby_column_index IS NOT NULL) AS segmentby,
           array_agg(quote_ident(s.attname)
                     || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                     || CASE WHEN s.orderby_asc AND s.orderby_nullsfirst THEN ' NULLS FIRST'
                             WHEN NOT s.orderby_asc AND NOT s.orderby_nullsfirst
                             THEN ' NULLS LAST' ELSE '' END
                     ORDER BY s.orderby_column_index)
               FILTER (WHERE s.orderby_column_index IS NOT NULL) AS orderby
      FROM compression_column s
     GROUP BY 1
)
