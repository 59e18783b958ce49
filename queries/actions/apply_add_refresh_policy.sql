-- Policies as code: add a continuous aggregate's refresh policy ($1 its oid; $2 start and $3 end
-- offset, NULL open; $4 schedule) and its state ($5) in one statement.
-- A policy someone added since the preview fails the step with TimescaleDB's own "already
-- exists" (if_not_exists would return job -1 and the next call fail on it).
SELECT a.job_id
  FROM {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => false) j,
       {ts}.alter_job(j, scheduled => $5::text::bool) a
