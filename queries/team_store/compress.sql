ALTER TABLE hypertop.{table} SET (timescaledb.compress,
    timescaledb.compress_segmentby = '{segments}', timescaledb.compress_orderby = '{order}')
