-- Rebuild a table's indexes without blocking reads or writes (the object is an always-quoted
-- identifier, checked by oid).
REINDEX TABLE CONCURRENTLY {object}
