-- Fragment (2.9–2.10): no persisted watermark; the function computes it (once per cagg).
watermark AS (
    SELECT ca.mat_hypertable_id, _timescaledb_internal.cagg_watermark(ca.mat_hypertable_id) AS watermark
      FROM _timescaledb_catalog.continuous_agg ca
)
