-- Policies as code: add a columnstore policy by creation time (2.18+): $1 the hypertable's oid,
-- $2 created_before, $3 its schedule, its first run one schedule from now (as
-- apply_add_policy_created.sql). Paused, where it is, by the next step in the same transaction.
CALL {ts}.add_columnstore_policy($1::text::oid::regclass, created_before => $2::text::interval,
                                 schedule_interval => $3::text::interval,
                                 initial_start => now() + $3::text::interval, if_not_exists => false)
