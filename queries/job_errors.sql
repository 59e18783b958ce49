-- Jobs drill-down (before 2.15, no run history): the errors of one job ($1), newest first.
SELECT false AS succeeded, e.start_time, e.finish_time, e.pid, e.sqlerrcode::text AS sqlerrcode,
       e.err_message::text AS err_message
  FROM timescaledb_information.job_errors e
 WHERE e.job_id = $1
 ORDER BY e.start_time DESC
 LIMIT 500
