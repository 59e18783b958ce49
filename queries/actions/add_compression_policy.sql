-- Add a compression policy ($1 the hypertable's oid; schedule NULL: TimescaleDB's default; $4
-- if_not_exists: true when re-adding a removed policy, so replaying the undo is harmless; $5
-- initial_start, $6 timezone: a removed policy's fixed schedule, NULL for one that floats).
SELECT {ts}.add_compression_policy($1::text::oid::regclass, $2::text::{threshold_type}, schedule_interval => $3::text::interval,
                                   if_not_exists => $4::text::bool, initial_start => $5::text::timestamptz,
                                   timezone => $6::text)
