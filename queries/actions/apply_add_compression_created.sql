-- Policies as code: add a compression policy by creation time ($1 the relation's oid, $2
-- compress_created_before) with its schedule ($3), its first run one schedule from now, and its state ($4).
-- alter_job runs only to pause it: on TimescaleDB 2.23 it fails on such a policy ("could
-- not find drop_after in config").
SELECT j AS job_id
  FROM {ts}.add_compression_policy($1::text::oid::regclass, compress_created_before => $2::text::interval,
                schedule_interval => $3::text::interval,
                initial_start => now() + $3::text::interval, if_not_exists => true) j
  LEFT JOIN LATERAL (SELECT FROM {ts}.alter_job(j, scheduled => false)
                      WHERE NOT $4::text::bool) paused ON true
