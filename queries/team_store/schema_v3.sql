-- Version 3: what one-shot reads and recorders keep for the next read of the same target
-- (`check`, `snapshot`, an exporter's session, `record`: the catalog's structure, the sizes, the
-- probes), by target and the reader's own identity (queries/kept_identity.sql and its build), so
-- that a read on any bastion starts from what the team's recorder last kept. A plain table: a
-- value is replaced in place, a row a value.
CREATE TABLE hypertop.kept (
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    identity text NOT NULL,
    name text NOT NULL,
    at timestamptz NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (system_identifier, database_oid, identity, name)
);
GRANT INSERT, UPDATE, DELETE ON hypertop.kept TO hypertop_store_writer;
