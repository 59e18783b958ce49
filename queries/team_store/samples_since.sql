-- One target's samples from $3 (seconds since 1970) on, and before it the latest of each series
-- that carries its value forward ($4: those series' key prefixes), oldest first.
SELECT series, at_s, value FROM (
    SELECT series, pg_catalog.date_part('epoch', at)::bigint AS at_s, value
      FROM hypertop.sample
     WHERE system_identifier = $1::text AND database_oid = $2::bigint
       AND at >= pg_catalog.to_timestamp($3::float8)
    UNION ALL
    (SELECT DISTINCT ON (series) series, pg_catalog.date_part('epoch', at)::bigint, value
       FROM hypertop.sample
      WHERE system_identifier = $1::text AND database_oid = $2::bigint
        AND at < pg_catalog.to_timestamp($3::float8)
        AND pg_catalog.split_part(series, '/', 1) = ANY ($4::text[])
      ORDER BY series, at DESC)
) s
ORDER BY at_s
