-- Add a continuous aggregate refresh policy.
SELECT add_continuous_aggregate_policy($1::text::regclass, start_offset => $2::text::interval,
                                       end_offset => $3::text::interval,
                                       schedule_interval => $4::text::interval)
