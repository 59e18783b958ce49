-- Convert one chunk to the columnstore ($1 its oid; its own transaction), where TimescaleDB has
-- the columnstore's procedure (2.18+: compress_chunk is its deprecated name); a no-op if it
-- already is.
CALL {ts}.convert_to_columnstore($1::text::oid::regclass, if_not_columnstore => true)
