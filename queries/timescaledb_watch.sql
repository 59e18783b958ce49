-- The catalog pass's watch over TimescaleDB's catalog, run at every refresh beside
-- relations_watch.sql: which chunks, compression snapshots, definitions (hypertables, their
-- dimensions, continuous aggregates), jobs, compression settings and jobs' statistics were
-- written since the last refresh, exactly and at once: a row's writer (xmin) is its transaction, so a commit is
-- seen by the next refresh, where the statistics' counts of changed rows reach other sessions
-- up to 10 s later. $1: the horizon (the xid, as text, of the oldest transaction running when
-- the last watch read: horizon below); NULL on a first read, when every row is returned. $2:
-- how many chunks the last watch counted (NULL: not known). Both are read through subqueries,
-- so the planner plans the same whatever their values and the session keeps one plan (planned
-- for its value, a first read's NULL and a horizon chose plans apart, and on some servers
-- every run was planned again).
--
-- For each table: how many rows it has (a delete lowers it) and the versions of its recent
-- rows (fragments/row_version.sql); the client compares them with the last watch's and reads
-- again only what moved. A transaction left open keeps the horizon back and its rows recent:
-- they are sent again, not read again (their versions are known). For chunks, the recent
-- rows' ids, hypertables and statuses too (compressed, partial, unordered); for compression
-- snapshots their chunks' sizes before and after. A scan of each of these tables, the
-- chunks' the largest: cheap even at many chunks.
--
-- $3: where this watch may rest (fragments/watch_rest.sql), the writes the statistics counted
-- into its tables when the last watch scanned; it then scans none of them, unless those
-- counts moved, and says so (`scanned`): a console's refresh after one that scanned. The
-- jobs' statistics are scanned all the same (fragments/job_stat_watch.sql).
WITH rest AS (
    SELECT $3::int8 AS writes
), watched_tables(name) AS (
    VALUES ('_timescaledb_catalog.chunk'), ('_timescaledb_catalog.compression_chunk_size'),
           ('_timescaledb_catalog.hypertable'), ('_timescaledb_catalog.dimension'),
           ('_timescaledb_catalog.continuous_agg'), ('_timescaledb_config.bgw_job'),
           ('_timescaledb_catalog.bgw_job'), ('_timescaledb_catalog.compression_settings'),
           ('_timescaledb_catalog.hypertable_compression')
),
--@include watch_rest
, chunk_scan AS MATERIALIZED (
    -- one scan, every row counted and the recent ones' places (ctid) taken, no column read:
    -- taking their ids took every row's id apart (5.2 against 4.6 ms at 21k chunks, in a refresh
    -- where nothing moved); their columns are then fetched by place, in the same snapshot
    SELECT count(*) AS n,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM _timescaledb_catalog.chunk x
     WHERE (SELECT a.scanned FROM asked a)
), chunks AS MATERIALIZED (
    -- asked from no horizon (a first read, chunks deleted since), every row by a scan; else
    -- the recent ones by place (one-time filters on the horizon choose, the plan the same)
    -- (the arrays in the order the rows come, the same for each: the client sorts them; an
    -- ORDER BY in each aggregate sorted every row once for each)
    SELECT array_agg(x.id) AS ids,
           array_agg(x.hypertable_id) AS hypertables,
           array_agg(x.status) AS statuses,
           array_agg(
--@include id_version
           ) AS versions
      FROM (SELECT c.id, c.hypertable_id, c.status, c.xmin
              FROM _timescaledb_catalog.chunk c
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT c.id, c.hypertable_id, c.status, c.xmin
              FROM _timescaledb_catalog.chunk c
             WHERE (SELECT $1::text) IS NOT NULL
               AND c.ctid = ANY ((SELECT s.places FROM chunk_scan s)::tid[])) x
), sizes_asked AS MATERIALIZED (
    -- whether the snapshots are scanned: TimescaleDB writes a snapshot's row only in the
    -- transaction that writes its chunk's (compressed, decompressed, recompressed, merged,
    -- split, dropped: 2.9 to 2.29), so where no chunk row was written (none recent) or deleted
    -- (the count as $2, the last watch's) none of theirs was either. Where most chunks are
    -- compressed that scan is nearly the chunks' (20,000 snapshots 1.6 ms, 21k chunks 1.8 ms
    -- of the server alone). NULL $2: scanned
    SELECT (SELECT a.scanned FROM asked a)
           AND ((SELECT $1::text) IS NULL OR c.places IS NOT NULL
                OR c.n IS DISTINCT FROM (SELECT $2::int8)) AS scanned
      FROM chunk_scan c
), size_scan AS MATERIALIZED (
    -- as the chunks' (a compressed chunk has a row here), when asked
    SELECT count(*) AS n,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM _timescaledb_catalog.compression_chunk_size x
     WHERE (SELECT a.scanned FROM sizes_asked a)
), sizes AS MATERIALIZED (
    SELECT array_agg(x.id) AS ids,
           array_agg(x.uncompressed_heap_size + x.uncompressed_index_size
                     + x.uncompressed_toast_size) AS before,
           array_agg(x.compressed_heap_size + x.compressed_index_size
                     + x.compressed_toast_size) AS after,
           array_agg(
--@include id_version
           ) AS versions
      FROM (SELECT c.*, c.chunk_id AS id, c.xmin
              FROM _timescaledb_catalog.compression_chunk_size c
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT c.*, c.chunk_id AS id, c.xmin
              FROM _timescaledb_catalog.compression_chunk_size c
             WHERE (SELECT $1::text) IS NOT NULL
               AND c.ctid = ANY ((SELECT s.places FROM size_scan s)::tid[])) x
), hypertable_scan AS MATERIALIZED (
    SELECT count(*) AS n, sum(x.id) AS sum,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM _timescaledb_catalog.hypertable x
     WHERE (SELECT a.scanned FROM asked a)
), dimension_scan AS MATERIALIZED (
    SELECT count(*) AS n, sum(x.id) AS sum,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM _timescaledb_catalog.dimension x
     WHERE (SELECT a.scanned FROM asked a)
), cagg_scan AS MATERIALIZED (
    SELECT count(*) AS n, sum(x.mat_hypertable_id) AS sum,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM _timescaledb_catalog.continuous_agg x
     WHERE (SELECT a.scanned FROM asked a)
), definitions AS MATERIALIZED (
    -- what the client tells the hypertables whose rows (tables.sql) moved by, besides the
    -- versions: each recent row's table (1 hypertable, 2 dimension, 3 continuous aggregate), id
    -- and the hypertable it names, and each table's ids summed (a row deleted while another is
    -- made is seen: ids are taken in order, a new row's above every older one's). As the
    -- chunks: each table scanned once, counted and its recent rows' places taken (hypertable_scan
    -- and the others below), those rows then fetched by place; from no horizon, every row
    SELECT array_agg(
--@include row_version
           ) AS versions,
           array_agg(x.kind) AS kinds, array_agg(x.id) AS ids, array_agg(x.hypertable) AS hypertables
      FROM (SELECT x.xmin, x.ctid, 1 AS kind, x.id, x.id AS hypertable
              FROM _timescaledb_catalog.hypertable x
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT x.xmin, x.ctid, 1 AS kind, x.id, x.id AS hypertable
              FROM _timescaledb_catalog.hypertable x
             WHERE (SELECT $1::text) IS NOT NULL
               AND x.ctid = ANY ((SELECT s.places FROM hypertable_scan s)::tid[])
            UNION ALL
            SELECT x.xmin, x.ctid, 2, x.id, x.hypertable_id
              FROM _timescaledb_catalog.dimension x
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT x.xmin, x.ctid, 2, x.id, x.hypertable_id
              FROM _timescaledb_catalog.dimension x
             WHERE (SELECT $1::text) IS NOT NULL
               AND x.ctid = ANY ((SELECT s.places FROM dimension_scan s)::tid[])
            UNION ALL
            SELECT x.xmin, x.ctid, 3, x.mat_hypertable_id, x.mat_hypertable_id
              FROM _timescaledb_catalog.continuous_agg x
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT x.xmin, x.ctid, 3, x.mat_hypertable_id, x.mat_hypertable_id
              FROM _timescaledb_catalog.continuous_agg x
             WHERE (SELECT $1::text) IS NOT NULL
               AND x.ctid = ANY ((SELECT s.places FROM cagg_scan s)::tid[])) x
), job_scan AS MATERIALIZED (
    SELECT count(*) AS n, sum(x.id) AS sum,
           array_agg(x.ctid) FILTER (WHERE
--@include recent_rows
           ) AS places
      FROM (SELECT j.xmin, j.ctid, j.id
--@include jobs_table
           ) x
     WHERE (SELECT a.scanned FROM asked a)
), jobs AS MATERIALIZED (
    -- as the definitions: a job's row names the hypertable it acts on (none for some)
    SELECT array_agg(
--@include row_version
           ) AS versions,
           array_agg(x.id) AS ids, array_agg(x.hypertable_id) AS hypertables
      FROM (SELECT j.xmin, j.ctid, j.id, j.hypertable_id
--@include jobs_table
             WHERE (SELECT $1::text) IS NULL
            UNION ALL
            SELECT j.xmin, j.ctid, j.id, j.hypertable_id
--@include jobs_table
             WHERE (SELECT $1::text) IS NOT NULL
               AND j.ctid = ANY ((SELECT s.places FROM job_scan s)::tid[])) x
), settings AS MATERIALIZED (
    SELECT count(*) AS n,
           array_agg(
--@include row_version
           ) FILTER (WHERE (SELECT $1::text) IS NULL OR
--@include recent_rows
           ) AS versions
      FROM (
--@include settings_rows
           ) x
     WHERE (SELECT a.scanned FROM asked a)
),
-- the jobs' statistics: a retention job's run moves its row (the Retention tab's runs)
--@include job_stat_watch
SELECT pg_catalog.xid(pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot()))::text AS horizon,
       -- whether it scanned (else it rested: nothing below is read), and what was counted
       (SELECT a.scanned FROM asked a)                                        AS scanned,
       (SELECT c.writes FROM counted c)                                       AS writes,
       -- how far back the horizon asked for is: NULL or out of range (2^31 transactions)
       -- and the client reads everything
       pg_catalog.age($1::text::xid)                                          AS horizon_age,
       (SELECT c.n FROM chunk_scan c)                                         AS chunks,
       (SELECT c.ids FROM chunks c)                                           AS chunk_ids,
       (SELECT c.hypertables FROM chunks c)                                   AS chunk_hypertables,
       (SELECT c.statuses FROM chunks c)                                      AS chunk_statuses,
       (SELECT c.versions FROM chunks c)                                      AS chunk_versions,
       (SELECT c.n FROM size_scan c WHERE (SELECT a.scanned FROM sizes_asked a)) AS sizes,
       (SELECT c.ids FROM sizes c)                                            AS size_chunks,
       (SELECT c.before FROM sizes c)                                         AS size_before,
       (SELECT c.after FROM sizes c)                                          AS size_after,
       (SELECT c.versions FROM sizes c)                                       AS size_versions,
       (SELECT h.n FROM hypertable_scan h) + (SELECT d.n FROM dimension_scan d)
       + (SELECT c.n FROM cagg_scan c)                                        AS definitions,
       (SELECT d.versions FROM definitions d)                                 AS definition_versions,
       -- each table's (1 hypertable, 2 dimension, 3 continuous aggregate) rows and ids summed
       ARRAY[(SELECT h.n FROM hypertable_scan h), (SELECT d.n FROM dimension_scan d),
             (SELECT c.n FROM cagg_scan c)]                                   AS definition_counts,
       ARRAY[(SELECT coalesce(h.sum, 0) FROM hypertable_scan h),
             (SELECT coalesce(d.sum, 0) FROM dimension_scan d),
             (SELECT coalesce(c.sum, 0) FROM cagg_scan c)]                    AS definition_sums,
       (SELECT d.kinds FROM definitions d)                                    AS definition_kinds,
       (SELECT d.ids FROM definitions d)                                      AS definition_ids,
       (SELECT d.hypertables FROM definitions d)                              AS definition_hypertables,
       (SELECT j.n FROM job_scan j)                                           AS jobs,
       (SELECT j.versions FROM jobs j)                                        AS job_versions,
       ARRAY[(SELECT j.n FROM job_scan j)]                                    AS job_counts,
       ARRAY[(SELECT coalesce(j.sum, 0) FROM job_scan j)]                     AS job_sums,
       (SELECT j.ids FROM jobs j)                                             AS job_ids,
       (SELECT j.hypertables FROM jobs j)                                     AS job_hypertables,
       (SELECT s.n FROM settings s)                                           AS settings,
       (SELECT s.versions FROM settings s)                                    AS setting_versions,
       (SELECT s.n FROM stat_scan s)                                          AS stats,
       (SELECT s.ids FROM stats s)                                            AS stat_jobs,
       (SELECT s.versions FROM stats s)                                       AS stat_versions
