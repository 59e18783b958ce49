-- Decompress one chunk ($1 its oid; its own transaction); a no-op if it is not compressed.
SELECT {ts}.decompress_chunk($1::text::oid::regclass, true)
