-- A second layer behind the planning session's boundary (plan_boundary.sql): functions a user
-- wrote that planning is known to run. IMMUTABLE and STABLE ones are folded and evaluated for
-- estimates (in views, defaults, policies and inlined SQL functions too); an operator's
-- function and its estimators, and a range type's canonical and subtype_diff functions, run
-- whatever their volatility. Every one made after initdb counts, except an extension's that a
-- superuser owns (the owner of a trusted extension, who need not be one, can ALTER EXTENSION …
-- ADD a function of their own; it stays theirs).
WITH called AS (
  SELECT p.oid FROM pg_catalog.pg_proc p WHERE p.provolatile IN ('i', 's')
  UNION SELECT o.oprcode FROM pg_catalog.pg_operator o
  UNION SELECT o.oprrest FROM pg_catalog.pg_operator o
  UNION SELECT o.oprjoin FROM pg_catalog.pg_operator o
  UNION SELECT r.rngcanonical FROM pg_catalog.pg_range r
  UNION SELECT r.rngsubdiff FROM pg_catalog.pg_range r
)
SELECT p.oid::pg_catalog.regprocedure::text AS function, count(*) OVER ()::int8 AS count
  FROM called c
  JOIN pg_catalog.pg_proc p ON p.oid = c.oid
  JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
 WHERE p.oid >= 16384  -- FirstNormalObjectId: below it, what initdb made
   AND NOT (o.rolsuper
            AND EXISTS (SELECT FROM pg_catalog.pg_depend d
                         WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                           AND d.objid = p.oid AND d.deptype = 'e'))
 ORDER BY 1
 LIMIT 3
