-- What a one-shot read kept for the next, for one identity.
SELECT name, (pg_catalog.date_part('epoch', at) * 1000)::bigint AS at_ms, value
  FROM hypertop.kept WHERE identity = $1::text ORDER BY name
