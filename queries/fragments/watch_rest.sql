-- Fragment: whether a watch scans its tables this time or rests (`asked.scanned`), from what the
-- statistics count written into them (`counted.writes`: rows inserted, updated and deleted,
-- summed; NULL where writes are not counted: track_counts off, none counted yet, an engine that
-- publishes none). The including query names the tables (`watched_tables`, by name: one this
-- version lacks is left out) and gives `rest.writes`: the writes counted when the last watch
-- scanned, only where this one may rest (a console's refresh after one that scanned); NULL:
-- it scans. It rests when they are the same: nothing counted was written since. What was
-- written and not yet counted (a backend reports its counts when it goes idle, or within 10 s
-- when it reported less than a second before) is found by the next watch, which scans
-- whatever the counts say: a change is seen within two watches.
counted AS MATERIALIZED (
    SELECT nullif(sum(pg_catalog.pg_stat_get_tuples_inserted(t.oid)
                      + pg_catalog.pg_stat_get_tuples_updated(t.oid)
                      + pg_catalog.pg_stat_get_tuples_deleted(t.oid)), 0)::int8 AS writes
      FROM watched_tables w
     CROSS JOIN LATERAL (SELECT pg_catalog.to_regclass(w.name)::oid AS oid) t
     WHERE t.oid IS NOT NULL AND pg_catalog.current_setting('track_counts')::bool
), asked AS MATERIALIZED (
    SELECT r.writes IS NULL OR c.writes IS NULL OR c.writes <> r.writes AS scanned
      FROM counted c, rest r
)
