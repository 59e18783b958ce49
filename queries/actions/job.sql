-- One job's settings as they are now (captured before a change, to undo it exactly).
--@include job_settings
  FROM timescaledb_information.jobs j
 WHERE j.job_id = $1::text::int
