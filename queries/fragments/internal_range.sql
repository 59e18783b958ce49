           -- (select-list lines) `r.range_start`/`r.range_end` in TimescaleDB's internal time
           -- (µs since the epoch for time types) as timestamptz, or as integers when
           -- `r.integer_time`; the open-ended slice sentinels are left out
           CASE WHEN NOT r.integer_time AND r.range_start > -9223372036854775808
                THEN to_timestamp(r.range_start / 1000000.0) END     AS range_start,
           CASE WHEN NOT r.integer_time AND r.range_end < 9223372036854775807
                THEN to_timestamp(r.range_end / 1000000.0) END       AS range_end,
           CASE WHEN r.integer_time THEN r.range_start END           AS range_start_integer,
           CASE WHEN r.integer_time THEN r.range_end END             AS range_end_integer
