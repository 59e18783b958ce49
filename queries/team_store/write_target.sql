-- The address a recorder reached, as the server and database it found there.
INSERT INTO hypertop.target (address, system_identifier, database_oid, server, first_at, last_at)
VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::timestamptz, $5::timestamptz)
ON CONFLICT (address, system_identifier, database_oid)
DO UPDATE SET last_at = GREATEST(hypertop.target.last_at, excluded.last_at)
