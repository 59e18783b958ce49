-- Remove a hypertable's compression policy.
SELECT remove_compression_policy($1::text::regclass, if_exists => true)
