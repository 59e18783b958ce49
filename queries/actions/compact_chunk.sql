-- Compact chunk $1 (its oid): its compressed batches, written out of order, rewritten in order.
-- Skipped by the server while another session writes to it. Nothing to undo: the same rows.
SELECT _timescaledb_functions.compact_chunk($1::text::oid::regclass)
