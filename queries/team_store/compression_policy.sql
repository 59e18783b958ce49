-- A six-hour chunk is compressed an hour after it ends (a late frame still lands: inserts into
-- compressed chunks work on every release the store runs on).
SELECT {ts}.add_compression_policy('hypertop.{table}'::regclass, INTERVAL '1 hour', if_not_exists => true)
