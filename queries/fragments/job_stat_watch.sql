-- Fragment: the jobs' statistics as a watch reads them (each run's start and end write its
-- job's row): how many rows, and the recent ones' places found by one scan (stat_scan), then
-- their jobs and versions fetched by place (stats). `job_stat_scan_more`: more of the scan's
-- columns, for a query that wants them (jobs_watch.sql: whether a job may run). `$1`: the
-- watch's horizon. Scanned even
-- where the watch rests (fragments/watch_rest.sql): jobs running write it all the time, and
-- from a horizon that did not move its recent rows are known ones, by their versions.
stat_scan AS MATERIALIZED (
    SELECT count(*) AS n,
           array_agg(x.ctid) FILTER (WHERE (SELECT $1::text) IS NULL OR
--@include recent_rows
           ) AS places
--@include job_stat_scan_more
      FROM _timescaledb_internal.bgw_job_stat x
), stats AS MATERIALIZED (
    SELECT array_agg(x.job_id ORDER BY x.job_id) AS ids,
           array_agg(
--@include row_version
               ORDER BY x.job_id) AS versions
      FROM _timescaledb_internal.bgw_job_stat x
     WHERE x.ctid = ANY ((SELECT s.places FROM stat_scan s)::tid[])
)
