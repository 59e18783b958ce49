-- What this login kept for one target ($1, $2) as a reader of one identity ($3) under a name
-- ($4), before it keeps it again (keep.sql).
DELETE FROM hypertop.kept
 WHERE system_identifier = $1::text AND database_oid = $2::bigint
   AND written_by = session_user AND identity = $3::text AND name = $4::text
