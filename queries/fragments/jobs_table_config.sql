-- (up to 2.24) the jobs table in _timescaledb_config
      FROM _timescaledb_config.bgw_job j
