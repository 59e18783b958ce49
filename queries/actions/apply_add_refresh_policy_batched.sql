-- Policies as code and set-refresh-policy, where the server takes a refresh policy's batching
-- (2.19+): add a continuous aggregate's refresh policy ($1 its oid; $2 start and $3 end offset,
-- NULL open; $4 schedule), its batching ($6 buckets per batch, $7 batches per run; NULL: the
-- server's default, none written in its config) and its state ($5) in one statement, as
-- apply_add_refresh_policy.sql does without them.
SELECT j AS job_id
  FROM {ts}.add_continuous_aggregate_policy($1::text::oid::regclass, start_offset => $2::text::interval,
                                            end_offset => $3::text::interval,
                                            schedule_interval => $4::text::interval,
                                            if_not_exists => false,
                                            buckets_per_batch => $6::text::int,
                                            max_batches_per_execution => $7::text::int) j
  LEFT JOIN LATERAL (SELECT FROM {ts}.alter_job(j, scheduled => false)
                      WHERE NOT $5::text::bool) paused ON true
