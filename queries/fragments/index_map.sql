-- Fragment: maps each chunk index of the hypertables in `hyper` (oid, has_dropped: whether to
-- match its chunks' indexes by column names, as a dropped column may renumber them; it must come
-- before) to the hypertable index it was created from. Catalog reads only, and no chunk_index
-- catalog (dropped in 2.22). An index's definition, as TimescaleDB copies it to each chunk:
-- uniqueness, key attribute numbers, operator classes, options, expressions and predicate.
-- Cases, cheapest first:
--   * the same definition as exactly one index of its hypertable: that one (exact while the
--     hypertable never had a column dropped, so chunk and hypertable number their columns
--     alike);
--   * several identical hypertable indexes: paired by rank, the k-th oldest of them with each
--     chunk's k-th oldest index of that definition (TimescaleDB makes a chunk's indexes in its
--     hypertable's order, and a new hypertable index on every chunk at once); joined on the
--     rank, so 500 look-alikes on 30 chunks are 15,000 pairs, not 7.5 million;
--   * a hypertable with dropped columns: matched by key column names instead of numbers;
--   * an expression or predicate whose text matches none: TimescaleDB builds chunk indexes from
--     the planner's folded form ('0.5'::double precision where the hypertable's index keeps
--     (0.5)::double precision), so the same definition can read differently. Matched by the
--     rest of the definition and TimescaleDB's chunk index name, else the oldest look-alike.
-- chunk_indexes.sql settles the first case for every hypertable at once, and this fragment
-- the rest for the few hypertables that need it (index_structure.sql); the Indexes drill-down
-- (index_chunks.sql) reads one hypertable index's chunk indexes with it.
chunk AS MATERIALIZED (
    SELECT i.inhrelid AS oid, i.inhparent AS parent, h.has_dropped
      FROM pg_catalog.pg_inherits i
      JOIN hyper h ON h.oid = i.inhparent
), head AS MATERIALIZED (
    -- the hypertables' own indexes, with the number of look-alikes on the same hypertable
    SELECT x.indexrelid, x.indrelid, c.relname, x.indisunique, x.indkey::int2[] AS keys,
           x.indclass, x.indoption::int2[] AS options,
           coalesce(x.indexprs::text, '') AS exprs, coalesce(x.indpred::text, '') AS pred,
           count(*) OVER (PARTITION BY x.indrelid, x.indisunique, x.indkey::int2[], x.indclass,
                          x.indoption::int2[], coalesce(x.indexprs::text, ''),
                          coalesce(x.indpred::text, '')) AS twins
      FROM pg_catalog.pg_index x
      JOIN hyper h ON h.oid = x.indrelid
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
), by_number AS (
    -- the common case: one hypertable index with the same definition
    SELECT x.indexrelid AS chunk_index, x.indrelid AS chunk, hd.indexrelid AS hypertable_index,
           x.indisvalid, c.relpages
      FROM pg_catalog.pg_index x
      JOIN chunk ch ON ch.oid = x.indrelid AND NOT ch.has_dropped
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
      JOIN head hd ON hd.indrelid = ch.parent AND hd.twins = 1
                  AND hd.indisunique = x.indisunique AND hd.keys = x.indkey::int2[]
                  AND hd.indclass = x.indclass AND hd.options = x.indoption::int2[]
                  AND hd.exprs = coalesce(x.indexprs::text, '')
                  AND hd.pred = coalesce(x.indpred::text, '')
), ranked_head AS (
    SELECT hd.*, row_number() OVER (PARTITION BY hd.indrelid, hd.indisunique, hd.keys, hd.indclass,
                                                 hd.options, hd.exprs, hd.pred
                                    ORDER BY hd.indexrelid) AS rank
      FROM head hd
     WHERE hd.twins > 1
), ranked_chunk AS (
    SELECT x.indexrelid, x.indrelid, ch.parent, x.indisunique, x.indkey::int2[] AS keys,
           x.indclass, x.indoption::int2[] AS options,
           coalesce(x.indexprs::text, '') AS exprs, coalesce(x.indpred::text, '') AS pred,
           x.indisvalid, c.relpages,
           row_number() OVER (PARTITION BY x.indrelid, x.indisunique, x.indkey::int2[], x.indclass,
                                           x.indoption::int2[], coalesce(x.indexprs::text, ''),
                                           coalesce(x.indpred::text, '')
                              ORDER BY x.indexrelid) AS rank
      FROM chunk ch
      JOIN pg_catalog.pg_index x ON x.indrelid = ch.oid
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
     WHERE NOT ch.has_dropped
       AND ch.parent IN (SELECT t.indrelid FROM ranked_head t)
), look_alike AS (
    -- each chunk index beside the look-alike of the same rank, by a window over both sides
    -- rather than a join: with the catalog's statistics stale (15,000 indexes made a moment
    -- ago) the planner took a nested loop over every pair, 7.5 million of them
    SELECT s.indexrelid AS chunk_index, s.indrelid AS chunk, s.hypertable_index, s.indisvalid,
           s.relpages
      FROM (SELECT u.*,
                   max(u.head) OVER (PARTITION BY u.parent, u.indisunique, u.keys, u.indclass,
                                                  u.options, u.exprs, u.pred, u.rank)
                     AS hypertable_index
              FROM (SELECT hd.indexrelid AS head, NULL::oid AS indexrelid, NULL::oid AS indrelid,
                           hd.indrelid AS parent, hd.indisunique, hd.keys, hd.indclass,
                           hd.options, hd.exprs, hd.pred, NULL::bool AS indisvalid,
                           NULL::int4 AS relpages, hd.rank
                      FROM ranked_head hd
                    UNION ALL
                    SELECT NULL, x.indexrelid, x.indrelid, x.parent, x.indisunique, x.keys,
                           x.indclass, x.options, x.exprs, x.pred, x.indisvalid, x.relpages,
                           x.rank
                      FROM ranked_chunk x) u) s
     WHERE s.indexrelid IS NOT NULL AND s.hypertable_index IS NOT NULL
), unmatched AS MATERIALIZED (
    -- chunk indexes with an expression or predicate that no hypertable index has as text; only
    -- the chunks of hypertables that have such an index are looked at (most have none)
    SELECT x.indexrelid, x.indrelid, ch.parent, c.relname, x.indisunique, x.indisvalid,
           c.relpages, x.indkey::int2[] AS keys, x.indclass, x.indoption::int2[] AS options,
           x.indexprs IS NOT NULL AS has_exprs, x.indpred IS NOT NULL AS has_pred
      FROM (SELECT DISTINCT hd.indrelid FROM head hd WHERE hd.exprs <> '' OR hd.pred <> '') s
      JOIN chunk ch ON ch.parent = s.indrelid AND NOT ch.has_dropped
     CROSS JOIN LATERAL (SELECT i.* FROM pg_catalog.pg_index i
                          WHERE i.indrelid = ch.oid
                            AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)) x
      JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
     WHERE NOT EXISTS (SELECT 1 FROM head hd
                        WHERE hd.indrelid = ch.parent AND hd.indisunique = x.indisunique
                          AND hd.keys = x.indkey::int2[] AND hd.indclass = x.indclass
                          AND hd.options = x.indoption::int2[]
                          AND hd.exprs = coalesce(x.indexprs::text, '')
                          AND hd.pred = coalesce(x.indpred::text, ''))
), by_shape AS (
    SELECT DISTINCT ON (u.indexrelid) u.indexrelid AS chunk_index, u.indrelid AS chunk,
           hd.indexrelid AS hypertable_index, u.indisvalid, u.relpages
      FROM unmatched u
      JOIN pg_catalog.pg_class cr ON cr.oid = u.indrelid
      JOIN head hd ON hd.indrelid = u.parent AND hd.indisunique = u.indisunique
                  AND hd.keys = u.keys AND hd.indclass = u.indclass AND hd.options = u.options
                  AND (hd.exprs <> '') = u.has_exprs AND (hd.pred <> '') = u.has_pred
     ORDER BY u.indexrelid, (u.relname = left(cr.relname || '_' || hd.relname, 63)) DESC,
              hd.indexrelid
), named AS (
    -- key columns by name, expressions and predicate as text: only for dropped-column cases
    SELECT i.indexrelid, i.indrelid, c.relname, i.indisunique, i.indclass,
           i.indoption::int2[] AS options, i.indisvalid, c.relpages,
--@include index_key_names
                                                                AS key_names,
           pg_catalog.pg_get_expr(i.indexprs, i.indrelid)       AS exprs,
           pg_catalog.pg_get_expr(i.indpred, i.indrelid)        AS pred
      FROM (SELECT h.oid FROM hyper h WHERE h.has_dropped
            UNION ALL
            SELECT ch.oid FROM chunk ch WHERE ch.has_dropped) t
     -- LATERAL: look up the few tables' indexes rather than scan every index
     CROSS JOIN LATERAL (SELECT x.* FROM pg_catalog.pg_index x WHERE x.indrelid = t.oid) i
      JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
), by_name AS (
    SELECT DISTINCT ON (ci.indexrelid) ci.indexrelid AS chunk_index, ci.indrelid AS chunk,
           hi.indexrelid AS hypertable_index, ci.indisvalid, ci.relpages
      FROM named ci
      JOIN chunk ch ON ch.oid = ci.indrelid
      JOIN pg_catalog.pg_class cr ON cr.oid = ci.indrelid
      JOIN named hi ON hi.indrelid = ch.parent AND hi.indisunique = ci.indisunique
                   AND hi.indclass = ci.indclass AND hi.options = ci.options
                   AND hi.key_names = ci.key_names
                   AND (hi.exprs IS NULL) = (ci.exprs IS NULL)
                   AND (hi.pred IS NULL) = (ci.pred IS NULL)
     -- the same text first, then TimescaleDB's name (the text differs when folded), the oldest
     ORDER BY ci.indexrelid,
              (hi.exprs IS NOT DISTINCT FROM ci.exprs AND hi.pred IS NOT DISTINCT FROM ci.pred
               AND ci.relname = left(cr.relname || '_' || hi.relname, 63)) DESC,
              (ci.relname = left(cr.relname || '_' || hi.relname, 63)) DESC,
              (hi.exprs IS NOT DISTINCT FROM ci.exprs AND hi.pred IS NOT DISTINCT FROM ci.pred) DESC,
              hi.indexrelid
), index_map AS (
    SELECT * FROM by_number
    UNION ALL
    SELECT * FROM look_alike
    UNION ALL
    SELECT * FROM by_name
    UNION ALL
    SELECT * FROM by_shape
)
