-- The store's group roles ($1) that are not what --init-store makes: one that may log in, a
-- superuser, one that bypasses row security or creates roles, or one given another role.
SELECT r.rolname::text FROM pg_catalog.pg_roles r
 WHERE r.rolname = ANY ($1::text[])
   AND (r.rolcanlogin OR r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb
        OR EXISTS (SELECT FROM pg_catalog.pg_auth_members m WHERE m.member = r.oid))
