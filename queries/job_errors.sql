-- Jobs drill-down (before 2.15, no run history): the errors of one job ($1), newest first.
-- A crash reported after a restart starts at zero (2000-01-01 00:00 UTC): unknown, as in
-- job_history.sql.
SELECT false AS succeeded,
       CASE WHEN e.start_time <> '2000-01-01 00:00:00+00' THEN e.start_time END AS start_time,
       e.finish_time, e.pid, e.sqlerrcode::text AS sqlerrcode,
       e.err_message::text AS err_message,
       e.start_time = '2000-01-01 00:00:00+00' AND e.sqlerrcode IS NULL      AS crash_reported
  FROM timescaledb_information.job_errors e
 WHERE e.job_id = $1
 ORDER BY CASE WHEN e.start_time <> '2000-01-01 00:00:00+00' THEN e.start_time
               ELSE e.finish_time END DESC
 LIMIT 500
