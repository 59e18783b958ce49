      -- (up to 2.28) the catalog chunk `ch` joined to its table `r` by schema and table name;
      -- a dropped chunk (kept in the catalog for caggs) has no table and drops out
      JOIN pg_catalog.pg_namespace n ON n.nspname = ch.schema_name
      JOIN pg_catalog.pg_class r ON r.relnamespace = n.oid AND r.relname = ch.table_name
