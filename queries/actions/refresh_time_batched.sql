-- Refresh a continuous aggregate over [$2, $3) ($1 its oid; NULL: open-ended) in TimescaleDB's
-- own batches (2.28+: $4 the options, jsonb: buckets_per_batch, max_batches_per_execution,
-- refresh_newest_first). Not in a transaction block: each batch commits.
CALL {ts}.refresh_continuous_aggregate($1::text::oid::regclass, $2::text::timestamptz, $3::text::timestamptz,
                                       options => $4::text::jsonb)
