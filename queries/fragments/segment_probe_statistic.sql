        -- (a role that may read pg_statistic, as a superuser) the chunk's rows of pg_statistic
        -- by its oid, what pg_stats shows such a role (a probe several times cheaper: pg_stats
        -- checks the privilege of every column of the chunk)
        SELECT array_agg(a.attname::text) AS columns,
               array_agg(p.stadistinct::float8) AS n_distinct
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_statistic p
            ON p.starelid = a.attrelid AND p.staattnum = a.attnum AND NOT p.stainherit
         WHERE a.attrelid = c.chunk AND NOT a.attisdropped AND a.attname = ANY (s.columns)
