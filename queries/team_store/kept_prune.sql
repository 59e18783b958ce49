-- What this login kept for the same target ($1, $2) as a reader of another identity before $4 (ms
-- since 1970): a restart's, another build's, a role that reads now and then; let go a day after
-- (as the local recording).
DELETE FROM hypertop.kept
 WHERE system_identifier = $1::text AND database_oid = $2::bigint
   AND written_by = session_user AND identity <> $3::text
   AND at < pg_catalog.to_timestamp($4::bigint / 1000.0)
