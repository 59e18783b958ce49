-- Intervals as the server reads and prints them ($1: text[], in order), so that a policy file's
-- `7days` or `'36 hours'` compares equal with the `7 days` or `36:00:00` the catalog holds.
SELECT t.v::interval::text AS normalised
  FROM pg_catalog.unnest($1::text[]) WITH ORDINALITY AS t(v, n)
 ORDER BY t.n
