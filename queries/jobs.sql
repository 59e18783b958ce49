-- Jobs tab: every job with its statistics, consecutive failures and latest error: every job of
-- the jobs table (what the jobs view lists, on every version: its next start is the
-- statistics'), its statistics (none before its first run) and whether a worker runs it now.
-- The table, not the view: a new session planned the view's joins for nothing (with
-- pg_stat_get_activity below, 5.3 -> 2.6 ms of a new session's planning).
WITH
--@include job_stat
SELECT j.id                                                       AS job_id,
       j.application_name::text                                   AS application_name,
       j.proc_schema::text                                        AS proc_schema,
       j.proc_name::text                                          AS proc_name,
       -- what it acts on as the user knows it: a cagg by its view
       coalesce(ca.user_view_schema, h.schema_name)::text         AS target_schema,
       coalesce(ca.user_view_name, h.table_name)::text            AS target_name,
       j.owner::text                                              AS owner,
       extract(epoch FROM j.schedule_interval)::float8            AS schedule_seconds,
       j.scheduled,
       CASE WHEN r.application_name IS NOT NULL THEN 'Running'
            WHEN NOT j.scheduled THEN 'Paused' ELSE 'Scheduled' END  AS job_status,
       js.last_run_status::text                                   AS last_run_status,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS last_run_started,
       CASE WHEN isfinite(js.last_successful_finish) THEN js.last_successful_finish END AS last_success,
       CASE WHEN isfinite(js.next_start) THEN js.next_start END    AS next_start,
       coalesce(js.total_runs, 0)::bigint                         AS total_runs,
       coalesce(js.total_failures, 0)::bigint                     AS total_failures,
       coalesce(js.consecutive_failures, 0)::int                  AS consecutive_failures,
       e.err_message                                              AS last_error,
       e.sqlerrcode::text                                         AS last_error_code,
       e.start_time                                               AS last_error_at,
       j.config::text                                             AS config
--@include jobs_table
  LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
  LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = j.hypertable_id
  LEFT JOIN job_stat js ON js.job_id = j.id
  LEFT JOIN job_running r ON r.application_name = j.application_name
  -- the latest error: looked up only for a job with a run that did not succeed (each run counts
  -- in total_runs from its start, and only a success leaves it without a failure or a crash to
  -- count: 6,500 jobs' look-ups were 40 % of this read), or with no statistics at all (none
  -- recorded, deleted by hand, or not restored with the errors, which pg_dump keeps up to 2.14:
  -- once a restored job's run succeeds, the errors from before the restore are no more shown).
  -- Not a run still in flight:
  -- with every run logged, newer versions write its row at the start, with no end and then its
  -- worker's pid; it is no error, and it hid the last one. A row without an end whose worker
  -- is gone (no backend with that pid that started before the run) is a crash, and stays.
  LEFT JOIN LATERAL (
        SELECT x.err_message, x.sqlerrcode, x.start_time
          FROM timescaledb_information.job_errors x
         WHERE x.job_id = j.id
           AND (js.job_id IS NULL OR js.total_successes < js.total_runs)
           AND NOT (x.finish_time IS NULL AND x.pid IS NOT NULL
                    -- (the function behind pg_stat_activity, for that pid alone)
                    AND EXISTS (SELECT FROM pg_catalog.pg_stat_get_activity(x.pid) a
                                 -- hidden from a role without pg_read_all_stats: the pid alone
                                 WHERE a.backend_start IS NULL OR a.backend_start <= x.start_time))
         ORDER BY x.start_time DESC
         LIMIT 1) e ON true
 ORDER BY j.id
