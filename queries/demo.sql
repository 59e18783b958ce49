-- The demo plant, loaded once into `hypertop demo`'s engine. Each "-- step:" line starts one
-- statement, run on its own (CALL refresh_continuous_aggregate cannot run in a transaction
-- block); its text is the progress shown while loading. Times are relative to now(), so every
-- screen has something current to show — including planted problems: a compression backlog,
-- chunks overdue for retention, a lagging aggregate, a job with a failure history, an unused
-- and a duplicate index.

-- step: creating the plant schema
CREATE SCHEMA plant

-- step: machines
CREATE TABLE plant.machines (id int PRIMARY KEY, name text NOT NULL, line_id int NOT NULL)

-- step: machines
INSERT INTO plant.machines SELECT m, 'press-' || m, 1 + (m - 1) / 3 FROM generate_series(1, 12) m

-- step: telemetry hypertable (1-hour chunks)
CREATE TABLE plant.telemetry (
    time timestamptz NOT NULL,
    machine_id int NOT NULL,
    sensor text NOT NULL,
    value double precision,
    quality smallint NOT NULL DEFAULT 100
)

-- step: telemetry hypertable (1-hour chunks)
SELECT create_hypertable('plant.telemetry', 'time', chunk_time_interval => interval '1 hour')

-- step: telemetry: three days of readings, every minute, 12 machines × 2 sensors
INSERT INTO plant.telemetry (time, machine_id, sensor, value, quality)
SELECT t, m, s,
       CASE s WHEN 'temperature' THEN 60 + 15 * sin(extract(epoch FROM t) / 3600 + m) + random() * 2
              ELSE 4 + sin(extract(epoch FROM t) / 600 + m) + random() END,
       CASE WHEN random() < 0.01 THEN 40 ELSE 100 END
  FROM generate_series(date_trunc('minute', now()) - interval '3 days', date_trunc('minute', now()), interval '1 minute') t,
       generate_series(1, 12) m,
       (VALUES ('temperature'), ('vibration')) v(s)

-- step: telemetry: old readings a retention policy should have dropped
INSERT INTO plant.telemetry (time, machine_id, sensor, value)
SELECT t, m, 'temperature', 60
  FROM generate_series(date_trunc('hour', now()) - interval '40 days', date_trunc('hour', now()) - interval '40 days' + interval '5 hours 50 minutes', interval '10 minutes') t,
       generate_series(1, 12) m

-- step: telemetry indexes: composite with INCLUDE
CREATE INDEX telemetry_machine_time_idx ON plant.telemetry (machine_id, time DESC) INCLUDE (value)

-- step: telemetry indexes: partial (bad-quality readings)
CREATE INDEX telemetry_bad_quality_idx ON plant.telemetry (time) WHERE quality < 100

-- step: telemetry indexes: BRIN
CREATE INDEX telemetry_time_brin ON plant.telemetry USING brin (time)

-- step: telemetry indexes: one nobody uses
CREATE INDEX telemetry_sensor_idx ON plant.telemetry (sensor)

-- step: telemetry indexes: a duplicate
CREATE INDEX telemetry_machine_time_copy ON plant.telemetry (machine_id, time DESC) INCLUDE (value)

-- step: telemetry compression settings
ALTER TABLE plant.telemetry SET (timescaledb.compress, timescaledb.compress_segmentby = 'machine_id, sensor',
                                 timescaledb.compress_orderby = 'time DESC')

-- step: compressing telemetry older than two days
SELECT count(compress_chunk(c, true)) FROM show_chunks('plant.telemetry', older_than => now() - interval '2 days') c

-- step: compression policy (12 hours: leaves a backlog the scheduler has not caught up with)
SELECT add_compression_policy('plant.telemetry', interval '12 hours')

-- step: retention policy (30 days: the 40-day-old chunks are overdue)
SELECT add_retention_policy('plant.telemetry', interval '30 days')

-- step: daily OEE per line
CREATE TABLE plant.oee_daily (day date NOT NULL, line_id int NOT NULL, availability numeric, performance numeric,
                              quality numeric, oee numeric, PRIMARY KEY (day, line_id))

-- step: daily OEE per line
SELECT create_hypertable('plant.oee_daily', 'day', chunk_time_interval => interval '30 days')

-- step: daily OEE per line: 180 days
INSERT INTO plant.oee_daily
SELECT d::date, l, a, p, q, round(a * p * q, 4)
  FROM generate_series(current_date - 180, current_date, interval '1 day') d,
       generate_series(1, 4) l,
       LATERAL (SELECT round((0.85 + random() * 0.1)::numeric, 4) a, round((0.9 + random() * 0.08)::numeric, 4) p,
                       round((0.97 + random() * 0.03)::numeric, 4) q) x

-- step: daily energy per meter
CREATE TABLE plant.energy_daily (day date NOT NULL, meter text NOT NULL, kwh numeric NOT NULL)

-- step: daily energy per meter
SELECT create_hypertable('plant.energy_daily', 'day', chunk_time_interval => interval '90 days')

-- step: daily energy per meter: a year
INSERT INTO plant.energy_daily
SELECT d::date, m, round((800 + random() * 400)::numeric, 1)
  FROM generate_series(current_date - 365, current_date, interval '1 day') d, (VALUES ('main'), ('compressors'), ('hvac')) v(m)

-- step: energy compression and retention
ALTER TABLE plant.energy_daily SET (timescaledb.compress, timescaledb.compress_segmentby = 'meter')

-- step: energy compression and retention
SELECT add_compression_policy('plant.energy_daily', interval '90 days')

-- step: energy compression and retention
SELECT count(compress_chunk(c, true)) FROM show_chunks('plant.energy_daily', older_than => current_date - 100) c

