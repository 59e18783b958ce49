-- Chunks of hypertable $1.$2 in compression state $3 (true: compressed), oldest first, each
-- with whether it is selected — all, or only those entirely older ($4 = 'older') or newer
-- ($4 = 'newer') than now() - $5; on an integer time column $5 is NULL and the threshold a
-- number $6 counted back from its "now" $7 — whether it is live (its range reaches now, or it
-- is the newest chunk: the one being written), whether it ends before a compressed chunk (one
-- left among them), and its bytes with its indexes and TOAST as pg_total_relation_size counts
-- them (the same number the Compression tab shows) — but never waiting on a lock: a relation
-- behind an ACCESS EXCLUSIVE lock counts the pages the catalog last noted; a compressed chunk's,
-- compressed, with its size before.
WITH
--@include busy_relations
, chunk AS (
    SELECT pg_catalog.format('%I.%I', c.chunk_schema, c.chunk_name)::regclass::oid AS oid,
           c.chunk_schema::text AS schema, c.chunk_name::text AS name,
           CASE $4::text
             WHEN 'older' THEN coalesce(c.range_end <= now() - $5::text::interval,
                                        c.range_end_integer <= $7::text::bigint - $6::text::bigint)
             WHEN 'newer' THEN coalesce(c.range_start >= now() - $5::text::interval,
                                        c.range_start_integer >= $7::text::bigint - $6::text::bigint)
             ELSE true END AS selected,
           coalesce(c.range_end > now(), c.range_end_integer > $7::text::bigint, false)
             OR c.range_start IS NOT DISTINCT FROM
                (SELECT max(n.range_start) FROM timescaledb_information.chunks n
                  WHERE (n.hypertable_schema, n.hypertable_name) = ($1, $2))
                AND c.range_start_integer IS NOT DISTINCT FROM
                (SELECT max(n.range_start_integer) FROM timescaledb_information.chunks n
                  WHERE (n.hypertable_schema, n.hypertable_name) = ($1, $2)) AS live,
           coalesce(c.range_end <= (SELECT max(n.range_end) FROM timescaledb_information.chunks n
                                     WHERE (n.hypertable_schema, n.hypertable_name) = ($1, $2)
                                       AND n.is_compressed),
                    c.range_end_integer <= (SELECT max(n.range_end_integer)
                                              FROM timescaledb_information.chunks n
                                             WHERE (n.hypertable_schema, n.hypertable_name) = ($1, $2)
                                               AND n.is_compressed),
                    false) AS before_compressed,
           c.is_compressed, c.range_start, c.range_start_integer
      FROM timescaledb_information.chunks c
     WHERE (c.hypertable_schema, c.hypertable_name) = ($1, $2)
       AND c.is_compressed = $3::text::bool
), stats AS (
    SELECT pg_catalog.format('%I.%I', s.chunk_schema, s.chunk_name)::regclass::oid AS oid,
           s.before_compression_total_bytes AS before, s.after_compression_total_bytes AS after
      FROM {ts}.{chunk_stats}(pg_catalog.format('%I.%I', $1::text, $2::text)::regclass) s
     WHERE s.compression_status = 'Compressed'
)
SELECT k.oid, k.schema, k.name, k.selected, k.live, k.before_compressed,
       coalesce(st.after, pages.bytes)::int8 AS bytes,
       coalesce(st.before, pages.bytes)::int8 AS bytes_before
  FROM chunk k
  LEFT JOIN stats st ON st.oid = k.oid
--@include total_bytes_of_k
 ORDER BY k.range_start NULLS FIRST, k.range_start_integer
