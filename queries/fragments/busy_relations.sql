-- Fragment: the relations of this database on which a session holds or awaits an ACCESS
-- EXCLUSIVE lock, the one mode that blocks reading a relation's size.
busy AS MATERIALIZED (
    SELECT DISTINCT l.relation
      FROM pg_catalog.pg_locks l
     WHERE l.locktype = 'relation' AND l.relation IS NOT NULL
       AND l.mode = 'AccessExclusiveLock'
       AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d
                          WHERE d.datname = pg_catalog.current_database())
)
