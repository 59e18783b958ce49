-- What this login kept for one target ($1, $2) as a reader of one identity ($3): each value's
-- name, when it was written (ms since 1970) and its bytes.
SELECT name, (pg_catalog.date_part('epoch', at) * 1000)::bigint AS at_ms, value
  FROM hypertop.kept
 WHERE system_identifier = $1::text AND database_oid = $2::bigint
   AND written_by = session_user AND identity = $3::text
 ORDER BY name
