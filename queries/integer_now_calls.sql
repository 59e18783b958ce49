-- The integer_now functions monitoring may call, one row per integer-time hypertable that has
-- one (see fragments/integer_now_trust.sql), with the call as the server quotes it
-- (format %I.%I()): model::integer_now calls each in a statement of its own, so that no XML
-- support (servers built without libxml refuse query_to_xml) and no dynamic SQL on the server
-- is needed.
WITH
--@include integer_now_trust
SELECT d.hypertable_id, format('%I.%I()', d.integer_now_func_schema, d.integer_now_func) AS call
  FROM _timescaledb_catalog.dimension d
  JOIN integer_now_trust t
    ON (t.func_schema, t.func_name) = (d.integer_now_func_schema, d.integer_now_func)
 WHERE d.integer_now_func IS NOT NULL AND t.trusted
