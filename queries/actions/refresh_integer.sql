-- Refresh an integer-time continuous aggregate over [$2, $3) (NULL: open-ended).
CALL refresh_continuous_aggregate($1::text::regclass, $2::text::bigint, $3::text::bigint)
