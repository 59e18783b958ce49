-- Undo of one of a cagg's several refresh policies removed: add it again ($1 the cagg's oid; $2
-- start and $3 end offset, NULL open; $4 schedule; $5 initial_start and $6 timezone of a fixed
-- schedule, NULL where it had none) and give the new job, by the id the add returns, the old
-- one's settings: max runtime $7, retries $8, retry period $9, scheduled $10, config $11 (the
-- lookup by relation and procedure that re-adds a single policy would match its siblings).
SELECT a.job_id
  FROM {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => false,
                                            initial_start => $5::text::timestamptz,
                                            timezone => $6::text) j,
       {ts}.alter_job(j, schedule_interval => $4::text::interval, max_runtime => $7::text::interval,
                      max_retries => $8::text::int, retry_period => $9::text::interval,
                      scheduled => $10::text::bool, config => $11::text::jsonb,
                      timezone => $6::text) a
