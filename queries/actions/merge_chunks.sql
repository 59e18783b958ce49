-- Merge the chunks $1 (their oids, adjacent in time, oldest first) into one. A procedure: not in
-- a transaction block. Irreversible as such: split_chunk cuts a chunk at one point, not back into
-- the chunks that were.
CALL {ts}.merge_chunks($1::text::oid[]::regclass[])
