-- A value kept for the next one-shot read of an identity, in place of what was.
INSERT INTO hypertop.kept (identity, name, at, value)
VALUES ($1::text, $2::text, pg_catalog.to_timestamp($3::float8 / 1000), $4::bytea)
ON CONFLICT (identity, name) DO UPDATE SET at = excluded.at, value = excluded.value
