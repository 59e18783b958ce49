      -- (up to 2.27) the slices of the catalog chunk `ch`, through its constraints: `ds`
      JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = ch.id
      JOIN _timescaledb_catalog.dimension_slice ds ON ds.id = cc.dimension_slice_id
