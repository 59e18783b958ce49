-- The frame of one target at $3 or last before it, its sections' names and values in order.
SELECT f.at, f.names, (SELECT pg_catalog.array_agg(b.value ORDER BY h.pos)
                         FROM pg_catalog.unnest(f.bodies) WITH ORDINALITY AS h (hash, pos)
                         JOIN hypertop.body b
                           ON b.system_identifier = f.system_identifier
                          AND b.database_oid = f.database_oid
                          AND b.period = pg_catalog.to_timestamp(
                                  pg_catalog.floor(pg_catalog.date_part('epoch', f.minute) / 21600) * 21600)
                          AND b.hash = h.hash) AS bodies
  FROM hypertop.frame f
 WHERE f.system_identifier = $1::text AND f.database_oid = $2::bigint AND f.at <= $3::timestamptz
 ORDER BY f.minute DESC
 LIMIT 1
