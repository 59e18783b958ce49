-- Fragment: "now" of integer-time hypertables by schema and name, as model::integer_now read
-- it from their integer_now functions ($1 hypertable ids, $2 their "now", in step). A hypertable
-- not listed has no function monitoring may call: its "now" is unknown.
integer_now AS (
    SELECT h.schema_name::text AS hypertable_schema, h.table_name::text AS hypertable_name,
           n.now_int
      FROM unnest($1::int4[], $2::int8[]) AS n(hypertable_id, now_int)
      JOIN _timescaledb_catalog.hypertable h ON h.id = n.hypertable_id
)
