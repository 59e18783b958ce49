-- Statements tab: this database's statements by total execution time, per statement and role
-- (pg_stat_statements 1.8+, PostgreSQL 13+), without their texts (read apart, only for
-- statements not seen before: the texts file is read whole on every call that shows them).
-- `{schema}` is the extension's schema, quoted.
SELECT s.queryid, r.rolname::text AS role, s.userid::int8 AS userid,
       sum(s.calls)::int8 AS calls, sum(s.total_exec_time)::float8 AS total_ms,
       (sum(s.total_exec_time) / nullif(sum(s.calls), 0))::float8 AS mean_ms,
       sum(s.rows)::int8 AS rows, sum(s.shared_blks_hit)::int8 AS blks_hit,
       sum(s.shared_blks_read)::int8 AS blks_read
  FROM {schema}.pg_stat_statements(false) s
  LEFT JOIN pg_catalog.pg_roles r ON r.oid = s.userid
 WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d
                  WHERE d.datname = pg_catalog.current_database())
 GROUP BY s.queryid, s.userid, r.rolname
 ORDER BY total_ms DESC
 LIMIT 500
