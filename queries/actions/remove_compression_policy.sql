-- Remove a hypertable's compression policy.
SELECT {ts}.remove_compression_policy($1::text::oid::regclass, if_exists => true)
