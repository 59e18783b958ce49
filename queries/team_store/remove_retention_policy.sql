-- --max-age as TimescaleDB's retention: an earlier policy removed first (add_retention_policy.sql adds).
SELECT {ts}.remove_retention_policy('hypertop.{table}'::regclass, if_exists => true)
