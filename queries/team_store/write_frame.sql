-- A frame, unless this target's minute is already stored (another recorder's): a row back
-- says this one was written (its samples go with it).
INSERT INTO hypertop.frame (system_identifier, database_oid, minute, at, names, bodies, recorder)
VALUES ($1::text, $2::bigint, date_trunc('minute', $3::timestamptz), $3::timestamptz, $4::text[],
        $5::bytea[], $6::text)
ON CONFLICT (system_identifier, database_oid, minute) DO NOTHING
RETURNING minute
