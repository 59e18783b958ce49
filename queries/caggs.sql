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
    -- have one), ranked: the one that keeps the newest data fresh judges the lag (a running one
    -- first, then the end offset nearest now; none is up to now)
    SELECT p.*, row_number() OVER (PARTITION BY p.mat_hypertable_id
                                   ORDER BY p.scheduled DESC, p.end_key, p.job_id) AS rank
      FROM (SELECT (j.config ->> 'mat_hypertable_id')::int AS mat_hypertable_id, j.id AS job_id,
                   j.scheduled, j.config -> 'start_offset' AS start_offset,
                   j.config -> 'end_offset' AS end_offset, j.schedule_interval,
                   CASE jsonb_typeof(j.config -> 'end_offset')
                        WHEN 'string' THEN extract(epoch FROM (j.config ->> 'end_offset')::interval)::float8
                        WHEN 'number' THEN (j.config ->> 'end_offset')::float8
                        ELSE '-infinity'::float8 END AS end_key
--@include jobs_table
             WHERE j.proc_name = 'policy_refresh_continuous_aggregate') p
), refresh_policy AS (
    SELECT * FROM refresh_policies WHERE rank = 1
), other_policies AS (
    -- the rest, nearest now first
    SELECT o.mat_hypertable_id,
           json_agg(json_build_object('job_id', o.job_id, 'scheduled', o.scheduled,
                                      'start_offset', o.start_offset #>> '{}',
                                      'end_offset', o.end_offset #>> '{}',
                                      'schedule_interval', o.schedule_interval::text)
                    ORDER BY o.end_key, o.job_id)::text AS policies
      FROM refresh_policies o
     WHERE o.rank > 1
     GROUP BY o.mat_hypertable_id
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
       op.policies                                                  AS other_policies,
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
  LEFT JOIN other_policies op ON op.mat_hypertable_id = ca.mat_hypertable_id
  LEFT JOIN job_stat js ON js.job_id = rp.job_id
 ORDER BY 1, 2
