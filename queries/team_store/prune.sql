-- hypertop's own pruning, past --max-age ($1: the oldest time kept): frames and samples, then the
-- values no kept day used (a frame kept noted its values on its day, or later).
WITH frames AS (
    DELETE FROM hypertop.frame WHERE minute < $1::timestamptz RETURNING 1
), samples AS (
    DELETE FROM hypertop.sample WHERE at < $1::timestamptz RETURNING 1
), bodies AS (
    DELETE FROM hypertop.body WHERE last_day < ($1::timestamptz AT TIME ZONE 'UTC')::date RETURNING 1
)
SELECT (SELECT count(*) FROM frames) AS frames, (SELECT count(*) FROM samples) AS samples,
       (SELECT count(*) FROM bodies) AS bodies
