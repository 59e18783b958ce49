-- Convert one chunk back to the rowstore ($1 its oid; its own transaction), where TimescaleDB
-- has the columnstore's procedure (2.18+: decompress_chunk is its deprecated name); a no-op if
-- it is not in the columnstore.
CALL {ts}.convert_to_rowstore($1::text::oid::regclass, if_columnstore => true)
