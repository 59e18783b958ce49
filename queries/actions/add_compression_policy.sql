-- Add a compression policy (schedule NULL: TimescaleDB's default).
SELECT add_compression_policy($1::text::regclass, $2::text::interval, schedule_interval => $3::text::interval)
