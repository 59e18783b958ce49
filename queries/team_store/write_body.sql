-- A section's value under its SHA-256 ($4) for its target and the frame's period ($3): sent once
-- a period each (another recorder's copy of it stands).
INSERT INTO hypertop.body (system_identifier, database_oid, period, hash, value)
VALUES ($1::text, $2::bigint, $3::timestamptz, $4::bytea, $5::text)
ON CONFLICT DO NOTHING
