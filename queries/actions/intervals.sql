-- Intervals as the server reads and prints them ($1: text[], in order), so that a policy file's
-- `7days` or `'36 hours'` compares equal with the `7 days` or `36:00:00` the catalog holds, with
-- each one's sign (-1, 0, 1) for the checks a written file gets.
SELECT t.v::interval::text AS normalised,
       CASE WHEN t.v::interval > interval '0' THEN 1
            WHEN t.v::interval = interval '0' THEN 0 ELSE -1 END AS sign
  FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY AS t(v, n)
 ORDER BY t.n
