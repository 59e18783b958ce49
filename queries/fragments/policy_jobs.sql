-- Fragment: policy jobs keyed by the relation they act on as the user knows it. From 2.20 the
-- jobs view names a cagg's policy by the cagg view; before, by its materialized hypertable.
policy_jobs AS (
    SELECT j.job_id, j.proc_name::text AS proc_name, j.config, j.scheduled,
           extract(epoch FROM j.schedule_interval)::float8 AS schedule_seconds,
           coalesce(ca.view_schema, j.hypertable_schema)::text AS relation_schema,
           coalesce(ca.view_name, j.hypertable_name)::text AS relation_name,
           coalesce(ca.materialization_hypertable_schema, j.hypertable_schema)::text AS hypertable_schema,
           coalesce(ca.materialization_hypertable_name, j.hypertable_name)::text AS hypertable_name,
           (ca.view_name IS NOT NULL) AS is_cagg
      FROM timescaledb_information.jobs j
      LEFT JOIN timescaledb_information.continuous_aggregates ca
             ON (ca.view_schema, ca.view_name) = (j.hypertable_schema, j.hypertable_name)
             OR (ca.materialization_hypertable_schema, ca.materialization_hypertable_name)
                = (j.hypertable_schema, j.hypertable_name)
)
