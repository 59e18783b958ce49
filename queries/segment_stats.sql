-- Each compressed hypertable's segmentby columns and how many distinct values each has in one
-- chunk: of its three chunks with the most rows (full chunks, as compression sees them), the
-- first with statistics. A compressed chunk's rows are the count compression recorded (its own
-- table is empty, `reltuples` -1), its statistics those ANALYZE left from before. From
-- pg_statistic when this role may read it, else pg_stats (only what this role may read), a
-- chunk's own statistics (not inherited). Read every few minutes, apart from the catalog's
-- structure: ANALYZE changes neither the relations nor their files. Takes the
-- `segmentby`, `chunk_table` and `segment_probe` fragments. $1 int4[]: the hypertables
-- to read (their chunks moved since), or NULL for every one, read through subqueries: the
-- plan is then the same for any value, and the session keeps one after the fifth read. With
-- the value seen, every read was planned anew (2.1-2.3 ms of planning for a 0.9 ms run of one
-- hypertable at 21k chunks, 74 ms for every one where the kept plan takes 66).
WITH
-- each hypertable's segmentby columns in order, those asked for alone (their names looked up,
-- not every hypertable's: a hypertable's run 2.3 → 1.4 ms at 21k chunks)
--@include segmentby
-- each hypertable's three chunks with the most rows, fullest first: one pass over the chunks
-- and pg_class (not one per hypertable)
, ranked AS MATERIALIZED (
    SELECT hypertable_id, array_agg(oid ORDER BY rank) AS chunks,
           array_agg(nspname ORDER BY rank) AS schemas,
           array_agg(relname ORDER BY rank) AS names, array_agg(reltuples ORDER BY rank) AS rows
      FROM (SELECT ch.hypertable_id, r.oid, rn.nspname::text, r.relname::text, x.reltuples,
                   row_number() OVER (PARTITION BY ch.hypertable_id
                                      ORDER BY x.reltuples DESC) AS rank
              FROM _timescaledb_catalog.chunk ch
--@include chunk_table
              JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
              LEFT JOIN _timescaledb_catalog.compression_chunk_size cs ON cs.chunk_id = ch.id
             CROSS JOIN LATERAL (SELECT greatest(r.reltuples::float8, cs.numrows_pre_compression)
                                        AS reltuples) x
             WHERE ch.hypertable_id IN (SELECT hypertable_id FROM segmentby)
               AND x.reltuples > 0) all_chunks
     WHERE rank <= 3
     GROUP BY hypertable_id
)
SELECT h.id AS hypertable_id, h.schema_name::text AS schema, h.table_name::text AS name,
       best.chunk_schema, best.chunk_name, best.reltuples AS rows, s.columns AS segmentby,
       best.columns, best.n_distinct
  FROM segmentby s
  JOIN _timescaledb_catalog.hypertable h ON h.id = s.hypertable_id
  JOIN ranked k ON k.hypertable_id = s.hypertable_id
 CROSS JOIN LATERAL (
    -- the candidates in rank order, probed one at a time until one has statistics: the limit
    -- stops the scan of the unnested arrays, so the fullest chunk's probe is usually the only
    -- one
    SELECT c.chunk_schema, c.chunk_name, c.reltuples, st.columns, st.n_distinct
      FROM unnest(k.chunks, k.schemas, k.names, k.rows)
          AS c(chunk, chunk_schema, chunk_name, reltuples)
     CROSS JOIN LATERAL (
--@include segment_probe
     ) st
     WHERE st.columns IS NOT NULL
     LIMIT 1
 ) best
