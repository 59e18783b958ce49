           -- (select-list line) index `i`'s key columns by name, in order ('' for an expression)
           ARRAY(SELECT coalesce(a.attname::text, '')
                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                   LEFT JOIN pg_catalog.pg_attribute a
                          ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                  ORDER BY k.ord)
