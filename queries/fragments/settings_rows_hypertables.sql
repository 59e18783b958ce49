    -- (2.22 and later) the hypertables' compression settings, not a compressed chunk's (those
    -- name the chunk's compressed table)
    SELECT x.xmin, x.ctid FROM _timescaledb_catalog.compression_settings x
     WHERE x.compress_relid IS NULL
