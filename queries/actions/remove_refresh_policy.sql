-- Remove a continuous aggregate's refresh policy.
SELECT {ts}.remove_continuous_aggregate_policy($1::text::oid::regclass, if_exists => true)
