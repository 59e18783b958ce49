-- A section's value under its SHA-256 ($1), its use on day $3 noted (once a day: pruning keeps
-- what a day's frames use).
INSERT INTO hypertop.body (hash, value, last_day) VALUES ($1::bytea, $2::text, $3::date)
ON CONFLICT (hash) DO UPDATE SET last_day = excluded.last_day
WHERE hypertop.body.last_day < excluded.last_day
