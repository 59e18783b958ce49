-- Jobs drill-down (2.15+): the run history of one job ($1), newest first. Failures are always
-- logged; successes only with timescaledb.enable_job_execution_logging.
-- A crash the scheduler reports after it restarts carries a start of zero (2000-01-01 00:00 UTC:
-- the run's own start went with its process): its start is unknown, not 27 years before its end.
SELECT h.succeeded,
       CASE WHEN h.start_time <> '2000-01-01 00:00:00+00' THEN h.start_time END AS start_time,
       h.finish_time, h.pid, h.sqlerrcode::text AS sqlerrcode,
       h.err_message::text AS err_message,
       h.start_time = '2000-01-01 00:00:00+00' AND h.succeeded IS FALSE
         AND h.sqlerrcode IS NULL                             AS crash_reported
  FROM timescaledb_information.job_history h
 WHERE h.job_id = $1
 ORDER BY CASE WHEN h.start_time <> '2000-01-01 00:00:00+00' THEN h.start_time
               ELSE h.finish_time END DESC
 LIMIT 500
