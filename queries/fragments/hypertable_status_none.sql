           NULL::text[]
