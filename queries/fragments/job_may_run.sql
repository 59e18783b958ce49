-- Fragment: whether a job may be running now (`job_may_run.yes`), the gate of `job_running`
-- (fragments/job_running.sql): a run's start writes its statistics' last finish as -infinity, as a
-- job never run or one whose worker crashed has it. A query that scans the statistics anyway
-- (jobs_watch.sql) takes it from that scan instead of scanning them a second time.
job_may_run AS (
    SELECT EXISTS (SELECT FROM _timescaledb_internal.bgw_job_stat s
                    WHERE s.last_finish < '4714-11-24 00:00:00+00 BC') AS yes
)
