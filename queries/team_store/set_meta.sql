INSERT INTO hypertop.meta (key, value) VALUES ($1::text, $2::text)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
