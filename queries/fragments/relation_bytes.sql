-- Fragment: the bytes on disk of relation `c` (a pg_class row) itself, every fork (main, free
-- space map, visibility map, init) as pg_relation_size stats them; its TOAST table and indexes
-- are relations of their own. NULL while a session holds or awaits an ACCESS EXCLUSIVE lock on
-- it (a compress, decompress, drop or TRUNCATE): measuring would wait behind that lock, so the
-- caller keeps the last size it knew. `busy` (fragment busy_relations) must come before.
CASE WHEN c.oid NOT IN (SELECT b.relation FROM busy b)
     THEN pg_catalog.pg_relation_size(c.oid, 'main') + pg_catalog.pg_relation_size(c.oid, 'fsm')
          + pg_catalog.pg_relation_size(c.oid, 'vm') + pg_catalog.pg_relation_size(c.oid, 'init')
END
