-- Fragment: the definition (key columns by name, expressions, predicate, method) of each index
-- in `wanted_index` (indexrelid; it must come before), from the catalog.
index_def AS (
    SELECT i.indexrelid, i.indrelid, c.relname::text AS index_name,
           ns.nspname::text AS index_schema, c.relam,
           (SELECT am.amname::text FROM pg_catalog.pg_am am WHERE am.oid = c.relam) AS method,
           i.indisunique, i.indisprimary, i.indisvalid,
--@include index_key_names
                                                               AS key_columns,
           pg_catalog.pg_get_expr(i.indexprs, i.indrelid)      AS expressions,
           pg_catalog.pg_get_expr(i.indpred, i.indrelid)       AS predicate,
           c.relpages::bigint * current_setting('block_size')::bigint AS size_bytes
      FROM pg_catalog.pg_index i
      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
      JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
     WHERE i.indexrelid IN (SELECT w.indexrelid FROM wanted_index w)
)
