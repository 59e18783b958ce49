-- compact: the compressed chunks of hypertable $1.$2 holding batches out of order (unordered,
-- status 2: direct compress writes them so), oldest first. Not a partial one (status 8,
-- written into since): compact_chunk refuses it, compressing it again takes its rows. The chunk's table by its
-- relid where the catalog has one (2.29+), else by its names (to_jsonb: either column set).
SELECT r.oid::oid AS oid, n.nspname::text AS schema, r.relname::text AS name
  FROM _timescaledb_catalog.chunk ch
  JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
  CROSS JOIN LATERAL (SELECT pg_catalog.to_jsonb(ch) AS j) x
  JOIN pg_catalog.pg_class r
    ON r.oid = coalesce((x.j ->> 'relid')::regclass::oid,
                        pg_catalog.to_regclass(pg_catalog.format('%I.%I', x.j ->> 'schema_name',
                                                                  x.j ->> 'table_name'))::oid)
  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
 WHERE (h.schema_name, h.table_name) = ($1, $2)
   AND (ch.status & 1) = 1 AND (ch.status & 2) = 2 AND (ch.status & 8) = 0
 ORDER BY ch.id
