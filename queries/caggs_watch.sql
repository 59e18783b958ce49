-- The Continuous aggregates tab's watch, run at every refresh before its reads: whether any
-- continuous aggregate was made, dropped or refreshed, its invalidations moved (rows written
-- below a watermark are logged there), its refresh policies changed or ran, exactly and at once
-- (fragments/recent_rows.sql); and the newest chunk's id, which says when chunks were made
-- that the hole probes have not seen (a backfill below a watermark makes one). Nothing moved,
-- the tab's rows stand and only their lag moves with time. $1: the horizon (the xid, as text,
-- of the oldest transaction running when the last watch read; NULL on a first read); $2 the
-- refresh policies' job ids as last read (their rows and statistics found by id; a new policy
-- is a job id above the newest).
WITH state AS MATERIALIZED (
    SELECT count(*) AS n,
           array_agg(
--@include row_version
           ) FILTER (WHERE $1::text IS NULL OR
--@include recent_rows
           ) AS versions
      FROM (SELECT x.xmin, x.ctid FROM _timescaledb_catalog.continuous_agg x
            UNION ALL SELECT x.xmin, x.ctid FROM _timescaledb_catalog.continuous_aggs_bucket_function x
            UNION ALL SELECT x.xmin, x.ctid FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold x
            UNION ALL SELECT x.xmin, x.ctid FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log x
            UNION ALL SELECT x.xmin, x.ctid
                        FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log x
--@include watermark_rows
            UNION ALL SELECT j.xmin, j.ctid
--@include jobs_table
             WHERE j.id = ANY ($2::int4[])
            UNION ALL SELECT x.xmin, x.ctid FROM _timescaledb_internal.bgw_job_stat x
             WHERE x.job_id = ANY ($2::int4[])) x
)
SELECT pg_catalog.xid(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()))::text AS horizon,
       pg_catalog.age($1::text::xid)                                         AS horizon_age,
       (SELECT s.n FROM state s)                                             AS state,
       (SELECT s.versions FROM state s)                                      AS state_versions,
       coalesce((SELECT max(j.id)
--@include jobs_table
                ), 0)                                                        AS newest_job,
       coalesce((SELECT max(c.id) FROM _timescaledb_catalog.chunk c), 0)    AS newest_chunk,
       -- the snapshot's bounds (full transaction ids): a chunk id is taken before its
       -- transaction commits, and the probes ask for new chunks from before every one running
       pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::int8 AS oldest,
       pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::int8 AS next
