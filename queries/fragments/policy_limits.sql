-- Fragment: each hypertable's compression and retention thresholds in TimescaleDB's internal
-- time, computed once per policy (not per chunk): a chunk is due when its range ends at or
-- before `*_upto`, or (a policy by creation time) it was created before `*_created`. Expects
-- CTEs `hyper` (id, dim_id, integer_now_func_schema, integer_now_func),
-- `policy_jobs` and `integer_now_given` (id, now_int: each query's own parameters) before it.
integer_now AS MATERIALIZED (
    -- "now" of integer-time hypertables, as model::integer_now read it from their
    -- integer_now functions (a hypertable not listed: unknown)
    SELECT g.id, g.now_int FROM integer_now_given g
), policy AS MATERIALIZED (
    -- the (first) compression and retention policy of each relation
    SELECT DISTINCT ON (h.id, p.proc_name)
           h.id AS hypertable_id, p.proc_name, p.job_id, p.scheduled, p.schedule_seconds,
           coalesce(p.config -> 'compress_after', p.config -> 'drop_after') AS after,
           coalesce(p.config ->> 'compress_created_before',
                    p.config ->> 'drop_created_before')             AS created_before
      FROM policy_jobs p
      JOIN hyper h ON h.id = p.hypertable_id
     WHERE p.proc_name IN ('policy_compression', 'policy_retention')
     ORDER BY h.id, p.proc_name, p.job_id
),
policy_limit AS (
    -- a chunk is due when its range ends at or before `upto`, or it was created before `created`
    SELECT p.*,
           CASE WHEN jsonb_typeof(p.after) = 'string'
                THEN (extract(epoch FROM now() - (p.after #>> '{}')::interval) * 1000000)::bigint
                WHEN jsonb_typeof(p.after) = 'number'
                THEN i.now_int - (p.after #>> '{}')::bigint END     AS upto,
           now() - p.created_before::interval                       AS created
      FROM policy p
      LEFT JOIN integer_now i ON i.id = p.hypertable_id
), hyper_limits AS MATERIALIZED (
    SELECT h.id, h.dim_id,
           c.upto AS compress_upto, c.created AS compress_created,
           r.upto AS drop_upto, r.created AS drop_created
      FROM hyper h
      LEFT JOIN policy_limit c ON c.hypertable_id = h.id AND c.proc_name = 'policy_compression'
      LEFT JOIN policy_limit r ON r.hypertable_id = h.id AND r.proc_name = 'policy_retention'
)