      -- (up to 2.28) the table `cr` of the catalog chunk's compressed data, through the
      -- compressed chunk's own catalog row
      LEFT JOIN _timescaledb_catalog.chunk cch ON cch.id = ch.compressed_chunk_id
      LEFT JOIN pg_catalog.pg_namespace cn ON cn.nspname = cch.schema_name
      LEFT JOIN pg_catalog.pg_class cr ON cr.relnamespace = cn.oid AND cr.relname = cch.table_name
