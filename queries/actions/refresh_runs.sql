-- A refresh policy's runs so far ($1 its job id) and their mean length in seconds, from the
-- statistics table every version 2.9 and later has (its total_duration read by name).
SELECT s.total_runs::int8 AS runs,
       coalesce(extract(epoch FROM (pg_catalog.to_jsonb(s) ->> 'total_duration')::interval)
                / nullif(s.total_runs, 0), 0)::float8 AS mean_seconds
  FROM _timescaledb_internal.bgw_job_stat s
 WHERE s.job_id = $1
