-- Decompress one chunk (its own transaction); a no-op if it is not compressed.
SELECT decompress_chunk($1::text::regclass, true)
