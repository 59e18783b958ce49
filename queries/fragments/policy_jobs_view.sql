-- Fragment: policy jobs keyed by the relation they act on as the user knows it, read through
-- the jobs view, the same text on every version (actions, whose SQL a journal keeps, and the
-- policies as code; the screens read the jobs table: policy_jobs.sql). From 2.20 the jobs view
-- names a cagg's policy by the cagg view; before, by its materialized hypertable.
-- Caggs are read from the catalog (the continuous_aggregates view joins pg_class by name).
cagg_names AS (
    SELECT ca.user_view_schema::text AS view_schema, ca.user_view_name::text AS view_name,
           mh.schema_name::text AS mat_schema, mh.table_name::text AS mat_name
      FROM _timescaledb_catalog.continuous_agg ca
      JOIN _timescaledb_catalog.hypertable mh ON mh.id = ca.mat_hypertable_id
), policy_jobs AS (
    SELECT j.job_id, j.proc_name::text AS proc_name, j.config, j.scheduled,
           extract(epoch FROM j.schedule_interval)::float8 AS schedule_seconds,
           coalesce(ca.view_schema, j.hypertable_schema)::text AS relation_schema,
           coalesce(ca.view_name, j.hypertable_name)::text AS relation_name
      FROM timescaledb_information.jobs j
      -- by its view or by its materialization, as two joins a hash serves (one join with OR
      -- compared every job with every cagg)
      LEFT JOIN cagg_names cv
             ON (cv.view_schema, cv.view_name) = (j.hypertable_schema::text, j.hypertable_name::text)
      LEFT JOIN cagg_names cm
             ON (cm.mat_schema, cm.mat_name) = (j.hypertable_schema::text, j.hypertable_name::text)
     CROSS JOIN LATERAL (SELECT coalesce(cv.view_schema, cm.view_schema) AS view_schema,
                                coalesce(cv.view_name, cm.view_name) AS view_name) ca
)
