-- Retention tab: every hypertable or continuous aggregate with a retention policy: drop_after,
-- the oldest chunk, chunks overdue (entirely older than drop_after) and the job's schedule and
-- last run. One catalog pass.
WITH
--@include chunk_sizes
,
--@include policy_jobs
,
--@include integer_now
, policy AS MATERIALIZED (
    SELECT p.*, p.config -> 'drop_after' AS after,
           p.config ->> 'drop_created_before' AS created_before
      FROM policy_jobs p
     WHERE p.proc_name = 'policy_retention'
), per_policy AS MATERIALIZED (
    -- Each chunk of a policy's relation judged against drop_after, summed per policy in one pass.
    SELECT p.job_id,
           count(cs.chunk_name)                                         AS chunks,
           min(cs.range_start)                                          AS oldest_start,
           min(cs.range_start_integer)                                  AS oldest_start_integer,
           count(*) FILTER (WHERE j.overdue)                            AS overdue_chunks,
           coalesce(sum(cs.heap_bytes + cs.index_bytes + cs.toast_bytes)
                    FILTER (WHERE j.overdue), 0)::bigint                AS overdue_bytes
      FROM chunk_sizes cs
      JOIN policy p USING (hypertable_schema, hypertable_name)
      LEFT JOIN integer_now inow USING (hypertable_schema, hypertable_name)
      CROSS JOIN LATERAL (
        SELECT (jsonb_typeof(p.after) = 'string'
                    AND cs.range_end <= now() - (p.after #>> '{}')::interval)
            OR (jsonb_typeof(p.after) = 'number'
                    AND cs.range_end_integer <= inow.now_int - (p.after #>> '{}')::bigint)
            OR (p.created_before IS NOT NULL
                    AND cs.created <= now() - p.created_before::interval) AS overdue) j
     GROUP BY p.job_id
)
SELECT p.relation_schema                                                AS schema,
       p.relation_name                                                  AS name,
       p.is_cagg,
       p.job_id, p.scheduled, p.schedule_seconds,
       coalesce(p.after #>> '{}', 'created before ' || p.created_before) AS drop_after,
       CASE WHEN jsonb_typeof(p.after) = 'string'
            THEN extract(epoch FROM (p.after #>> '{}')::interval)::float8
            WHEN p.created_before IS NOT NULL
            THEN extract(epoch FROM p.created_before::interval)::float8 END AS drop_after_seconds,
       coalesce(a.chunks, 0)                                            AS chunks,
       a.oldest_start, a.oldest_start_integer,
       coalesce(a.overdue_chunks, 0)                                    AS overdue_chunks,
       coalesce(a.overdue_bytes, 0)                                     AS overdue_bytes,
       CASE WHEN isfinite(js.last_run_started_at) THEN js.last_run_started_at END AS last_run,
       js.last_run_status::text                                         AS last_run_status,
       CASE WHEN isfinite(js.next_start) THEN js.next_start END         AS next_start
  FROM policy p
  LEFT JOIN per_policy a ON a.job_id = p.job_id
  LEFT JOIN timescaledb_information.job_stats js ON js.job_id = p.job_id
 ORDER BY 1, 2
