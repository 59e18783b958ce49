-- The retention policy ($1: --max-age, as interval text).
SELECT {ts}.add_retention_policy('hypertop.{table}'::regclass, $1::text::interval)
