-- Fragment (2.11+): persisted watermarks, read straight from the catalog.
watermark AS (
    SELECT w.mat_hypertable_id, w.watermark FROM _timescaledb_catalog.continuous_aggs_watermark w
)
