-- The texts of the statements ($1: queryids) the Statements tab has not seen yet. A text this
-- role may not read comes back as `<insufficient privilege>`. `{schema}`: as statements.sql.
SELECT DISTINCT ON (s.queryid) s.queryid, s.query
  FROM {schema}.pg_stat_statements(true) s
 WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d
                  WHERE d.datname = pg_catalog.current_database())
   AND s.queryid = ANY ($1::int8[])
