-- A note of the store's (its version, its kind, how long it keeps frames).
SELECT value FROM hypertop.meta WHERE key = $1::text
