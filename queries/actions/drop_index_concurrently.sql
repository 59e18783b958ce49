-- Drop an index on an ordinary table without blocking it. {index} is a quoted identifier.
DROP INDEX CONCURRENTLY {index}
