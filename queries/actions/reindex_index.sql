-- Rebuild one index without blocking reads or writes (the object is an always-quoted identifier,
-- checked by oid).
REINDEX INDEX CONCURRENTLY {object}
