      -- (2.29 and later) the catalog chunk `ch` joined to its table `r` by relid
      JOIN pg_catalog.pg_class r ON r.oid = ch.relid
