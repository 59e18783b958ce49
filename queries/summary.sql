-- The overview's server facts: one row, catalog functions only (cheap at any scale). Safe on
-- plain PostgreSQL: TimescaleDB settings are read with missing_ok. The database's size is the
-- catalog pass's (relation_pages.sql): it reads every relation's pages anyway, and summing them
-- here too was most of this query at many chunks. The sessions and this database's
-- statistics come from the functions behind pg_stat_activity, pg_stat_ssl and pg_stat_database,
-- each read once: a new session planned the views four times over, and pg_settings built every
-- setting's row for one (a cost on a new session, which every first read and every target of
-- a cold scrape pays).
SELECT
    version()                                                          AS version,
    pg_catalog.pg_postmaster_start_time()                              AS started_at,
    now()                                                              AS server_now,
    act.connections,
    current_setting('max_connections')::int                            AS max_connections,
    pg_catalog.host(pg_catalog.inet_server_addr())                              AS server_addr,
    pg_catalog.inet_server_port()                                      AS server_port,
    pg_catalog.pg_backend_pid()                                        AS backend_pid,
    current_setting('application_name')                                AS application_name,
    (SELECT extversion FROM pg_catalog.pg_extension
      WHERE extname = 'timescaledb')                                   AS timescaledb_version,
    (SELECT ssl FROM pg_catalog.pg_stat_get_activity(pg_catalog.pg_backend_pid())) AS ssl,
    current_setting('default_transaction_read_only') = 'on'            AS read_only,
    current_setting('statement_timeout')                               AS statement_timeout,
    pg_catalog.pg_stat_get_db_stat_reset_time(db.oid)                 AS stats_reset,
    current_setting('timescaledb.max_background_workers', true)::int  AS max_background_workers,
    current_setting('max_worker_processes')::int                       AS max_worker_processes,
    coalesce(current_setting('timescaledb.restoring', true), 'off') = 'on' AS timescaledb_restoring,
    act.scheduler_running,
    -- Without the loader in shared_preload_libraries no TimescaleDB background worker starts.
    -- (NULL for a role that may not read it: without pg_read_all_settings' privileges)
    CASE WHEN pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'USAGE')
         THEN 'timescaledb' = ANY (string_to_array(replace(replace(
                  current_setting('shared_preload_libraries'), ' ', ''), '"', ''), ','))
    END                                                                AS timescaledb_preloaded,
    -- `apache` runs no compression, continuous aggregate or reorder job (they are TSL code).
    current_setting('timescaledb.license', true)                      AS timescaledb_license,
    current_setting('max_parallel_workers')::int                       AS max_parallel_workers,
    -- TimescaleDB's background workers in use across the cluster: each database's scheduler and
    -- each running job (its backend type ends in `[job id]`); they share max_background_workers.
    act.schedulers,
    act.job_workers,
    -- Rows inserted into this database's tables, as the statistics count them: the pulse's
    -- ingest rate is its change between two reads (NULL without track_counts).
    CASE WHEN current_setting('track_counts')::bool
         THEN pg_catalog.pg_stat_get_db_tuples_inserted(db.oid) END    AS rows_inserted,
    -- Whether the server counts index scans at all: track_counts on, and this very session
    -- among the database's backends (an embedded single-session engine, the demo's, has none
    -- and never counts a scan).
    current_setting('track_counts')::bool
      AND pg_catalog.pg_stat_get_db_numbackends(db.oid) > 0            AS counts_usage,
    -- The memory the chunk-interval advisor measures recent chunks against, in bytes, as the
    -- server reports it (pg_size_bytes of the setting with its unit).
    pg_catalog.pg_size_bytes(current_setting('shared_buffers'))        AS shared_buffers_bytes,
    pg_catalog.pg_size_bytes(current_setting('effective_cache_size'))  AS effective_cache_size_bytes
  FROM (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) db,
       LATERAL (SELECT count(*) FILTER (WHERE a.backend_type IS NULL
                                           OR a.backend_type = 'client backend') AS connections,
                       coalesce(bool_or(a.backend_type = 'TimescaleDB Background Worker Scheduler'
                                        AND a.datid = db.oid), false)           AS scheduler_running,
                       count(*) FILTER (WHERE a.backend_type
                                              = 'TimescaleDB Background Worker Scheduler') AS schedulers,
                       count(*) FILTER (WHERE a.backend_type ~ '\[[0-9]+\]$')  AS job_workers
                  FROM pg_catalog.pg_stat_get_activity(NULL) a) act
