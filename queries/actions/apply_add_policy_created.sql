-- Policies as code: add a compression or retention policy by creation time ({policy}: $1 the
-- relation's oid, $2 {threshold}) with its schedule ($3), its first run one schedule from now,
-- and its state ($4). alter_job runs only to pause it: on TimescaleDB 2.23 it fails on such a
-- policy ("could not find drop_after in config").
-- A policy someone added since the preview fails the step with TimescaleDB's own "already
-- exists" (if_not_exists would return job -1 and the next call fail on it).
SELECT j AS job_id
  FROM {ts}.{policy}($1::text::oid::regclass, {threshold} => $2::text::interval,
                schedule_interval => $3::text::interval,
                initial_start => now() + $3::text::interval, if_not_exists => false) j
  LEFT JOIN LATERAL (SELECT FROM {ts}.alter_job(j, scheduled => false)
                      WHERE NOT $4::text::bool) paused ON true
