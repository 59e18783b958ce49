-- Fragment: each job's statistics as timescaledb_information.job_stats says them, read from
-- its table (the same columns in 2.9–2.29) without the view's hypertable join and its ORDER BY
-- by name: with many jobs the view was much of each query that joined it. `next_start` as the
-- table has it: a query masks it for a paused job as the view does. Its `job_status` is
-- `job_running` (fragments/job_running.sql).
job_stat AS (
    SELECT s.job_id, s.last_start AS last_run_started_at, s.last_successful_finish,
           CASE WHEN s.last_finish < '4714-11-24 00:00:00+00 BC' THEN NULL
                WHEN s.last_finish IS NOT NULL THEN
                     CASE WHEN s.last_run_success THEN 'Success'
                          WHEN NOT s.last_run_success THEN 'Failed' END
           END AS last_run_status,
           s.next_start, s.total_runs, s.total_successes, s.total_failures,
           s.consecutive_failures, s.consecutive_crashes,
           -- its usual run: the mean of the runs that ended (a crash's has no end)
           extract(epoch FROM s.total_duration)::float8
             / nullif(s.total_successes + s.total_failures, 0)       AS mean_run_seconds
      FROM _timescaledb_internal.bgw_job_stat s
)
