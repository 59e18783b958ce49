-- Fragment: policy jobs keyed by the relation they act on as the user knows it. From 2.20 the
-- jobs view names a cagg's policy by the cagg view; before, by its materialized hypertable.
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
           coalesce(ca.view_name, j.hypertable_name)::text AS relation_name,
           coalesce(ca.mat_schema, j.hypertable_schema)::text AS hypertable_schema,
           coalesce(ca.mat_name, j.hypertable_name)::text AS hypertable_name,
           (ca.view_name IS NOT NULL) AS is_cagg
      FROM timescaledb_information.jobs j
      LEFT JOIN cagg_names ca
             ON (ca.view_schema, ca.view_name) = (j.hypertable_schema::text, j.hypertable_name::text)
             OR (ca.mat_schema, ca.mat_name) = (j.hypertable_schema::text, j.hypertable_name::text)
)
