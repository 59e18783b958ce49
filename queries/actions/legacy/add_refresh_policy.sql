-- Kept to recognise the inverse statements of journals written before the re-add restored a
-- removed policy's fixed schedule (rollback runs only statements hypertop writes).
-- Add a continuous aggregate refresh policy ($1 the cagg's oid; $5 if_not_exists, as for the
-- other policies).
SELECT {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => $5::text::bool)
