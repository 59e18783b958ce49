-- The bytes of the store's hypertables' chunks, compressed ones included ({ts}: TimescaleDB's schema).
SELECT (COALESCE({ts}.hypertable_size('hypertop.frame'::regclass), 0)
        + COALESCE({ts}.hypertable_size('hypertop.sample'::regclass), 0)
        + COALESCE({ts}.hypertable_size('hypertop.body'::regclass), 0))::bigint AS bytes
