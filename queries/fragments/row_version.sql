-- Fragment: row `x`'s version as one int8, its place (ctid) and its writer (xmin) hashed
-- together: an update writes the row again elsewhere by another transaction, and a place
-- reused after VACUUM holds a row of another transaction. Computed for recent rows only.
pg_catalog.hashint8extended(x.xmin::text::int8,
                            ((x.ctid::text::point)[0]::int8 << 16) | (x.ctid::text::point)[1]::int8)
