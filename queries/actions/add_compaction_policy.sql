-- Add a compaction policy (2.29+: compact_chunk by policy) to hypertable $1 (its oid; $2
-- schedule, NULL: TimescaleDB's default; $3 if_not_exists: true when re-adding a removed
-- policy; $4 initial_start, $5 timezone: a removed policy's fixed schedule, NULL for one that
-- floats). A re-added policy's limits come back with its config (restore_policy.sql).
SELECT {ts}.add_compaction_policy($1::text::oid::regclass, schedule_interval => $2::text::interval,
                                  if_not_exists => $3::text::bool, initial_start => $4::text::timestamptz,
                                  timezone => $5::text)
