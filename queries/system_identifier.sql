-- The cluster's identity, asked only of a login that may call pg_control_system().
SELECT system_identifier::text AS system_identifier FROM pg_catalog.pg_control_system()
