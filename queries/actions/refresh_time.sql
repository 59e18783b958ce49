-- Refresh a continuous aggregate over [$2, $3) (NULL: open-ended). Not in a transaction block.
CALL refresh_continuous_aggregate($1::text::regclass, $2::text::timestamptz, $3::text::timestamptz)
