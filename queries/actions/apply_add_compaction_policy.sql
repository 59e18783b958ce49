-- Policies as code: add a compaction policy (2.29+) to hypertable $1 (its oid) with its limits
-- ($2 max_chunks, $3 max_batches, $4 inactive_for; NULL: TimescaleDB's default), its schedule
-- ($5) and state ($6) in one statement. A policy someone added since the preview fails the step
-- with TimescaleDB's own "already exists" (if_not_exists would return job -1 and the next call
-- fail on it).
SELECT a.job_id
  FROM {ts}.add_compaction_policy($1::text::oid::regclass, if_not_exists => false,
                                  max_chunks => $2::text::int, max_batches => $3::text::int,
                                  inactive_for => $4::text::interval) j,
       {ts}.alter_job(j, schedule_interval => $5::text::interval, scheduled => $6::text::bool) a
