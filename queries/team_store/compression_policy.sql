-- A day's chunk is compressed once the next day has begun (a late frame still lands: inserts into
-- compressed chunks work on every release the store runs on).
SELECT {ts}.add_compression_policy('hypertop.{table}'::regclass, INTERVAL '1 day', if_not_exists => true)
