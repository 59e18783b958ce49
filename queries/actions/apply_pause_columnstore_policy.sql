-- Policies as code: pause the columnstore policy just added to the hypertable $1 (its oid), in
-- the transaction that added it, when the file has it paused ($2 false); nothing otherwise.
SELECT {ts}.alter_job(j.job_id, scheduled => false)
  FROM timescaledb_information.jobs j
  JOIN pg_catalog.pg_class c ON c.oid = $1::text::oid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE j.proc_name = 'policy_compression' AND NOT $2::text::bool
   AND (j.hypertable_schema, j.hypertable_name) = (n.nspname, c.relname)
