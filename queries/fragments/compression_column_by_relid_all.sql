-- (2.14 and later) compression_column from the settings catalog for every hypertable, each
-- found by name in pg_class: the view casts names to regclass, which fails for a role without
-- USAGE on any one schema that has a hypertable
compression_column AS (
    WITH ht AS (
        SELECT h.id, c.oid
          FROM _timescaledb_catalog.hypertable h
          JOIN pg_catalog.pg_namespace n ON n.nspname = h.schema_name
          JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = h.table_name
    )
    SELECT h.id AS hypertable_id, u.attname, u.ord AS segmentby_column_index,
           NULL::bigint AS orderby_column_index, NULL::bool AS orderby_asc,
           NULL::bool AS orderby_nullsfirst
      FROM ht h
      JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = h.oid
     CROSS JOIN LATERAL unnest(cs.segmentby) WITH ORDINALITY AS u(attname, ord)
    UNION ALL
    SELECT h.id, u.attname, NULL, u.ord, NOT u.descending, u.nullsfirst
      FROM ht h
      JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = h.oid
     CROSS JOIN LATERAL unnest(cs.orderby, cs.orderby_desc, cs.orderby_nullsfirst)
                        WITH ORDINALITY AS u(attname, descending, nullsfirst, ord)
)
