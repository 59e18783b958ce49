-- Jobs drill-down (2.15+): the run history of one job ($1), newest first. Failures are always
-- logged; successes only with timescaledb.enable_job_execution_logging.
SELECT h.succeeded, h.start_time, h.finish_time, h.pid, h.sqlerrcode::text AS sqlerrcode,
       h.err_message::text AS err_message
  FROM timescaledb_information.job_history h
 WHERE h.job_id = $1
 ORDER BY h.start_time DESC
 LIMIT 500
