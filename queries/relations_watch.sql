-- The catalog pass's watch over relations, run at every refresh (plain PostgreSQL and
-- TimescaleDB alike): what moved since the last refresh, at a cost that follows what is being
-- written, not the size of the catalog. Its answer decides what the refresh reads again.
-- $1 oid[]: the tables written lately (the client's "hot" set; a table joins it when a write
-- to it is seen, leaves it after a quiet while); $2 oid: the oid from which relations are new
-- (the client keeps, watch by watch, the highest oid then and the snapshot's bounds, and asks
-- from a watch older than every transaction that could commit one since: an oid is taken
-- before its transaction commits, and one taken by a transaction older than the last watch
-- can be below what that watch saw).
--
-- * Relations created since: every relation with an oid above $2 (a range of pg_class's oid
--   index), with its kind and, for an index, its table: a chunk, a chunk's index or TOAST
--   table, a compressed chunk's, or DDL the client must read whole (an index on a listed
--   table, a table of its own). Those it knows already it leaves.
-- * Relations given a new file since (TRUNCATE, VACUUM FULL, CLUSTER, REINDEX, a compress):
--   a file number comes from the same counter as oids, so above $2 too (a range of pg_class's
--   index on tablespace and file number); they are measured again. Oids and file numbers grow
--   until the counter wraps (after 4 billion); what that would hide is seen by the counted
--   changes below and the full read every ten minutes.
-- * The catalogs' own tables are watched always, hot or not: the system catalogs (oids below
--   16384, given by initdb) and the tables extensions made (TimescaleDB's catalog, its jobs'
--   statistics). Every chunk made, compressed or dropped, every job's run and every ANALYZE
--   writes some; were they not watched, the first such write after a quiet while would count
--   as written elsewhere and have every table's version read.
-- * The hot tables' and the new tables' versions (fragments/relation_version.sql: what moves
--   with their files) and writes (rows inserted, updated and deleted, as the statistics count
--   them), and the database's writes together: what the database wrote that the hot and new
--   tables do not account for was written to another table, and only then are all tables'
--   versions read (relation_versions.sql) to find it. A new table's writes are all since its
--   creation, which is since the last refresh. The statistics hold a backend's counts until it
--   reports them: at once when it goes idle or ends, within 10 s when it reported less than a
--   second before.
-- * The catalog's counted changes (pg_class, pg_attribute, pg_namespace, pg_index: a rename,
--   a dropped relation), seen as soon as the statistics are; NULL when writes are not counted
--   (track_counts off, an engine that publishes none): then everything is read. Of those, the
--   rows deleted from pg_class apart: only a relation dropped deletes one, and only then is
--   every table's version read to find what went (a relation made is among the new ones, a
--   rename or a changed definition is looked for among what the structure names); and the
--   rows updated in pg_index: only then are its rows looked at for a validity set in place.
-- * The snapshot's bounds (full transaction ids): the oldest transaction running and the next.
-- The parameters are read through subqueries and the oids bounded above: the planner then plans the
-- same whatever their values, and the session keeps one plan (with the values seen, each run was
-- planned again, which took as long as the run itself), an index range for each part.
-- Another session's temporary relations are left out, as everywhere (relation_versions.sql),
-- but for their writes: the database counts them too, and a temporary table written lately is
-- watched as the others are (its writes accounted for, its size not measured).
WITH r AS MATERIALIZED (
    SELECT d.oid AS db,
           coalesce((extract(epoch FROM pg_catalog.pg_stat_get_db_stat_reset_time(d.oid))
                     * 1000000)::int8, 0) AS reset
      FROM pg_catalog.pg_database d
     WHERE d.datname = pg_catalog.current_database()
), counted AS MATERIALIZED (
    SELECT pg_catalog.current_setting('track_counts')::bool AS on
), fresh AS MATERIALIZED (
    SELECT c.oid, c.relkind,
           (SELECT x.indrelid FROM pg_catalog.pg_index x WHERE x.indexrelid = c.oid) AS indrelid,
           c.relpersistence
      FROM pg_catalog.pg_class c
     WHERE c.oid > (SELECT $2::oid) AND c.oid <= 4294967295::oid
       AND c.relkind IN ('r', 't', 'i', 'm', 'S', 'p')
       AND c.relpersistence <> 't'
), renewed AS MATERIALIZED (
    SELECT c.oid, c.relfilenode
      FROM pg_catalog.pg_class c
     WHERE c.reltablespace IN (SELECT 0::oid UNION ALL SELECT t.oid FROM pg_catalog.pg_tablespace t)
       AND c.relfilenode > (SELECT $2::oid) AND c.relfilenode <= 4294967295::oid
       AND c.oid <= (SELECT $2::oid)
       AND c.relpersistence <> 't'
), standing AS MATERIALIZED (
    -- the tables extensions made (TimescaleDB's catalog, its jobs' statistics), by the index
    -- on what objects depend on
    SELECT array_agg(d.objid) AS oids
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass
       AND d.classid = 'pg_catalog.pg_class'::regclass AND d.deptype = 'e'
), watched AS MATERIALIZED (
    -- in one pass, in the order the rows come (the same for each array; the client sorts them
    -- by oid): an aggregate of its own for each, each sorting, was 0.3 of the watch's 1.07 ms
    SELECT array_agg(c.oid) AS oids,
           array_agg(
--@include relation_version
           ) AS versions,
           array_agg(pg_catalog.pg_stat_get_tuples_inserted(c.oid)
                     + pg_catalog.pg_stat_get_tuples_updated(c.oid)
                     + pg_catalog.pg_stat_get_tuples_deleted(c.oid)) AS writes,
           array_agg(c.relpersistence = 't') AS temporary,
           array_agg(coalesce(c.oid < 16384 OR c.oid = ANY (s.oids), false)) AS standing
      FROM pg_catalog.pg_class c, r, standing s
     WHERE (c.oid = ANY ((SELECT $1::oid[])::oid[])
            OR (c.oid > (SELECT $2::oid) AND c.oid <= 4294967295::oid)
            OR c.oid < 16384 OR c.oid = ANY (s.oids))
       AND c.relkind IN ('r', 't', 'm')
)
SELECT (SELECT array_agg(f.oid ORDER BY f.oid) FROM fresh f)                        AS new_oids,
       (SELECT array_agg(f.relkind::text ORDER BY f.oid) FROM fresh f)              AS new_kinds,
       (SELECT array_agg(coalesce(f.indrelid, 0::oid) ORDER BY f.oid) FROM fresh f) AS new_tables,
       (SELECT array_agg(n.oid ORDER BY n.oid) FROM renewed n)                      AS renewed,
       (SELECT array_agg(n.relfilenode ORDER BY n.oid) FROM renewed n)              AS renewed_files,
       (SELECT max(c.oid) FROM pg_catalog.pg_class c)                                AS max_oid,
       pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())::text::int8      AS oldest,
       pg_catalog.pg_snapshot_xmax(pg_catalog.pg_current_snapshot())::text::int8      AS next,
       (SELECT w.oids FROM watched w)                                                AS oids,
       (SELECT w.versions FROM watched w)                                            AS versions,
       (SELECT w.writes FROM watched w)                                              AS writes,
       (SELECT w.temporary FROM watched w)                                           AS temporary,
       (SELECT w.standing FROM watched w)                                            AS standing,
       pg_catalog.pg_stat_get_db_tuples_inserted(r.db) + pg_catalog.pg_stat_get_db_tuples_updated(r.db)
       + pg_catalog.pg_stat_get_db_tuples_deleted(r.db)                              AS database_writes,
       r.reset,
       (SELECT nullif(sum(pg_catalog.pg_stat_get_tuples_inserted(t)
                   + pg_catalog.pg_stat_get_tuples_updated(t)
                   + pg_catalog.pg_stat_get_tuples_deleted(t)), 0)
          FROM unnest(ARRAY['pg_catalog.pg_class', 'pg_catalog.pg_attribute',
                            'pg_catalog.pg_namespace', 'pg_catalog.pg_index']::regclass[]) t
         WHERE (SELECT c.on FROM counted c))::int8                                   AS catalog_changes,
       pg_catalog.pg_stat_get_tuples_deleted('pg_catalog.pg_class'::regclass)        AS relations_dropped,
       pg_catalog.pg_stat_get_tuples_updated('pg_catalog.pg_index'::regclass)        AS index_updates
  FROM r
