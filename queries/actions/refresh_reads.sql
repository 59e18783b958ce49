-- What refreshing a continuous aggregate reads of its source ($1 schema, $2 name: a hypertable,
-- or a parent cagg's materialization hypertable): its chunks overlapping the window [$3, $4)
-- (times, or integers when $6; NULL open) with their rows (the planner's count; a compressed
-- chunk's, its count before compression) and bytes (the catalog's pages, taking no lock; a
-- compressed chunk's, compressed); how
-- many overlap [$5, $3), the part below the window down to the watermark, which a refresh of
-- the window alone leaves unmaterialized; and where the source's data starts (internal units:
-- µs since the epoch, or the integer).
WITH chunk AS (
    SELECT pg_catalog.format('%I.%I', c.chunk_schema, c.chunk_name)::regclass::oid AS oid,
           c.is_compressed,
           CASE WHEN $6::text::bool THEN c.range_start_integer
                ELSE (extract(epoch FROM c.range_start) * 1000000)::int8 END AS range_start,
           CASE WHEN $6::text::bool
                THEN c.range_end_integer > coalesce($3::text::int8, -9223372036854775808)
                 AND c.range_start_integer < coalesce($4::text::int8, 9223372036854775807)
                ELSE c.range_end > coalesce($3::text::timestamptz, '-infinity')
                 AND c.range_start < coalesce($4::text::timestamptz, 'infinity') END AS in_window,
           CASE WHEN $6::text::bool
                THEN c.range_end_integer > $5::text::int8 AND c.range_start_integer < $3::text::int8
                ELSE c.range_end > $5::text::timestamptz AND c.range_start < $3::text::timestamptz
           END AS in_gap
      FROM timescaledb_information.chunks c
     WHERE (c.hypertable_schema, c.hypertable_name) = ($1, $2)
), stats AS (
    SELECT pg_catalog.format('%I.%I', s.chunk_schema, s.chunk_name)::regclass::oid AS oid,
           s.after_compression_total_bytes AS compressed_bytes
      FROM {ts}.{chunk_stats}(pg_catalog.format('%I.%I', $1::text, $2::text)::regclass) s
     WHERE s.compression_status = 'Compressed'
), sized AS (
    SELECT k.*,
           CASE WHEN k.is_compressed
                THEN coalesce((SELECT z.numrows_pre_compression
                                 FROM _timescaledb_catalog.compression_chunk_size z
                                 JOIN _timescaledb_catalog.chunk ch ON ch.id = z.chunk_id
                                WHERE coalesce((to_jsonb(ch) ->> 'relid')::regclass::oid,
                                               pg_catalog.format('%I.%I', to_jsonb(ch) ->> 'schema_name',
                                                                 to_jsonb(ch) ->> 'table_name')::regclass::oid)
                                      = k.oid), 0)
                ELSE greatest(cl.reltuples, 0)::int8 END AS rows,
           coalesce(st.compressed_bytes,
                    (SELECT sum(r.relpages)::int8 * pg_catalog.current_setting('block_size')::int8
                       FROM pg_catalog.pg_class r
                      WHERE r.oid = k.oid
                         OR r.oid = cl.reltoastrelid
                         OR r.oid IN (SELECT i.indexrelid FROM pg_catalog.pg_index i
                                       WHERE i.indrelid = k.oid))) AS bytes
      FROM chunk k
      JOIN pg_catalog.pg_class cl ON cl.oid = k.oid
      LEFT JOIN stats st ON st.oid = k.oid
)
SELECT count(*) FILTER (WHERE in_window)                     AS chunks,
       coalesce(sum(rows) FILTER (WHERE in_window), 0)::int8   AS rows,
       coalesce(sum(bytes) FILTER (WHERE in_window), 0)::int8  AS bytes,
       count(*) FILTER (WHERE in_gap)                        AS gap_chunks,
       min(range_start) FILTER (WHERE range_start > -9223372036854775808) AS data_start
  FROM sized
