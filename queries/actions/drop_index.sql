-- Drop an index of a hypertable (the object is an always-quoted identifier, checked by oid).
DROP INDEX {object}