-- step: continuous aggregate: 1 minute
CREATE MATERIALIZED VIEW plant.telemetry_1m WITH (timescaledb.continuous) AS
SELECT time_bucket('1 minute', time) AS bucket, machine_id, sensor, avg(value) AS avg_value, max(value) AS max_value
  FROM plant.telemetry GROUP BY 1, 2, 3 WITH NO DATA

-- step: refreshing the 1-minute aggregate
-- (from a whole minute before the data's first: a window from now() - 3 days started
-- mid-minute, or a minute after the data's, computed by a later statement, and left the first
-- minute out; loaded in an hour's last minute, that was its first chunk's only data, a hole the
-- overview then ranked among the planted problems. Not from the start of all its data: the
-- 40-day-old rows planted for retention would make the aggregate's own chunks overdue.)
CALL refresh_continuous_aggregate('plant.telemetry_1m', date_trunc('minute', now()) - interval '3 days 5 minutes', now() - interval '5 minutes')

-- step: continuous aggregate: 1 hour, on the 1-minute one
CREATE MATERIALIZED VIEW plant.telemetry_1h WITH (timescaledb.continuous) AS
SELECT time_bucket('1 hour', bucket) AS bucket, machine_id, sensor, avg(avg_value) AS avg_value, max(max_value) AS max_value
  FROM plant.telemetry_1m GROUP BY 1, 2, 3 WITH NO DATA

-- step: refreshing the 1-hour aggregate (it will lag: refreshed up to a day ago)
CALL refresh_continuous_aggregate('plant.telemetry_1h', date_trunc('hour', now()) - interval '3 days 1 hour', now() - interval '1 day')

-- step: continuous aggregate: 1 day, on the 1-hour one
CREATE MATERIALIZED VIEW plant.telemetry_1d WITH (timescaledb.continuous) AS
SELECT time_bucket('1 day', bucket) AS bucket, machine_id, sensor, avg(avg_value) AS avg_value, max(max_value) AS max_value
  FROM plant.telemetry_1h GROUP BY 1, 2, 3 WITH NO DATA

-- step: refresh policies
SELECT add_continuous_aggregate_policy('plant.telemetry_1m', start_offset => interval '1 hour', end_offset => interval '1 minute', schedule_interval => interval '1 minute')

-- step: refresh policies
SELECT add_continuous_aggregate_policy('plant.telemetry_1h', start_offset => interval '3 hours', end_offset => interval '1 hour', schedule_interval => interval '30 minutes')

-- step: refresh policies
SELECT add_continuous_aggregate_policy('plant.telemetry_1d', start_offset => interval '3 days', end_offset => interval '1 day', schedule_interval => interval '1 hour')

-- step: retention on the 1-minute aggregate
SELECT add_retention_policy('plant.telemetry_1m', interval '7 days')

-- step: a nightly export job that keeps failing
CREATE PROCEDURE plant.export_to_erp(job_id int, config jsonb) LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ERP endpoint erp.internal:443 refused the connection' USING ERRCODE = '08001';
END
$$

-- step: a nightly export job that keeps failing
SELECT add_job('plant.export_to_erp', '1 day', initial_start => now() + interval '6 hours')

-- step: its failure history (no background workers run in the demo engine)
INSERT INTO _timescaledb_internal.bgw_job_stat
       (job_id, last_start, last_finish, next_start, last_successful_finish, last_run_success,
        total_runs, total_duration, total_duration_failures, total_successes, total_failures,
        total_crashes, consecutive_failures, consecutive_crashes)
SELECT id, now() - interval '18 hours', now() - interval '18 hours' + interval '4 seconds', now() + interval '6 hours',
       now() - interval '5 days', false, 30, interval '2 minutes', interval '20 seconds', 26, 4, 0, 4, 0
  FROM _timescaledb_config.bgw_job WHERE proc_name = 'export_to_erp'
ON CONFLICT (job_id) DO UPDATE SET
       (last_start, last_finish, next_start, last_successful_finish, last_run_success, total_runs,
        total_duration, total_duration_failures, total_successes, total_failures, total_crashes,
        consecutive_failures, consecutive_crashes)
     = (EXCLUDED.last_start, EXCLUDED.last_finish, EXCLUDED.next_start,
        EXCLUDED.last_successful_finish, EXCLUDED.last_run_success, EXCLUDED.total_runs,
        EXCLUDED.total_duration, EXCLUDED.total_duration_failures, EXCLUDED.total_successes,
        EXCLUDED.total_failures, EXCLUDED.total_crashes, EXCLUDED.consecutive_failures,
        EXCLUDED.consecutive_crashes)

-- step: its failure history (no background workers run in the demo engine)
INSERT INTO _timescaledb_internal.bgw_job_stat_history (job_id, pid, execution_start, execution_finish, succeeded, data)
SELECT id, 31000 + d, now() - make_interval(days => d) - interval '18 hours',
       now() - make_interval(days => d) - interval '18 hours' + interval '4 seconds', false,
       jsonb_build_object('job', jsonb_build_object('proc_schema', 'plant', 'proc_name', 'export_to_erp'),
                          'error_data', jsonb_build_object('message', 'ERP endpoint erp.internal:443 refused the connection',
                                                           'sqlerrcode', '08001'))
  FROM _timescaledb_config.bgw_job, generate_series(0, 3) d
 WHERE proc_name = 'export_to_erp'

-- step: statistics for the size estimates
ANALYZE

-- step: done
CREATE TABLE plant.demo_loaded (loaded_at timestamptz NOT NULL DEFAULT now())

-- step: done
INSERT INTO plant.demo_loaded DEFAULT VALUES
