-- Compress one chunk (its own transaction); a no-op if it already is.
SELECT compress_chunk($1::text::regclass, true)
