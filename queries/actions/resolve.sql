-- Objects named $2 (in schema $1, or any schema when NULL), with what they are to TimescaleDB.
SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name,
       CASE
         WHEN EXISTS (SELECT 1 FROM timescaledb_information.hypertables h
                       WHERE (h.hypertable_schema, h.hypertable_name) = (n.nspname, c.relname)) THEN 'hypertable'
         -- a continuous aggregate's materialization is a hypertable too (its columnstore's
         -- chunks), which the information view leaves out
         WHEN EXISTS (SELECT 1 FROM _timescaledb_catalog.hypertable h
                        JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
                       WHERE (h.schema_name, h.table_name) = (n.nspname, c.relname)) THEN 'hypertable'
         WHEN EXISTS (SELECT 1 FROM timescaledb_information.continuous_aggregates ca
                       WHERE (ca.view_schema, ca.view_name) = (n.nspname, c.relname)) THEN 'cagg'
         WHEN EXISTS (SELECT 1 FROM timescaledb_information.chunks ch
                       WHERE (ch.chunk_schema, ch.chunk_name) = (n.nspname, c.relname)) THEN 'chunk'
         WHEN c.relkind IN ('i', 'I') AND EXISTS (
                SELECT 1 FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
                  JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                  JOIN timescaledb_information.hypertables h
                    ON (h.hypertable_schema, h.hypertable_name) = (tn.nspname, t.relname)
                 WHERE i.indexrelid = c.oid) THEN 'hypertable index'
         WHEN c.relkind IN ('i', 'I') THEN 'index'
         WHEN c.relkind IN ('r', 'p', 'm') THEN 'table'
         ELSE 'other'
       END AS kind
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname = $2 AND ($1::text IS NULL OR n.nspname = $1)
   AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
 ORDER BY 1, 2
