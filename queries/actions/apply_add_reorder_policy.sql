-- Policies as code: add a reorder policy ($1 the hypertable's oid, $2 the index's name) with its
-- schedule ($3) and state ($4) in one statement.
SELECT a.job_id
  FROM {ts}.add_reorder_policy($1::text::oid::regclass, $2::text, if_not_exists => true) j,
       {ts}.alter_job(j, schedule_interval => $3::text::interval, scheduled => $4::text::bool) a
