-- Drop an index. {index} is a quoted identifier.
DROP INDEX {index}
