-- Drop an index on an ordinary table without blocking it (the object is an always-quoted
-- identifier, checked by oid).
DROP INDEX CONCURRENTLY {object}
