-- Policies as code: add a compression policy ($1 the hypertable's oid; $2 its threshold, as
-- {threshold} of type {threshold_type}: compress_after as an interval or an integer, or
-- compress_created_before) with its schedule ($3) and state ($4) in one statement: the
-- scheduler never sees it half made.
SELECT a.job_id
  FROM {ts}.add_compression_policy($1::text::oid::regclass, {threshold} => $2::text::{threshold_type},
                                   if_not_exists => true) j,
       {ts}.alter_job(j, schedule_interval => $3::text::interval, scheduled => $4::text::bool) a
