-- The store's two group roles, made where missing (a login is then granted one of them):
-- writers append and prune, readers read.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'hypertop_store_writer') THEN
        CREATE ROLE hypertop_store_writer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'hypertop_store_reader') THEN
        CREATE ROLE hypertop_store_reader NOLOGIN;
    END IF;
END
$$
