-- Remove a hypertable's columnstore policy (2.18+; remove_compression_policy is its deprecated
-- name).
CALL {ts}.remove_columnstore_policy($1::text::oid::regclass, if_exists => true)
