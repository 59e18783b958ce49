  -- with TimescaleDB: hypertables (a continuous aggregate's by its view's name), not the
  -- internal ones that hold compressed chunks
  UNION ALL
  SELECT r.root,
         CASE WHEN ca.mat_hypertable_id IS NULL THEN 'hypertable'
              ELSE 'continuous aggregate' END,
         ca.user_view_schema::text, ca.user_view_name::text,
         (SELECT count(*) FROM pg_catalog.pg_inherits i WHERE i.inhparent = r.root)::int8
    FROM roots r
    JOIN pg_catalog.pg_class c ON c.oid = r.root
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    JOIN _timescaledb_catalog.hypertable h
      ON h.schema_name = n.nspname AND h.table_name = c.relname
    LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
   WHERE NOT EXISTS (SELECT FROM _timescaledb_catalog.hypertable x
                      WHERE x.compressed_hypertable_id = h.id)
