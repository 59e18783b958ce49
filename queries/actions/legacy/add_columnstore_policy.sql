-- Kept to recognise the inverse statements of journals written before the re-add restored a
-- removed policy's fixed schedule (rollback runs only statements hypertop writes).
-- Add a columnstore policy (2.18+; add_compression_policy is its deprecated name): $1 the
-- hypertable's oid; schedule NULL: TimescaleDB's default; $4 if_not_exists: true when re-adding
-- a removed policy, so replaying the undo is harmless.
CALL {ts}.add_columnstore_policy($1::text::oid::regclass, after => $2::text::{threshold_type},
                                 schedule_interval => $3::text::interval,
                                 if_not_exists => $4::text::bool)
