-- Continuous aggregates tab: source (hypertable or parent cagg), bucket width, watermark and the
-- time type to read it with, refresh policies and the last run, pending invalidations. Catalog
-- reads;
-- the watermark source depends on the version (see fragments/cagg_watermark_*.sql). The
-- refresh policies and their statistics come from the jobs table and its statistics' (the
-- `jobs_table` and `job_stat` fragments), not the jobs and job_stats views: a new session
-- planned the views' joins for nothing.
WITH
--@include watermark
,
--@include job_stat
, refresh_policies AS (
    -- every refresh policy of each aggregate (newer TimescaleDB lets windows side by side each
    -- have one) with its statistics, as JSON; which one judges the lag is chosen by the client,
    -- which reads the offsets: a job's configuration is written by whoever made the job, and an
    -- offset or id cast here that is not one would fail the whole read
    SELECT p.mat_id AS mat_hypertable_id,
           json_agg(json_build_object(
               'job_id', p.id, 'scheduled', p.scheduled,
               -- as text: a number too large for a client's float stays readable
               'start_offset', p.config ->> 'start_offset', 'end_offset', p.config ->> 'end_offset',
               'end_type', jsonb_typeof(p.config -> 'end_offset'),
               'schedule_interval', p.schedule_interval::text,
               'schedule_seconds', extract(epoch FROM p.schedule_interval)::float8,
               -- incremental refresh (2.19+), as written: absent, TimescaleDB's defaults
               'buckets_per_batch', p.config ->> 'buckets_per_batch',
               'max_batches_per_execution', p.config ->> 'max_batches_per_execution',
               'refresh_newest_first', p.config ->> 'refresh_newest_first',
               'last_run_status', js.last_run_status,
               'last_success', CASE WHEN isfinite(js.last_successful_finish)
                                    THEN js.last_successful_finish END)
               ORDER BY p.id)::text AS policies
      FROM (SELECT j.id, j.scheduled, j.config, j.schedule_interval,
                   CASE WHEN j.config ->> 'mat_hypertable_id' ~ '^[0-9]{1,9}$'
                        THEN (j.config ->> 'mat_hypertable_id')::int END AS mat_id
--@include jobs_table
             WHERE j.proc_name = 'policy_refresh_continuous_aggregate'
               AND j.proc_schema::text LIKE '\_timescaledb\_%') p
      LEFT JOIN job_stat js ON js.job_id = p.id
     WHERE p.mat_id IS NOT NULL
     GROUP BY p.mat_id
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
       rp.policies                                                  AS refresh_policies,
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
  LEFT JOIN refresh_policies rp ON rp.mat_hypertable_id = ca.mat_hypertable_id
 ORDER BY 1, 2
