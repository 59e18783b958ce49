-- Policies as code: every compression, retention, refresh and reorder policy of a hypertable or
-- continuous aggregate (the relation as the user knows it: a cagg by its view) with its
-- schedule, state and config, and each hypertable's compression settings. Read by `hypertop
-- policy export|diff|apply|lint`; the same on every version (2.9 → newest).
WITH
--@include policy_jobs
, settings AS (
    SELECT s.hypertable_schema::text AS schema, s.hypertable_name::text AS name,
           array_agg(quote_ident(s.attname) ORDER BY s.segmentby_column_index)
               FILTER (WHERE s.segmentby_column_index IS NOT NULL) AS segmentby,
           array_agg(quote_ident(s.attname)
                     || CASE WHEN s.orderby_asc THEN '' ELSE ' DESC' END
                     || CASE WHEN s.orderby_nullsfirst = s.orderby_asc THEN ' NULLS FIRST' ELSE '' END
                     ORDER BY s.orderby_column_index)
               FILTER (WHERE s.orderby_column_index IS NOT NULL) AS orderby
      FROM timescaledb_information.compression_settings s
     GROUP BY 1, 2
), relation AS (
    -- every hypertable (not TimescaleDB's internal ones) and cagg, with compression on or off
    SELECT coalesce(ca.user_view_schema, h.schema_name)::text AS schema,
           coalesce(ca.user_view_name, h.table_name)::text AS name,
           h.schema_name::text AS ht_schema, h.table_name::text AS ht_name,
           ca.mat_hypertable_id IS NOT NULL AS is_cagg,
           h.compression_state = 1 OR coalesce((to_jsonb(h) ->> 'status')::int & 4 = 4, false)
                                                                   AS compression_enabled
      FROM _timescaledb_catalog.hypertable h
      LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = h.id
     WHERE (h.compression_state IS DISTINCT FROM 2
            AND h.schema_name NOT LIKE '\_timescaledb\_%')
        OR ca.mat_hypertable_id IS NOT NULL
)
SELECT r.schema, r.name, r.is_cagg, r.compression_enabled,
       coalesce(st.segmentby, '{}') AS segmentby, coalesce(st.orderby, '{}') AS orderby,
       p.job_id, p.proc_name, p.scheduled,
       j.schedule_interval::text AS schedule, j.config::text AS config
  FROM relation r
  LEFT JOIN settings st ON (st.schema, st.name) = (r.ht_schema, r.ht_name)
  LEFT JOIN policy_jobs p
         ON (p.relation_schema, p.relation_name) = (r.schema, r.name)
        AND p.proc_name IN ('policy_compression', 'policy_retention',
                            'policy_refresh_continuous_aggregate', 'policy_reorder')
  LEFT JOIN timescaledb_information.jobs j ON j.job_id = p.job_id
 ORDER BY r.schema, r.name, p.proc_name, p.job_id
