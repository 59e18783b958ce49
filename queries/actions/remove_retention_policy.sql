-- Remove a hypertable's or continuous aggregate's retention policy.
SELECT remove_retention_policy($1::text::regclass, if_exists => true)
