-- Kept to recognise the inverse statements of journals written before the re-add restored a
-- removed policy's fixed schedule (rollback runs only statements hypertop writes).
-- Add a retention policy ($1 the relation's oid; schedule NULL: TimescaleDB's default; $4
-- if_not_exists: true when re-adding a removed policy, so replaying the undo is harmless).
SELECT {ts}.add_retention_policy($1::text::oid::regclass, $2::text::{threshold_type}, schedule_interval => $3::text::interval,
                                 if_not_exists => $4::text::bool)
