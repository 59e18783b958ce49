-- Remove a continuous aggregate's refresh policy.
SELECT remove_continuous_aggregate_policy($1::text::regclass, if_exists => true)
