-- Every frame's time of one target, oldest first.
SELECT at FROM hypertop.frame
 WHERE system_identifier = $1::text AND database_oid = $2::bigint
 ORDER BY minute
