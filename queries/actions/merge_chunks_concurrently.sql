-- Merge the chunks $1 (their oids, adjacent in time, oldest first) into one while reads and
-- writes of them go on (2.24+: the heavy lock only at the swap). A procedure: not in a
-- transaction block. Irreversible as such, as merge_chunks.sql.
CALL {ts}.merge_chunks_concurrently($1::text::oid[]::regclass[])
