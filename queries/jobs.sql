-- Jobs tab: every job with its statistics, consecutive failures and latest error. job_stats
-- omits never-run jobs before 2.23, hence the LEFT JOINs from the jobs view.
WITH
--@include policy_jobs
SELECT j.job_id,
       j.application_name::text                                   AS application_name,
       j.proc_schema::text                                        AS proc_schema,
       j.proc_name::text                                          AS proc_name,
       p.relation_schema                                          AS target_schema,
       p.relation_name                                            AS target_name,
       j.owner::text                                              AS owner,
       extract(epoch FROM j.schedule_interval)::float8            AS schedule_seconds,
       j.scheduled,
       js.job_status::text                                        AS job_status,
       js.last_run_status::text                                   AS last_run_status,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS last_run_started,
       CASE WHEN isfinite(js.last_successful_finish) THEN js.last_successful_finish END AS last_success,
       CASE WHEN isfinite(coalesce(js.next_start, j.next_start)) THEN coalesce(js.next_start, j.next_start) END AS next_start,
       coalesce(js.total_runs, 0)::bigint                         AS total_runs,
       coalesce(js.total_failures, 0)::bigint                     AS total_failures,
       coalesce(st.consecutive_failures, 0)::int                  AS consecutive_failures,
       e.err_message                                              AS last_error,
       e.sqlerrcode::text                                         AS last_error_code,
       e.start_time                                               AS last_error_at,
       j.config::text                                             AS config
  FROM timescaledb_information.jobs j
  JOIN policy_jobs p ON p.job_id = j.job_id
  LEFT JOIN timescaledb_information.job_stats js ON js.job_id = j.job_id
  LEFT JOIN _timescaledb_internal.bgw_job_stat st ON st.job_id = j.job_id
  LEFT JOIN LATERAL (
        SELECT x.err_message, x.sqlerrcode, x.start_time
          FROM timescaledb_information.job_errors x
         WHERE x.job_id = j.job_id
         ORDER BY x.start_time DESC
         LIMIT 1) e ON true
 ORDER BY j.job_id
