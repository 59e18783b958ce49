-- What a generic plan could run: planning folds and estimates with IMMUTABLE and STABLE
-- functions (in views, defaults, policies and inlined SQL functions too), so one a user wrote
-- would run with hypertop's rights. Those refuse the plan: every one made after initdb, except
-- an extension's that a superuser owns (the owner of a trusted extension, who need not be one,
-- can ALTER EXTENSION … ADD a function of their own; it stays theirs).
SELECT p.oid::pg_catalog.regprocedure::text AS function, count(*) OVER ()::int8 AS count
  FROM pg_catalog.pg_proc p
  JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
 WHERE p.oid >= 16384  -- FirstNormalObjectId: below it, what initdb made
   AND p.provolatile IN ('i', 's')
   AND NOT (o.rolsuper
            AND EXISTS (SELECT FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                           AND d.objid = p.oid AND d.deptype = 'e'))
 ORDER BY 1
 LIMIT 3
