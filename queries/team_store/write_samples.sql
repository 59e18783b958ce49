-- The samples of the frame written ($3 series, $4 seconds since 1970, $5 values, in step): a
-- value of the same series and second replaces the one there.
INSERT INTO hypertop.sample (system_identifier, database_oid, series, at, value)
SELECT $1::text, $2::bigint, s.series, pg_catalog.to_timestamp(s.at), s.value
  FROM ROWS FROM (pg_catalog.unnest($3::text[]), pg_catalog.unnest($4::float8[]),
                 pg_catalog.unnest($5::float8[])) AS s (series, at, value)
ON CONFLICT (system_identifier, database_oid, series, at) DO UPDATE SET value = excluded.value
