INSERT INTO hypertop.meta (key, value) VALUES ('version', $1::text)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
