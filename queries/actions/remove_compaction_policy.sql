-- Remove a hypertable's compaction policy.
SELECT {ts}.remove_compaction_policy($1::text::oid::regclass, if_exists => true)
