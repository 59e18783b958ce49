-- Continuous aggregates tab: source (hypertable or parent cagg), bucket width, watermark and the
-- time type to read it with, refresh policy and last run, pending invalidations. Catalog reads;
-- the watermark source depends on the version (see fragments/cagg_watermark_*.sql). The
-- refresh policies and their statistics come from the jobs table and its statistics' (the
-- `jobs_table` and `job_stat` fragments), not the jobs and job_stats views: a new session
-- planned the views' joins for nothing.
WITH
--@include watermark
,
--@include job_stat
, refresh_policy AS (
    SELECT DISTINCT ON ((j.config ->> 'mat_hypertable_id')::int)
           (j.config ->> 'mat_hypertable_id')::int AS mat_hypertable_id, j.id AS job_id,
           j.scheduled, j.config -> 'start_offset' AS start_offset,
           j.config -> 'end_offset' AS end_offset, j.schedule_interval
--@include jobs_table
     WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
     ORDER BY (j.config ->> 'mat_hypertable_id')::int, j.id
)
SELECT ca.user_view_schema::text                                    AS schema,
       ca.user_view_name::text                                      AS name,
       raw.schema_name::text                                        AS hypertable_schema,
       raw.table_name::text                                         AS hypertable_name,
       parent.user_view_schema::text                                AS parent_schema,
       parent.user_view_name::text                                  AS parent_name,
       -- interval text on every version: before 2.15 the catalog holds µs for time types
       -- (negative for variable-width buckets, which bucket_function then describes)
       coalesce(to_jsonb(bf) ->> 'bucket_width',
                CASE WHEN d.column_type IN ('timestamptz'::regtype, 'timestamp'::regtype, 'date'::regtype)
                      AND (to_jsonb(ca) ->> 'bucket_width')::bigint > 0
                     THEN ((to_jsonb(ca) ->> 'bucket_width')::bigint
                           * interval '1 microsecond')::text
                     ELSE to_jsonb(ca) ->> 'bucket_width' END)              AS bucket_width,
       d.column_type::text                                          AS time_type,
       w.watermark,
       -- integer caggs: "now" is the integer_now_func of the underlying raw hypertable (root of
       -- the tree), joined on the client: as parameters here, the integer "now"s had this
       -- statement planned again at every refresh, which cost more than running it
       ca.raw_hypertable_id,
       ca.mat_hypertable_id,
       ca.materialized_only,
       now()                                                        AS server_now,
       rp.job_id                                                    AS refresh_job_id,
       rp.scheduled                                                 AS refresh_scheduled,
       rp.start_offset #>> '{}'                                     AS start_offset,
       rp.end_offset #>> '{}'                                       AS end_offset,
       CASE WHEN jsonb_typeof(rp.end_offset) = 'string'
            THEN extract(epoch FROM (rp.end_offset #>> '{}')::interval)::float8 END AS end_offset_seconds,
       rp.schedule_interval::text                                   AS schedule_interval,
       extract(epoch FROM rp.schedule_interval)::float8             AS schedule_seconds,
       js.last_run_status::text                                     AS last_run_status,
       CASE WHEN isfinite(js.last_successful_finish) THEN js.last_successful_finish END AS last_success,
       (SELECT count(*) FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l
         WHERE l.hypertable_id = ca.raw_hypertable_id)
     + (SELECT count(*) FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
         WHERE l.materialization_id = ca.mat_hypertable_id)         AS pending_invalidations
  FROM _timescaledb_catalog.continuous_agg ca
  JOIN _timescaledb_catalog.hypertable raw ON raw.id = ca.raw_hypertable_id
  JOIN _timescaledb_catalog.hypertable mat ON mat.id = ca.mat_hypertable_id
  LEFT JOIN _timescaledb_catalog.continuous_agg parent
         ON parent.mat_hypertable_id = ca.parent_mat_hypertable_id
  LEFT JOIN _timescaledb_catalog.continuous_aggs_bucket_function bf
         ON bf.mat_hypertable_id = ca.mat_hypertable_id
  LEFT JOIN LATERAL (SELECT dd.column_type FROM _timescaledb_catalog.dimension dd
                      WHERE dd.hypertable_id = ca.mat_hypertable_id ORDER BY dd.id LIMIT 1) d ON true
  LEFT JOIN watermark w ON w.mat_hypertable_id = ca.mat_hypertable_id
  LEFT JOIN refresh_policy rp ON rp.mat_hypertable_id = ca.mat_hypertable_id
  LEFT JOIN job_stat js ON js.job_id = rp.job_id
 ORDER BY 1, 2
