           _timescaledb_functions.hypertable_status_text(h.status)
