-- Fragment: the jobs a worker of this database is running now, by application name, as
-- job_stats tells them (a role that may not read others' sessions sees no state, and no job
-- running); from the function behind pg_stat_activity, whose view a new session would plan
-- for one column, with its worker's pid and what it waits on, if anything
job_running AS (
    SELECT DISTINCT ON (a.application_name) a.application_name, a.pid,
           a.wait_event_type || ': ' || a.wait_event AS waiting_on
      FROM pg_catalog.pg_stat_get_activity(NULL) a
     WHERE a.datid = (SELECT oid FROM pg_catalog.pg_database
                       WHERE datname = pg_catalog.current_database())
       AND a.state = 'active'
       -- read only while a job may be running (the sessions' read is most of the watch's
       -- cost): `job_may_run`, from the including query (fragments/job_may_run.sql, or the
       -- watch's own scan of the statistics)
       AND (SELECT m.yes FROM job_may_run m)
     ORDER BY a.application_name, a.pid
)
