-- A cagg's time type and its refresh policy's window ends, computed now: now() - start_offset,
-- now() - end_offset (NULL offsets: open-ended). $1 schema, $2 name.
WITH
--@include policy_jobs_view
SELECT d.column_type::text AS time_type,
       (p.job_id IS NOT NULL) AS has_policy,
       CASE jsonb_typeof(p.config -> 'start_offset')
         WHEN 'string' THEN (now() - (p.config ->> 'start_offset')::interval)::text
         WHEN 'number' THEN ((p.config ->> 'start_offset')::bigint)::text END AS window_start,
       CASE jsonb_typeof(p.config -> 'end_offset')
         WHEN 'string' THEN (now() - (p.config ->> 'end_offset')::interval)::text
         WHEN 'number' THEN ((p.config ->> 'end_offset')::bigint)::text END AS window_end
  FROM timescaledb_information.continuous_aggregates ca
  JOIN timescaledb_information.dimensions d
    ON (d.hypertable_schema, d.hypertable_name)
     = (ca.materialization_hypertable_schema, ca.materialization_hypertable_name)
   AND d.dimension_number = 1
  LEFT JOIN policy_jobs p
    ON (p.relation_schema, p.relation_name) = (ca.view_schema, ca.view_name)
   AND p.proc_name = 'policy_refresh_continuous_aggregate'
 WHERE (ca.view_schema, ca.view_name) = ($1, $2)
