-- Compact chunk $1 (its oid) as compact_chunk.sql does, stopping after about $2 batches (at a
-- segment's end; TimescaleDB's max_batches): a chunk with more stays unordered until compacted
-- again.
SELECT _timescaledb_functions.compact_chunk($1::text::oid::regclass, $2::text::int)
