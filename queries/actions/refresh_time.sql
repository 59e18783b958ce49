-- Refresh a continuous aggregate over [$2, $3) ($1 its oid) (NULL: open-ended). Not in a transaction block.
CALL {ts}.refresh_continuous_aggregate($1::text::oid::regclass, $2::text::timestamptz, $3::text::timestamptz)
