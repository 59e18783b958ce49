-- Policies as code: add a reorder policy ($1 the hypertable's oid, $2 the index's name) with its
-- schedule ($3) and state ($4) in one statement.
-- A policy someone added since the preview fails the step with TimescaleDB's own "already
-- exists" (if_not_exists would return job -1 and the next call fail on it).
SELECT a.job_id
  FROM {ts}.add_reorder_policy($1::text::oid::regclass, $2::text, if_not_exists => false) j,
       {ts}.alter_job(j, schedule_interval => $3::text::interval, scheduled => $4::text::bool) a
