-- The Jobs tab's states, read for the jobs its watch saw move (jobs_watch.sql; its filtered
-- form, $1 the jobs' ids) or every job (a first read): each job's statistics (none before its first
-- run), consecutive failures and latest error, and whether a worker runs it now; a job with
-- none of these is left out (what it is, jobs.sql, is kept between refreshes). From the jobs
-- table (what the jobs view lists, on every version: its next start is the statistics').
WITH
--@include job_may_run
,
--@include job_stat
,
--@include job_running
SELECT j.id                                                       AS job_id,
       r.application_name IS NOT NULL                             AS running,
       r.pid                                                      AS worker_pid,
       r.waiting_on,
       js.mean_run_seconds,
       -- a run started and never marked ended, with no worker running it, is a crash (as the
       -- scheduler deduces it; TimescaleDB's view says nothing, and hypertop said "never" of a
       -- job that had run twice)
       CASE WHEN js.last_run_status IS NULL AND js.total_runs > 0 AND r.application_name IS NULL
            THEN 'Crashed' ELSE js.last_run_status END::text     AS last_run_status,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS last_run_started,
       CASE WHEN isfinite(js.last_successful_finish) THEN js.last_successful_finish END AS last_success,
       CASE WHEN isfinite(js.next_start) THEN js.next_start END    AS next_start,
       -- -infinity: not set (a first run, one in flight or crashed), the scheduler starts the
       -- job as soon as it looks; not unknown
       coalesce(js.next_start = '-infinity', false)               AS next_start_unset,
       coalesce(js.total_runs, 0)::bigint                         AS total_runs,
       coalesce(js.total_failures, 0)::bigint                     AS total_failures,
       -- runs in a row that did not succeed: failures and crashes. The scheduler counts a
       -- crash when a run starts (and clears it when the run ends): a run in flight, its
       -- worker still running it, is no crash
       (coalesce(js.consecutive_failures, 0)
        + greatest(coalesce(js.consecutive_crashes, 0)
                   - CASE WHEN r.application_name IS NOT NULL THEN 1 ELSE 0 END, 0))::int
                                                                  AS consecutive_failures,
       e.err_message                                              AS last_error,
       e.sqlerrcode::text                                         AS last_error_code,
       e.start_time                                               AS last_error_at
--@include jobs_table
  LEFT JOIN job_stat js ON js.job_id = j.id
  LEFT JOIN job_running r ON r.application_name = j.application_name
  -- the latest error: looked up only for a job with a run that did not succeed (each run counts
  -- in total_runs from its start, and only a success leaves it without a failure or a crash to
  -- count: every job's look-up was a large part of this read), or with no statistics at all (none
  -- recorded, deleted by hand, or not restored with the errors, which pg_dump keeps up to 2.14:
  -- once a restored job's run succeeds, the errors from before the restore are no more shown).
  -- Not a run still in flight:
  -- with every run logged, newer versions write its row at the start, with no end and then its
  -- worker's pid; it is no error, and it hid the last one. A row without an end whose worker
  -- is gone (no backend with that pid that started before the run) is a crash, and stays.
  LEFT JOIN LATERAL (
        -- (a crash reported after a restart starts at zero, 2000-01-01: it is as new as its end)
        SELECT true AS found, x.err_message, x.sqlerrcode,
               CASE WHEN x.start_time <> '2000-01-01 00:00:00+00' THEN x.start_time
                    ELSE x.finish_time END AS start_time
          FROM timescaledb_information.job_errors x
         WHERE x.job_id = j.id
           AND (js.job_id IS NULL OR js.total_successes < js.total_runs)
           AND NOT (x.finish_time IS NULL AND x.pid IS NOT NULL
                    -- (the function behind pg_stat_activity, for that pid alone)
                    AND EXISTS (SELECT FROM pg_catalog.pg_stat_get_activity(x.pid) a
                                 -- hidden from a role without pg_read_all_stats: the pid alone
                                 WHERE a.backend_start IS NULL OR a.backend_start <= x.start_time))
         ORDER BY 4 DESC
         LIMIT 1) e ON true
 WHERE (js.job_id IS NOT NULL OR r.application_name IS NOT NULL OR e.found)
--@include jobs_filter
 ORDER BY j.id
