-- A value kept for one target ($1, $2) by readers of one identity ($3): its name, when (ms since
-- 1970) and its bytes, in place of what was.
INSERT INTO hypertop.kept (system_identifier, database_oid, identity, name, at, value)
VALUES ($1::text, $2::bigint, $3::text, $4::text, pg_catalog.to_timestamp($5::bigint / 1000.0), $6::bytea)
ON CONFLICT (system_identifier, database_oid, identity, name)
DO UPDATE SET at = excluded.at, value = excluded.value
