-- Whether this session may plan a statement of role $1 (its oid): planning runs code the
-- statement's author wrote (operators, estimators, functions folded or evaluated), and that
-- code can leave any role it was given for the session's own (RESET ROLE), so the session's
-- authenticated user must hold no more than the author. It is the author itself, or a login
-- that is no superuser, has no attribute the author lacks, can use no role the author cannot,
-- and owns and is granted nothing of its own (pg_shdepend records every owner, grant and
-- policy naming a role, in every database).
WITH login AS (
  SELECT r.* FROM pg_catalog.pg_roles r WHERE r.rolname = pg_catalog.session_user()
), author AS (
  SELECT r.* FROM pg_catalog.pg_roles r WHERE r.oid = $1::pg_catalog.int8::pg_catalog.oid
)
SELECT l.rolname::text AS login,
       a.rolname::text AS author,
       l.rolsuper AS superuser,
       l.oid = a.oid AS same,
       pg_catalog.array_remove(ARRAY[
         CASE WHEN l.rolcreaterole AND NOT a.rolcreaterole THEN 'CREATEROLE' END,
         CASE WHEN l.rolcreatedb AND NOT a.rolcreatedb THEN 'CREATEDB' END,
         CASE WHEN l.rolreplication AND NOT a.rolreplication THEN 'REPLICATION' END,
         CASE WHEN l.rolbypassrls AND NOT a.rolbypassrls THEN 'BYPASSRLS' END
       ], NULL) AS attributes,
       ARRAY(SELECT x.rolname::text
               FROM pg_catalog.pg_roles x
              WHERE x.oid <> l.oid AND x.oid <> a.oid
                AND pg_catalog.pg_has_role(l.oid, x.oid, 'MEMBER')
                AND NOT pg_catalog.pg_has_role(a.oid, x.oid, 'MEMBER')
              ORDER BY 1 LIMIT 5) AS roles,
       (SELECT count(*) FROM pg_catalog.pg_shdepend d
         WHERE d.refclassid = 'pg_catalog.pg_authid'::pg_catalog.regclass
           AND d.refobjid = l.oid)::int8 AS holds,
       pg_catalog.pg_has_role(l.oid, a.oid, 'MEMBER') AS member
  FROM login l
  LEFT JOIN author a ON true
