-- A store table as a hypertable of six-hour chunks ({table}, {time}: fixed names; {ts}: TimescaleDB's
-- schema, quoted), its rows segmented by target when compressed.
SELECT {ts}.create_hypertable('hypertop.{table}'::regclass, '{time}'::name,
                              chunk_time_interval => INTERVAL '6 hours', create_default_indexes => false)
