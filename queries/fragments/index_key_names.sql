           -- (select-list line) index `i`'s key columns by name, in order ('' for an expression):
           -- one attribute looked up per key (joining the table's attributes and sorting them
           -- cost more)
           ARRAY(SELECT coalesce((SELECT a.attname::text FROM pg_catalog.pg_attribute a
                                   WHERE a.attrelid = i.indrelid AND a.attnum = k.attnum), '')
                   FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                  ORDER BY k.ord)
