-- hypertop's own pruning, past --max-age ($1: the oldest time kept): frames, samples and the
-- values of the periods gone.
WITH frames AS (
    DELETE FROM hypertop.frame WHERE minute < $1::timestamptz RETURNING 1
), samples AS (
    DELETE FROM hypertop.sample WHERE at < $1::timestamptz RETURNING 1
), bodies AS (
    DELETE FROM hypertop.body WHERE period < $1::timestamptz - interval '6 hours' RETURNING 1
)
SELECT (SELECT count(*) FROM frames) AS frames, (SELECT count(*) FROM samples) AS samples,
       (SELECT count(*) FROM bodies) AS bodies
