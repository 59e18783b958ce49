-- Fragment: whether row `x` of a catalog table was written since the horizon `$1` (an xid as
-- text, the oldest transaction still running when the last watch read): its inserting or
-- updating transaction is that one or newer. Rows written by a transaction running then, or
-- begun since, are never older. `age` is exact and cheap (an xid converted to text per row cost
-- much more; so did the horizon's, computed once here); a row whose raw xmin is more than 2^31
-- transactions old has a negative age and is old, as it is. The sign bit flipped on both sides
-- orders ages as unsigned numbers: 0 <= age <= the horizon's in one comparison.
(pg_catalog.age(x.xmin) # -2147483648) <= (SELECT pg_catalog.age($1::text::xid) # -2147483648)
