-- Jobs tab: every job of the jobs table (what the jobs view lists, on every version) as it is
-- defined — its procedure, what it acts on, owner, schedule and configuration. Only DDL and job
-- changes move these: kept between refreshes and read again when definitions_version.sql moves;
-- what its runs change is job_states.sql's, read at every refresh. Read whole at every refresh with
-- its states, these columns were about half of the jobs' cost. The table, not the view: a new
-- session planned the view's joins for nothing. Its filtered form ($1: the jobs' ids) reads the
-- jobs whose rows the watch saw written, where none was deleted (jobs_watch.sql).
SELECT j.id                                                       AS job_id,
       j.application_name::text                                   AS application_name,
       j.proc_schema::text                                        AS proc_schema,
       j.proc_name::text                                          AS proc_name,
       -- what it acts on as the user knows it: a cagg by its view
       coalesce(ca.user_view_schema, h.schema_name)::text         AS target_schema,
       coalesce(ca.user_view_name, h.table_name)::text            AS target_name,
       j.owner::text                                              AS owner,
       extract(epoch FROM j.schedule_interval)::float8            AS schedule_seconds,
       j.scheduled,
       j.config::text                                             AS config,
       -- a policy whose hypertable is gone: the id its configuration names where no hypertable
       -- has it (an id written as anything but a plain number is not read: a configuration is
       -- written by whoever made the job)
       CASE WHEN j.proc_schema::text LIKE '\_timescaledb\_%' AND j.proc_name::text LIKE 'policy\_%'
             AND h.id IS NULL AND ca.mat_hypertable_id IS NULL
            THEN (SELECT n.id FROM (SELECT CASE
                      WHEN j.config ->> 'hypertable_id' ~ '^[0-9]{1,9}$'
                      THEN (j.config ->> 'hypertable_id')::int
                      WHEN j.config ->> 'mat_hypertable_id' ~ '^[0-9]{1,9}$'
                      THEN (j.config ->> 'mat_hypertable_id')::int END AS id) n
                   WHERE NOT EXISTS (SELECT FROM _timescaledb_catalog.hypertable g
                                      WHERE g.id = coalesce(j.hypertable_id, n.id)))
       END                                                        AS target_gone
--@include jobs_table
  LEFT JOIN _timescaledb_catalog.hypertable h ON h.id = j.hypertable_id
  LEFT JOIN _timescaledb_catalog.continuous_agg ca ON ca.mat_hypertable_id = j.hypertable_id
 WHERE true  -- every job, or (the filtered form) those of $1:
--@include jobs_filter
 ORDER BY j.id
