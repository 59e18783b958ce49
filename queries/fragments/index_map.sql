-- Fragment: maps every chunk index to the hypertable index it was created from, by definition
-- (same access method, uniqueness, key columns by name, expressions and predicate), preferring
-- TimescaleDB's "<chunk>_<index>" name when a hypertable has look-alike indexes. Works on every
-- version without the chunk_index catalog (dropped in 2.22). Catalog reads only. Needs the
-- index_def fragment before it.
chunk_rel AS (
    SELECT r.oid AS chunk_oid, ht.oid AS hypertable_oid, ch.chunk_name::text AS chunk_name
      FROM timescaledb_information.chunks ch
      JOIN pg_catalog.pg_namespace n ON n.nspname = ch.chunk_schema
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = ch.chunk_name
      JOIN pg_catalog.pg_namespace hn ON hn.nspname = ch.hypertable_schema
      JOIN pg_catalog.pg_class ht ON ht.relnamespace = hn.oid AND ht.relname = ch.hypertable_name
), index_map AS (
    SELECT DISTINCT ON (ci.indexrelid)
           ci.indexrelid AS chunk_index, hi.indexrelid AS hypertable_index, cr.chunk_name
      FROM index_def ci
      JOIN chunk_rel cr ON cr.chunk_oid = ci.indrelid
      JOIN index_def hi ON hi.indrelid = cr.hypertable_oid
                       AND hi.relam = ci.relam
                       AND hi.indisunique = ci.indisunique
                       AND hi.key_columns = ci.key_columns
                       AND hi.expressions IS NOT DISTINCT FROM ci.expressions
                       AND hi.predicate IS NOT DISTINCT FROM ci.predicate
     ORDER BY ci.indexrelid,
              (ci.index_name = left(cr.chunk_name || '_' || hi.index_name, 63)) DESC,
              hi.indexrelid
)
