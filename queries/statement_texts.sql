-- The texts of the statements the Statements tab has not seen yet, each as the role that ran
-- it wrote it ($1: the roles' oids, $2: the queryids, pairwise): roles running the same shape
-- with different aliases or literals share a queryid, not a text. A text this role may not
-- read comes back as `<insufficient privilege>`. `{schema}`: as statements.sql.
SELECT DISTINCT ON (s.userid, s.queryid) s.userid::int8 AS userid, s.queryid, s.query
  FROM {schema}.pg_stat_statements(true) s
  JOIN ROWS FROM (pg_catalog.unnest($1::int8[]), pg_catalog.unnest($2::int8[])) AS w(userid, queryid)
    ON s.userid::int8 = w.userid AND s.queryid = w.queryid
 WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database d
                  WHERE d.datname = pg_catalog.current_database())
