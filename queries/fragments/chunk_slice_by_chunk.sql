      -- (2.28+) the slices of the catalog chunk `ch`, which name it (chunk_constraint is a
      -- compatibility view "to be completely removed in a future release"): `ds`
      JOIN _timescaledb_catalog.dimension_slice ds ON ds.chunk_id = ch.id
