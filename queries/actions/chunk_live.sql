-- Whether chunk $1.$2 is being written: its range reaches now, or it is its hypertable's
-- newest chunk (on an integer time column, only the latter is known without calling the
-- hypertable's integer_now function).
SELECT coalesce(c.range_end > now(), false)
       OR NOT EXISTS (SELECT FROM timescaledb_information.chunks n
                       WHERE (n.hypertable_schema, n.hypertable_name)
                             = (c.hypertable_schema, c.hypertable_name)
                         AND coalesce(n.range_start > c.range_start,
                                      n.range_start_integer > c.range_start_integer)) AS live
  FROM timescaledb_information.chunks c
 WHERE (c.chunk_schema, c.chunk_name) = ($1::text, $2::text)
