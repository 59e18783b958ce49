-- Rebuild one index without blocking reads or writes. {index} is a quoted identifier.
REINDEX INDEX CONCURRENTLY {index}
