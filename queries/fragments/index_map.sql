-- Fragment: maps each chunk index of the hypertables in `hyper` (oid, has_dropped; it must come
-- before) to the hypertable index it was created from. Catalog reads only, and no chunk_index
-- catalog (dropped in 2.22). Three cases, cheapest first:
--   * same access method, uniqueness, key attribute numbers, expressions and predicate as
--     exactly one index of its hypertable: that one (exact while the hypertable never had a
--     column dropped, so chunk and hypertable number their columns alike);
--   * several look-alike hypertable indexes: the one whose name TimescaleDB gave the chunk's
--     ("<chunk>_<index>"), else the oldest;
--   * a hypertable with dropped columns: matched by key column names instead of numbers.
chunk AS MATERIALIZED (
    SELECT i.inhrelid AS oid, i.inhparent AS parent, h.has_dropped
      FROM pg_catalog.pg_inherits i
      JOIN hyper h ON h.oid = i.inhparent
), head AS MATERIALIZED (
    -- the hypertables' own indexes, with the number of look-alikes on the same hypertable
    SELECT x.indexrelid, x.indrelid, c.relname, c.relam, x.indisunique, x.indkey::int2[] AS keys,
           coalesce(x.indexprs::text, '') AS exprs, coalesce(x.indpred::text, '') AS pred,
           count(*) OVER (PARTITION BY x.indrelid, c.relam, x.indisunique, x.indkey::int2[],
                          coalesce(x.indexprs::text, ''), coalesce(x.indpred::text, '')) AS twins
      FROM pg_catalog.pg_index x
      JOIN hyper h ON h.oid = x.indrelid
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
), chunk_index AS MATERIALIZED (
    SELECT x.indexrelid, x.indrelid, ch.parent, ch.has_dropped, c.relam, x.indisunique,
           x.indkey::int2[] AS keys, coalesce(x.indexprs::text, '') AS exprs,
           coalesce(x.indpred::text, '') AS pred, x.indisvalid, c.relpages
      FROM pg_catalog.pg_index x
      JOIN chunk ch ON ch.oid = x.indrelid
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
), by_number AS MATERIALIZED (
    SELECT ci.indexrelid AS chunk_index, ci.indrelid AS chunk, hd.indexrelid AS hypertable_index,
           hd.relname AS hypertable_index_name, hd.twins, ci.indisvalid, ci.relpages
      FROM chunk_index ci
      JOIN head hd ON hd.indrelid = ci.parent AND hd.relam = ci.relam
                  AND hd.indisunique = ci.indisunique AND hd.keys = ci.keys
                  AND hd.exprs = ci.exprs AND hd.pred = ci.pred
     WHERE NOT ci.has_dropped
), look_alike AS (
    SELECT DISTINCT ON (b.chunk_index) b.chunk_index, b.chunk, b.hypertable_index,
           b.indisvalid, b.relpages
      FROM by_number b
      JOIN pg_catalog.pg_class ci ON ci.oid = b.chunk_index
      JOIN pg_catalog.pg_class cr ON cr.oid = b.chunk
     WHERE b.twins > 1
     ORDER BY b.chunk_index,
              (ci.relname = left(cr.relname || '_' || b.hypertable_index_name, 63)) DESC,
              b.hypertable_index
), named AS (
    -- key columns by name, expressions and predicate as text: only for dropped-column cases
    SELECT x.indexrelid, x.indrelid, c.relname, c.relam, x.indisunique, x.indisvalid, c.relpages,
           ARRAY(SELECT coalesce(a.attname::text, '')
                   FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                   LEFT JOIN pg_catalog.pg_attribute a
                          ON a.attrelid = x.indrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)                               AS key_names,
           pg_catalog.pg_get_expr(x.indexprs, x.indrelid)       AS exprs,
           pg_catalog.pg_get_expr(x.indpred, x.indrelid)        AS pred
      FROM pg_catalog.pg_index x
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
     WHERE x.indrelid IN (SELECT h.oid FROM hyper h WHERE h.has_dropped)
        OR x.indrelid IN (SELECT ch.oid FROM chunk ch WHERE ch.has_dropped)
), by_name AS (
    SELECT DISTINCT ON (ci.indexrelid) ci.indexrelid AS chunk_index, ci.indrelid AS chunk,
           hi.indexrelid AS hypertable_index, ci.indisvalid, ci.relpages
      FROM named ci
      JOIN chunk ch ON ch.oid = ci.indrelid
      JOIN pg_catalog.pg_class cr ON cr.oid = ci.indrelid
      JOIN named hi ON hi.indrelid = ch.parent AND hi.relam = ci.relam
                   AND hi.indisunique = ci.indisunique AND hi.key_names = ci.key_names
                   AND hi.exprs IS NOT DISTINCT FROM ci.exprs
                   AND hi.pred IS NOT DISTINCT FROM ci.pred
     ORDER BY ci.indexrelid, (ci.relname = left(cr.relname || '_' || hi.relname, 63)) DESC,
              hi.indexrelid
), index_map AS (
    SELECT b.chunk_index, b.chunk, b.hypertable_index, b.indisvalid, b.relpages
      FROM by_number b WHERE b.twins = 1
    UNION ALL
    SELECT * FROM look_alike
    UNION ALL
    SELECT * FROM by_name
)
