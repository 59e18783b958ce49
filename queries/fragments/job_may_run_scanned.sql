-- whether a job may be running now (fragments/job_may_run.sql), told by the statistics' scan
-- in the same pass (jobs_watch.sql): a column of the scan, not a second scan (1.2 ms at 6,500
-- jobs), and only there (the column read was 0.3-0.6 ms a scan for a watch that has no use
-- for it)
, bool_or(x.last_finish < '4714-11-24 00:00:00+00 BC') AS may_run
