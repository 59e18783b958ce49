-- (2.25 and later) the jobs table in _timescaledb_catalog
      FROM _timescaledb_catalog.bgw_job j
