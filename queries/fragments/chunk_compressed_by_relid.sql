      -- (2.29 and later) the table `cr` of the catalog chunk's compressed data, named by the
      -- chunk's compression settings
      LEFT JOIN _timescaledb_catalog.compression_settings cs ON cs.relid = ch.relid
      LEFT JOIN pg_catalog.pg_class cr ON cr.oid = cs.compress_relid::oid
