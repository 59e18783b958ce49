-- The Jobs tab's watch, run at every refresh before its reads: which jobs ran, failed, started
-- or were changed since the last refresh, exactly and at once (fragments/recent_rows.sql), so
-- that only their states are read again (job_states.sql for every job was much of each
-- refresh). $1: the horizon (the xid, as text, of the oldest transaction running when the
-- last watch read); NULL on a first read, when every row is returned.
--
-- * The jobs' statistics (each run's start and end write its job's row): how many rows, and
--   the recent ones' jobs and versions (fragments/row_version.sql), found by one scan and
--   fetched by place.
-- * The jobs table (what jobs.sql reads: a policy added, altered, paused or removed): how many
--   rows and the recent ones' versions and ids.
-- * The workers running jobs of this database now, by application name (a job's run can end
--   without its row written, when its worker crashes): read at every refresh.
-- $2: where this watch may rest (fragments/watch_rest.sql), the writes the statistics counted
-- into the jobs table when the last watch scanned; it then does not scan it, unless those
-- counts moved, and says so (`scanned`): a console's refresh after one that scanned. The
-- statistics are scanned all the same (jobs running write them all the time).
WITH rest AS (
    SELECT $2::int8 AS writes
), watched_tables(name) AS (
    VALUES ('_timescaledb_config.bgw_job'), ('_timescaledb_catalog.bgw_job')
),
--@include watch_rest
,
--@include job_stat_watch
, job_may_run AS (
    -- from the scan of the statistics above, not a second one (fragments/job_may_run.sql)
    SELECT s.may_run AS yes FROM stat_scan s
),
--@include job_running
, jobs AS MATERIALIZED (
    SELECT count(*) AS n,
           array_agg(
--@include row_version
           ) FILTER (WHERE $1::text IS NULL OR
--@include recent_rows
           ) AS versions,
           -- (their ids, in the same order: what was written alone is read again)
           array_agg(x.id) FILTER (WHERE $1::text IS NULL OR
--@include recent_rows
           ) AS ids
      FROM (SELECT j.xmin, j.ctid, j.id
--@include jobs_table
           ) x
     WHERE (SELECT a.scanned FROM asked a)
)
SELECT pg_catalog.xid(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()))::text AS horizon,
       pg_catalog.age($1::text::xid)                                         AS horizon_age,
       (SELECT a.scanned FROM asked a)                                       AS scanned,
       (SELECT c.writes FROM counted c)                                      AS writes,
       (SELECT s.n FROM stat_scan s)                                         AS stats,
       (SELECT s.ids FROM stats s)                                           AS stat_jobs,
       (SELECT s.versions FROM stats s)                                      AS stat_versions,
       (SELECT j.n FROM jobs j)                                              AS jobs,
       (SELECT j.versions FROM jobs j)                                       AS job_versions,
       (SELECT j.ids FROM jobs j)                                            AS job_ids,
       (SELECT array_agg(r.application_name::text ORDER BY r.application_name)
          FROM job_running r)                                                AS running
