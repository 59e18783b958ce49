-- Drop the chunks of relation $1 (its oid: a hypertable or a continuous aggregate) entirely
-- older than now() - $2. Irreversible: their data is gone.
SELECT {ts}.drop_chunks($1::text::oid::regclass, older_than => $2::text::{threshold_type})
