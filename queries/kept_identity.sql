-- What a reader kept on disk for the next (the sizes, the catalog's structure, the relations'
-- rows, the probes) is good for: this server since it last started (a restart, a crash's
-- recovery or a restored backup starts it again), this database, its statistics since they
-- were last reset, TimescaleDB's version in it (another reads its catalog with other queries),
-- and this role (what one role was allowed to read is not shown to another reading with the
-- same recording). The versions that tell a relation unchanged count writes through those
-- statistics: a reset (of the database's, or of one table's, which notes the time on the
-- database too) sets a counter back to what it once was, and a size kept then would look
-- current. Anything different and nothing kept is used.
SELECT pg_catalog.concat_ws('/',
           pg_catalog.pg_postmaster_start_time(),
           d.oid,
           pg_catalog.pg_stat_get_db_stat_reset_time(d.oid),
           pg_catalog.current_setting('server_version_num'),
           (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname = 'timescaledb'),
           current_user) AS identity
  FROM pg_catalog.pg_database d
 WHERE d.datname = pg_catalog.current_database()
