-- Functions named as TimescaleDB's ($1) in its schema that are not its own: in a schema others
-- may create in, one of them could be a better match for a call and run as the caller.
SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p
 WHERE p.pronamespace = (SELECT e.extnamespace FROM pg_catalog.pg_extension e
                          WHERE e.extname = 'timescaledb')
   AND p.proname = ANY ($1::text[])
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
                      AND d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.deptype = 'e')
