-- Policies as code: add a compression policy ($1 the hypertable's oid; $2 its threshold, as
-- {threshold} of type {threshold_type}: compress_after as an interval or an integer, or
-- compress_created_before) with its schedule ($3) and state ($4) in one statement: the
-- scheduler never sees it half made.
-- A policy someone added since the preview fails the step with TimescaleDB's own "already
-- exists" (if_not_exists would return job -1 and the next call fail on it).
SELECT a.job_id
  FROM {ts}.add_compression_policy($1::text::oid::regclass, {threshold} => $2::text::{threshold_type},
                                   if_not_exists => false) j,
       {ts}.alter_job(j, schedule_interval => $3::text::interval, scheduled => $4::text::bool) a
