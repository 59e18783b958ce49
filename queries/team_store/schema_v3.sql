-- Version 3: what one-shot reads and recorders keep for the next read of the same target
-- (`check`, `snapshot`, an exporter's session, `record`: the catalog's structure, the sizes, the
-- probes), by target, by the store login that wrote it and by the reader's own identity
-- (queries/kept_identity.sql and its build). A reader takes only what its own login wrote (the
-- local recording's owner rule, as logins): a writer cannot set whose a row is (the default is
-- its login, and it may not write that column) nor change a row (no UPDATE: it deletes its own
-- and inserts again), so that no other login's values reach its reads.
CREATE TABLE hypertop.kept (
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    written_by text NOT NULL DEFAULT session_user,
    identity text NOT NULL,
    name text NOT NULL,
    at timestamptz NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (system_identifier, database_oid, written_by, identity, name)
);
GRANT INSERT (system_identifier, database_oid, identity, name, at, value), DELETE
   ON hypertop.kept TO hypertop_store_writer;
