    -- (2.14 to 2.21) every row of the compression settings, a compressed chunk's too (written
    -- by each compress: the settings are read again then, and kept when they did not change)
    SELECT x.xmin, x.ctid FROM _timescaledb_catalog.compression_settings x
