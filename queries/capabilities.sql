-- What this server and database can do, read once per connection. Features are detected from
-- the catalog (to_regclass / to_regprocedure / pg_attribute), never by comparing version strings.
WITH catalog_columns AS (
    -- the columns of TimescaleDB's chunk, dimension_slice and compression_settings tables
    -- (none without TimescaleDB)
    SELECT c.relname::text AS rel, a.attname::text AS col
      FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
     WHERE a.attrelid IN (to_regclass('_timescaledb_catalog.chunk'),
                          to_regclass('_timescaledb_catalog.dimension_slice'),
                          to_regclass('_timescaledb_catalog.compression_settings'))
       AND NOT a.attisdropped)
SELECT
    pg_catalog.current_setting('server_version_num')::int                                   AS server_version_num,
    pg_catalog.current_setting('server_version')                                            AS server_version,
    (SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'timescaledb') AS timescaledb_version,
    (SELECT n.nspname::text FROM pg_catalog.pg_extension e
       JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'timescaledb')                                           AS timescaledb_schema,
    -- whether the cluster's identity (for the journal, the recordings) may be read: a login a
    -- DBA revoked it from would fail on the call even under a CASE (its right is checked when
    -- the statement starts), so it is read apart (system_identifier.sql)
    pg_catalog.has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE')
                                                                                 AS may_read_system,
    -- what could be installed, asked only where it is not (it reads every extension's control
    -- file: a cost to a new session's first read, for a line shown only then)
    CASE WHEN NOT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'timescaledb')
         THEN (SELECT default_version FROM pg_catalog.pg_available_extensions
                WHERE name = 'timescaledb') END                                  AS timescaledb_available,
    coalesce((SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), false)
                                                                                 AS is_superuser,
    pg_catalog.pg_has_role(current_user, 'pg_monitor', 'MEMBER')                 AS has_pg_monitor,
    -- whether this role may list and stat files: a read wanting most relations then measures
    -- them by their files (relation_files.sql), without opening each one
    -- (to_regprocedure: an engine without either signature gets false, not an error)
    coalesce(pg_catalog.has_function_privilege(
                 pg_catalog.to_regprocedure('pg_catalog.pg_stat_file(text, boolean)'), 'EXECUTE')
             AND pg_catalog.has_function_privilege(
                 pg_catalog.to_regprocedure('pg_catalog.pg_ls_dir(text, boolean, boolean)'),
                 'EXECUTE'), false)                                              AS may_stat_files,
    -- whether this role may read pg_statistic itself (the segment statistics then read it)
    pg_catalog.has_table_privilege('pg_catalog.pg_statistic', 'SELECT')          AS reads_statistics,
    -- about how many relations there are: pg_class's own estimate, or from its size when it
    -- was never analysed (a row is about 300 bytes); a one-shot read of many opens two sessions
    (SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::int8
                 ELSE pg_catalog.pg_relation_size(c.oid) / 300 END
       FROM pg_catalog.pg_class c WHERE c.oid = 'pg_catalog.pg_class'::pg_catalog.regclass)
                                                                                 AS relations_estimate,
    current_user::text                                                           AS role_name,
    current_database()::text                                                     AS database,
    -- the database's own identity: one dropped and made again under its name is another
    (SELECT oid::bigint FROM pg_catalog.pg_database
      WHERE datname = current_database())                                        AS database_oid,
    pg_catalog.pg_is_in_recovery()                                               AS in_recovery,
    -- 2.12.0+: internal functions live in _timescaledb_functions
    to_regprocedure('_timescaledb_functions.to_timestamp(bigint)') IS NOT NULL   AS ts_functions_schema,
    -- 2.25.0+: bgw_job moved to _timescaledb_catalog
    to_regclass('_timescaledb_catalog.bgw_job') IS NOT NULL                      AS ts_bgw_job_in_catalog,
    -- 2.11.0+: persisted cagg watermarks
    to_regclass('_timescaledb_catalog.continuous_aggs_watermark') IS NOT NULL    AS ts_cagg_watermark_table,
    -- 2.15.0+: job run history
    to_regclass('_timescaledb_internal.bgw_job_stat_history') IS NOT NULL        AS ts_job_history,
    -- 2.14.0+: compression_settings replaces hypertable_compression
    to_regclass('_timescaledb_catalog.compression_settings') IS NOT NULL         AS ts_compression_settings,
    -- 2.22.0+: a compressed chunk's settings row names its compressed table
    EXISTS (SELECT FROM catalog_columns WHERE (rel, col) = ('compression_settings', 'compress_relid'))
                                                                                 AS ts_settings_compress_relid,
    -- chunk.dropped exists up to 2.25.x
    EXISTS (SELECT FROM catalog_columns WHERE (rel, col) = ('chunk', 'dropped')) AS ts_chunk_dropped_column,
    -- 2.29.0+: chunk rows carry relid instead of schema_name/table_name
    EXISTS (SELECT FROM catalog_columns WHERE (rel, col) = ('chunk', 'relid'))   AS ts_chunk_relid_column,
    -- 2.13.0+: chunk rows carry their creation time
    EXISTS (SELECT FROM catalog_columns WHERE (rel, col) = ('chunk', 'creation_time'))
                                                                                 AS ts_chunk_creation_time,
    -- 2.28.0+: a dimension slice names its chunk (chunk_constraint becomes a view over it)
    EXISTS (SELECT FROM catalog_columns WHERE (rel, col) = ('dimension_slice', 'chunk_id'))
                                                                                 AS ts_slice_chunk_id,
    -- the extension's own procedures, in its schema: 2.18.0+ the columnstore's names
    -- (convert_to_columnstore, add_columnstore_policy …) and merge_chunks, 2.24.0+
    -- merge_chunks_concurrently, 2.29.0+ compact_chunk
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'convert_to_columnstore')                         AS ts_columnstore,
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'merge_chunks')                                   AS ts_merge_chunks,
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'merge_chunks_concurrently')                      AS ts_merge_chunks_concurrently,
    to_regprocedure('_timescaledb_functions.compact_chunk(regclass, integer)') IS NOT NULL
                                                                                 AS ts_compact_chunk,
    -- 2.29.0+: add_compaction_policy
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'add_compaction_policy')                          AS ts_compaction_policy,
    -- 2.28.0+: the compressed chunks' activity counted in shared memory (stat_chunk_activity)
    to_regprocedure('_timescaledb_functions.chunk_statistics(regclass, regclass, timestamptz)')
      IS NOT NULL                                                                AS ts_chunk_statistics,
    -- a refresh policy's batching as add_continuous_aggregate_policy's arguments: buckets and
    -- batches (2.19+), their order (2.20+)
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'add_continuous_aggregate_policy'
               AND 'buckets_per_batch' = ANY (p.proargnames))                    AS ts_refresh_batching,
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'add_continuous_aggregate_policy'
               AND 'refresh_newest_first' = ANY (p.proargnames))                 AS ts_refresh_newest_first,
    -- refresh_continuous_aggregate takes options (its batches read from them from 2.28 only)
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'refresh_continuous_aggregate'
               AND 'options' = ANY (p.proargnames))                              AS ts_refresh_options,
    -- 2.29.0+: TimescaleDB names a hypertable's status bits (direct compress, OSM, ...)
    to_regprocedure('_timescaledb_functions.hypertable_status_text(integer)') IS NOT NULL
                                                                                 AS ts_hypertable_status_text,
    -- 2.12.0+: alter_job takes a fixed schedule's time zone (and clears it when not given one)
    EXISTS (SELECT FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_extension e
                ON e.extname = 'timescaledb' AND p.pronamespace = e.extnamespace
             WHERE p.proname = 'alter_job' AND 'timezone' = ANY (p.proargnames)) AS ts_alter_job_timezone
