-- Compress one chunk ($1 its oid; its own transaction); a no-op if it already is.
SELECT {ts}.compress_chunk($1::text::oid::regclass, true)
