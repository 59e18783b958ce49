-- Refresh an integer-time continuous aggregate over [$2, $3) ($1 its oid) (NULL: open-ended).
CALL {ts}.refresh_continuous_aggregate($1::text::oid::regclass, $2::text::bigint, $3::text::bigint)
