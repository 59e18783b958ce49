-- Policies as code: add a columnstore policy (2.18+; a procedure, which returns no job id): $1
-- the hypertable's oid, $2 its threshold as {threshold} of type {threshold_type} (after: an
-- interval or an integer), $3 its schedule. A paused one is paused by the next step in the same
-- transaction (apply_pause_columnstore_policy.sql): the scheduler never sees it half made. A
-- policy someone added since the preview fails with TimescaleDB's own "already exists".
CALL {ts}.add_columnstore_policy($1::text::oid::regclass, {threshold} => $2::text::{threshold_type},
                                 schedule_interval => $3::text::interval, if_not_exists => false)
