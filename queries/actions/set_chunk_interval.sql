-- set-chunk-interval (and its undo): hypertable $1 (an oid) takes chunk interval $2 (an
-- interval, or integer time's units) for the chunks created from now on; existing chunks keep
-- their ranges.
SELECT {ts}.set_chunk_time_interval($1::text::oid::regclass, $2::text::{threshold_type})
