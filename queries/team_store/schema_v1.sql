-- The team store's tables, version 1 (`hypertop record --init-store`): run once, by the store's
-- owner, in the transaction that writes the version. Every name is fixed; nothing read from a
-- monitored database reaches this text.
CREATE SCHEMA hypertop;
CREATE TABLE hypertop.meta (key text PRIMARY KEY, value text NOT NULL);
-- which server and database each address was found to be (replay, `snapshot --at` do not connect)
CREATE TABLE hypertop.target (
    address text NOT NULL,
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    server text NOT NULL,
    first_at timestamptz NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (address, system_identifier, database_oid)
);
-- each distinct section value of a target once a period (six hours, from the epoch), under its
-- SHA-256: a frame's values are in its own period's rows, so that retention drops a period's
-- values with its frames, and a compressed period keeps a target's values side by side, where
-- they compress well
CREATE TABLE hypertop.body (
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    period timestamptz NOT NULL,
    hash bytea NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (system_identifier, database_oid, hash, period)
);
-- a target's minute once, whoever wrote it
CREATE TABLE hypertop.frame (
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    minute timestamptz NOT NULL,
    at timestamptz NOT NULL,
    names text[] NOT NULL,
    bodies bytea[] NOT NULL,
    PRIMARY KEY (system_identifier, database_oid, minute)
);
-- the pictures' samples, written with the frame that won its minute
CREATE TABLE hypertop.sample (
    system_identifier text NOT NULL,
    database_oid bigint NOT NULL,
    series text NOT NULL,
    at timestamptz NOT NULL,
    value double precision NOT NULL,
    PRIMARY KEY (system_identifier, database_oid, series, at)
);
