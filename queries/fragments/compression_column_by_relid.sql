-- (2.14 and later) compression_column from the settings catalog, by the hypertables' oids
-- ($1) and ids ($2): the view finds each hypertable's settings by casting its name to
-- regclass (slow over thousands of hypertables in a new session)
compression_column AS (
    SELECT h.id AS hypertable_id, u.attname, u.ord AS segmentby_column_index,
           NULL::bigint AS orderby_column_index, NULL::bool AS orderby_asc,
           NULL::bool AS orderby_nullsfirst
      FROM unnest($1::oid[], $2::int4[]) AS h(oid, id)
      JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = h.oid
     CROSS JOIN LATERAL unnest(cs.segmentby) WITH ORDINALITY AS u(attname, ord)
    UNION ALL
    SELECT h.id, u.attname, NULL, u.ord, NOT u.descending, u.nullsfirst
      FROM unnest($1::oid[], $2::int4[]) AS h(oid, id)
      JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = h.oid
     CROSS JOIN LATERAL unnest(cs.orderby, cs.orderby_desc, cs.orderby_nullsfirst)
                        WITH ORDINALITY AS u(attname, descending, nullsfirst, ord)
)
