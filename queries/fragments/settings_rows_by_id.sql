    -- (up to 2.13) each hypertable's compression settings, a row per column
    SELECT x.xmin, x.ctid FROM _timescaledb_catalog.hypertable_compression x
