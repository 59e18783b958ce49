-- Policies as code: every compression, retention, refresh, reorder and compaction policy of a
-- hypertable or continuous aggregate (the relation as the user knows it: a cagg by its view) with its
-- schedule, state and config, and each hypertable's compression settings. Read by `hypertop
-- policy export|diff|apply|lint`; the same on every version (2.9 → newest).
WITH
--@include policy_jobs_view
,
--@include compression_column
,
--@include compression_columns
, relation AS (
    -- every hypertable (not TimescaleDB's internal ones) and cagg, with compression on or off
    SELECT coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name, h.id,
           ca.mat_hypertable_id IS NOT NULL AS is_cagg,
           h.compression_state = 1 OR coalesce((to_jsonb(h) ->> 'status')::int & 4 = 4, false)
                                                                   AS compression_enabled,
           -- thresholds and offsets are numbers on an integer time column, intervals otherwise
           coalesce((SELECT d.column_type <> ALL (ARRAY['timestamp', 'timestamptz', 'date', 'uuid']::pg_catalog.regtype[])
                       FROM _timescaledb_catalog.dimension d
                      WHERE d.hypertable_id = h.id AND d.interval_length IS NOT NULL
                      ORDER BY d.id LIMIT 1), false)              AS integer_time
      FROM _timescaledb_catalog.hypertable h
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
     WHERE (h.compression_state IS DISTINCT FROM 2
            AND h.schema_name NOT LIKE '\_timescaledb\_%')
        OR ca.mat_hypertable_id IS NOT NULL
)
SELECT r.schema, r.name, r.is_cagg, r.compression_enabled, r.integer_time,
       coalesce(st.segmentby, '{}') AS segmentby, coalesce(st.orderby, '{}') AS orderby,
       p.job_id, p.proc_name, p.scheduled,
       j.schedule_interval::text AS schedule, j.config::text AS config
  FROM relation r
  LEFT JOIN compression_columns st ON st.hypertable_id = r.id
  LEFT JOIN policy_jobs p
         ON (p.relation_schema, p.relation_name) = (r.schema, r.name)
        AND p.proc_name IN ('policy_compression', 'policy_retention',
                            'policy_refresh_continuous_aggregate', 'policy_reorder',
                            'policy_compaction')
  LEFT JOIN timescaledb_information.jobs j ON j.job_id = p.job_id
 ORDER BY r.schema, r.name, p.proc_name, p.job_id
