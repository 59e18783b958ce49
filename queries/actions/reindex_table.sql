-- Rebuild a table's indexes without blocking reads or writes. {table} is a quoted identifier.
REINDEX TABLE CONCURRENTLY {table}
