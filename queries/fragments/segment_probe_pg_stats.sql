        -- (a role that may not read pg_statistic) through pg_stats, only what this role may
        -- read: each probe checks the privilege of every column of the chunk (a slower probe)
        SELECT array_agg(p.attname::text) AS columns,
               array_agg(p.n_distinct::float8) AS n_distinct
          FROM pg_catalog.pg_stats p
         WHERE p.schemaname = c.chunk_schema AND p.tablename = c.chunk_name
           AND NOT p.inherited AND p.attname = ANY (s.columns)
