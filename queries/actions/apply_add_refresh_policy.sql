-- Policies as code: add a continuous aggregate's refresh policy ($1 its oid; $2 start and $3 end
-- offset, NULL open; $4 schedule) and its state ($5) in one statement. alter_job runs only to
-- pause it: TimescaleDB 2.22 refuses any alter_job of a hierarchical continuous aggregate's
-- refresh policy ("multiple refresh policies are not supported", counting the policy itself;
-- 2.23.1 lifted it).
-- A policy someone added since the preview fails the step with TimescaleDB's own "already
-- exists" (if_not_exists would return job -1 and the next call fail on it).
SELECT j AS job_id
  FROM {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => false) j
  LEFT JOIN LATERAL (SELECT FROM {ts}.alter_job(j, scheduled => false)
                      WHERE NOT $5::text::bool) paused ON true
