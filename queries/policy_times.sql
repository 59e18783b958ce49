-- Each policy threshold written as an interval (`7 days`, a `created before` interval), as of
-- now: now less the interval, as TimescaleDB's policy computes it (in this session's time
-- zone, months and days by the calendar). $1: the intervals, each once (tables.sql's rows
-- repeat a handful: every hypertable of a tenant has the same policy).
SELECT u.written AS interval, now() - u.written::interval AS at
  FROM unnest($1::text[]) AS u(written)
