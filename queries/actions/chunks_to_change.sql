-- Chunks of hypertable $1.$2 in compression state $3 (true: compressed), optionally only those
-- entirely older ($4 = 'older') or newer ($4 = 'newer') than now() - $5; on an integer time
-- column $5 is NULL and the threshold a number $6 counted back from its "now" $7; oldest first.
SELECT pg_catalog.format('%I.%I', c.chunk_schema, c.chunk_name)::regclass::oid AS oid,
       c.chunk_schema::text AS schema, c.chunk_name::text AS name
  FROM timescaledb_information.chunks c
 WHERE (c.hypertable_schema, c.hypertable_name) = ($1, $2)
   AND c.is_compressed = $3::text::bool
   AND CASE $4::text
         WHEN 'older' THEN coalesce(c.range_end <= now() - $5::text::interval,
                                    c.range_end_integer <= $7::text::bigint - $6::text::bigint)
         WHEN 'newer' THEN coalesce(c.range_start >= now() - $5::text::interval,
                                    c.range_start_integer >= $7::text::bigint - $6::text::bigint)
         ELSE true END
 ORDER BY c.range_start NULLS FIRST, c.range_start_integer
