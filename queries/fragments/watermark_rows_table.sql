    -- (2.11 and later) the watermarks, written by each refresh that moves one
            UNION ALL SELECT x.xmin, x.ctid FROM _timescaledb_catalog.continuous_aggs_watermark x
