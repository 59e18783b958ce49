-- What the sizes a one-shot read kept on disk are good for: this server since it last started
-- (a restart, a crash's recovery or a restored backup starts it again), this database, and its
-- statistics since they were last reset. The versions that tell a relation unchanged count
-- writes through those statistics: a reset (of the database's, or of one table's, which notes
-- the time on the database too) sets a counter back to what it once was, and a size kept then
-- would look current. Anything different and nothing kept is used.
SELECT pg_catalog.concat_ws('/',
           pg_catalog.pg_postmaster_start_time(),
           d.oid,
           pg_catalog.pg_stat_get_db_stat_reset_time(d.oid),
           pg_catalog.current_setting('server_version_num')) AS identity
  FROM pg_catalog.pg_database d
 WHERE d.datname = pg_catalog.current_database()
