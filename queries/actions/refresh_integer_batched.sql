-- Refresh an integer-time continuous aggregate over [$2, $3) ($1 its oid; NULL: open-ended) in
-- TimescaleDB's own batches (2.28+: $4 the options, jsonb). Not in a transaction block.
CALL {ts}.refresh_continuous_aggregate($1::text::oid::regclass, $2::text::bigint, $3::text::bigint,
                                       options => $4::text::jsonb)
