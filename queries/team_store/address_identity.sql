-- The server and database an address was last found to be.
SELECT system_identifier, database_oid, server FROM hypertop.target
 WHERE address = $1::text
 ORDER BY last_at DESC
 LIMIT 1
