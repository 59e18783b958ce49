-- A value this login keeps for one target ($1, $2) as a reader of one identity ($3): its name,
-- when (ms since 1970) and its bytes (what it kept under that name deleted first, in the same
-- transaction: kept_forget.sql).
INSERT INTO hypertop.kept (system_identifier, database_oid, identity, name, at, value)
VALUES ($1::text, $2::bigint, $3::text, $4::text, pg_catalog.to_timestamp($5::bigint / 1000.0), $6::bytea)
