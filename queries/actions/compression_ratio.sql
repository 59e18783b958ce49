-- A hypertable's compression ratio so far ($1 schema, $2 name): its compressed chunks' bytes
-- before compression over after; NULL while none is compressed.
SELECT (sum(s.before_compression_total_bytes)::float8
        / nullif(sum(s.after_compression_total_bytes), 0))::float8 AS ratio
  FROM {ts}.{chunk_stats}(pg_catalog.format('%I.%I', $1::text, $2::text)::regclass) s
 WHERE s.compression_status = 'Compressed'
