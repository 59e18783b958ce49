-- Remove a hypertable's reorder policy.
SELECT {ts}.remove_reorder_policy($1::text::oid::regclass, if_exists => true)
