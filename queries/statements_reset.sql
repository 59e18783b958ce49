-- When pg_stat_statements' statistics were last reset (1.9+). `{schema}`: as statements.sql.
SELECT stats_reset FROM {schema}.pg_stat_statements_info
