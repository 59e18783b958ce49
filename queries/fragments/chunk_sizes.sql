-- Fragment: one row per chunk (primary dimension), sizes estimated from pg_class.relpages (as fresh
-- as the last VACUUM/ANALYZE) plus TimescaleDB's compression snapshot. Catalog reads only: no size
-- function, no relation opened, whatever the number of chunks. MATERIALIZED and index-driven
-- lookups: TimescaleDB's catalog often has no statistics, and a planner that expects one chunk
-- would otherwise repeat whole-catalog work per chunk.
chunk_sizes AS MATERIALIZED (
    SELECT c.hypertable_schema::text                              AS hypertable_schema,
           c.hypertable_name::text                                AS hypertable_name,
           c.chunk_schema::text                                   AS chunk_schema,
           c.chunk_name::text                                     AS chunk_name,
           c.range_start, c.range_end, c.range_start_integer, c.range_end_integer,
           c.is_compressed,
           -- chunk_creation_time exists from 2.13.0; read through jsonb so older versions still work
           (to_jsonb(c) ->> 'chunk_creation_time')::timestamptz   AS created,
           (coalesce(r.relpages, 0)::bigint * bs.b
               + coalesce(s.compressed_heap_size, 0))::bigint     AS heap_bytes,
           (coalesce((SELECT sum(ic.relpages)
                        FROM pg_catalog.pg_index i
                        JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
                       WHERE i.indrelid = r.oid), 0)::bigint * bs.b
               + coalesce(s.compressed_index_size, 0))::bigint    AS index_bytes,
           (coalesce(t.relpages, 0)::bigint * bs.b
               + coalesce(s.compressed_toast_size, 0))::bigint    AS toast_bytes,
           s.uncompressed_total_size::bigint                      AS before_bytes,
           s.compressed_total_size::bigint                        AS after_bytes
      FROM timescaledb_information.chunks c
      CROSS JOIN (SELECT current_setting('block_size')::bigint AS b) bs
      LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = c.chunk_schema
      LEFT JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = c.chunk_name
      LEFT JOIN pg_catalog.pg_class t ON t.oid = r.reltoastrelid
      LEFT JOIN _timescaledb_internal.compressed_chunk_stats s
             ON s.chunk_schema = c.chunk_schema AND s.chunk_name = c.chunk_name
                AND s.compression_status = 'Compressed'
)
