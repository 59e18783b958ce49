-- As apply_add_refresh_policy_batched.sql, with the order of its batches too ($8 newest
-- first), which add_continuous_aggregate_policy takes from 2.20.
SELECT j AS job_id
  FROM {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => false,
                                            buckets_per_batch => $6::text::int,
                                            max_batches_per_execution => $7::text::int,
                                            refresh_newest_first => $8::text::bool) j
  LEFT JOIN LATERAL (SELECT FROM {ts}.alter_job(j, scheduled => false)
                      WHERE NOT $5::text::bool) paused ON true
