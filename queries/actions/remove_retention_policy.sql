-- Remove a hypertable's or continuous aggregate's retention policy.
SELECT {ts}.remove_retention_policy($1::text::oid::regclass, if_exists => true)
