//! The history's samples in the recording: appended as each read keeps them, read back for a
//! console that opens (the last hour, and each carried-forward value's latest before it), and
//! thinned by the same tiers as the frames (the newest of each series always stays: a size
//! that has not moved for a week is still that size).

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::bounds::Bounds;
use super::error::RecordError;
use super::store::{err, Store};
use crate::history::{Sample, Series};

impl Store {
    /// Appends `samples` in one transaction (a value of the same series and second replaces
    /// the one there; an event adds to it).
    pub fn append_samples(&mut self, samples: &[Sample]) -> Result<(), RecordError> {
        if samples.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |what| err(&path, what);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("cannot begin the samples"))?;
        {
            let mut find = tx
                .prepare_cached("SELECT id FROM series WHERE key = ?1")
                .map_err(e("find a series"))?;
            let mut add = tx
                .prepare_cached("INSERT INTO series (key) VALUES (?1)")
                .map_err(e("add a series"))?;
            let mut put = tx
                .prepare_cached(
                    "INSERT INTO sample (series, at_s, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (series, at_s) DO UPDATE SET value = excluded.value",
                )
                .map_err(e("put a sample"))?;
            let mut count = tx
                .prepare_cached(
                    "INSERT INTO sample (series, at_s, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (series, at_s) DO UPDATE SET value = value + excluded.value",
                )
                .map_err(e("count an event"))?;
            let mut ids: Vec<(&Series, i64)> = Vec::new();
            for s in samples {
                let id = match ids.iter().find(|(series, _)| *series == &s.series) {
                    Some(&(_, id)) => id,
                    None => {
                        let key = s.series.key();
                        let found: Option<i64> = find
                            .query_row([&key], |r| r.get(0))
                            .optional()
                            .map_err(e("cannot find a series"))?;
                        let id = match found {
                            Some(id) => id,
                            None => {
                                add.execute([&key]).map_err(e("cannot add a series"))?;
                                tx.last_insert_rowid()
                            }
                        };
                        // a read's samples are a few series, or one per object: a short list
                        if ids.len() < 64 {
                            ids.push((&s.series, id));
                        }
                        id
                    }
                };
                let stmt = if s.series.adds() {
                    &mut count
                } else {
                    &mut put
                };
                stmt.execute(params![id, s.at, s.value])
                    .map_err(e("cannot write a sample"))?;
            }
        }
        tx.commit().map_err(e("cannot commit the samples"))?;
        let newest = samples.iter().map(|s| s.at).max().unwrap_or(0);
        self.prune_if_due(i64::from(newest) * 1000)
    }

    /// The samples from `since` (seconds since 1970) on, and before it the latest of each
    /// series that carries its value forward, oldest first. Keys this build does not know are
    /// left out.
    pub fn samples_since(&self, since: u32) -> Result<Vec<Sample>, RecordError> {
        let e = |what| err(&self.path, what);
        let mut q = self
            .conn
            .prepare(
                "SELECT s.key, p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
                  WHERE p.at_s >= ?1
                 UNION ALL
                 SELECT s.key, max(p.at_s), p.value FROM sample p JOIN series s ON s.id = p.series
                  WHERE p.at_s < ?1
                    AND (s.key LIKE 'hypertable\\_bytes/%' ESCAPE '\\'
                         OR s.key LIKE 'cagg\\_last\\_success/%' ESCAPE '\\')
                  GROUP BY p.series
                 ORDER BY 2",
            )
            .map_err(e("cannot read the samples"))?;
        let rows = q
            .query_map([since], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?, r.get(2)?))
            })
            .map_err(e("cannot read the samples"))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, at, value) = row.map_err(e("cannot read a sample"))?;
            if let Some(series) = Series::from_key(&key) {
                out.push(Sample { series, at, value });
            }
        }
        Ok(out)
    }

    /// The sample of `series` at `at` or last before it (seconds since 1970).
    pub fn sample_at_or_before(
        &self,
        series: &Series,
        at: u32,
    ) -> Result<Option<Sample>, RecordError> {
        self.one_sample(
            series,
            "SELECT p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
              WHERE s.key = ?1 AND p.at_s <= ?2 ORDER BY p.at_s DESC LIMIT 1",
            at,
        )
    }

    /// The first sample of `series` after `at`.
    pub fn sample_after(&self, series: &Series, at: u32) -> Result<Option<Sample>, RecordError> {
        self.one_sample(
            series,
            "SELECT p.at_s, p.value FROM sample p JOIN series s ON s.id = p.series
              WHERE s.key = ?1 AND p.at_s > ?2 ORDER BY p.at_s LIMIT 1",
            at,
        )
    }

    fn one_sample(
        &self,
        series: &Series,
        sql: &str,
        at: u32,
    ) -> Result<Option<Sample>, RecordError> {
        self.conn
            .query_row(sql, params![series.key(), at], |r| {
                Ok(Sample {
                    series: series.clone(),
                    at: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .optional()
            .map_err(err(&self.path, "cannot read a sample"))
    }

    /// How many samples are kept.
    pub fn sample_count(&self) -> Result<i64, RecordError> {
        self.conn
            .query_row("SELECT count(*) FROM sample", [], |r| r.get(0))
            .map_err(err(&self.path, "cannot count"))
    }
}

/// Thins the samples as the frames are: past the last tier they go; in a tier that keeps one
/// per bucket, all but the first of each series' bucket go. Only the time that crossed a
/// tier's edge since the last pruning (`pruned_before`, ms) is looked at, whole buckets of it.
pub(super) fn thin(
    conn: &Connection,
    bounds: &Bounds,
    now_ms: i64,
    pruned_before: Option<i64>,
) -> rusqlite::Result<()> {
    let now = now_ms.div_euclid(1000);
    let last = pruned_before.map_or(0, |ms| ms.div_euclid(1000));
    let mut thin = conn.prepare_cached(
        "DELETE FROM sample WHERE at_s >= ?1 AND at_s <= ?2
           AND EXISTS (SELECT 1 FROM sample o WHERE o.series = sample.series
                          AND o.at_s >= (sample.at_s / ?3) * ?3 AND o.at_s < sample.at_s)",
    )?;
    let mut younger = 0i64;
    for tier in &bounds.tiers {
        let within = i64::try_from(tier.within.as_secs()).unwrap_or(i64::MAX);
        let every = i64::try_from(tier.every.as_secs()).unwrap_or(i64::MAX);
        if every > 0 {
            // what aged into this tier (an age of `younger` included) since the last pruning,
            // from its bucket's start
            let hi = now.saturating_sub(younger);
            let lo = last.saturating_sub(younger).min(hi);
            thin.execute(params![lo - lo.rem_euclid(every), hi, every])?;
        }
        younger = within;
    }
    let cut = now.saturating_sub(younger);
    conn.execute(
        "DELETE FROM sample WHERE at_s < ?1
           AND at_s < (SELECT max(o.at_s) FROM sample o WHERE o.series = sample.series)",
        [cut],
    )?;
    Ok(())
}

/// Drops the oldest twentieth of the samples' time (the newest of each series stays); how many
/// went.
pub(super) fn drop_oldest(conn: &Connection) -> rusqlite::Result<usize> {
    let span: Option<(i64, i64)> =
        conn.query_row("SELECT min(at_s), max(at_s) FROM sample", [], |r| {
            Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?))
        })?;
    let Some((first, newest)) = span else {
        return Ok(0);
    };
    let cut = first + ((newest - first) / 20).max(1);
    conn.execute(
        "DELETE FROM sample WHERE at_s < ?1
           AND at_s < (SELECT max(o.at_s) FROM sample o WHERE o.series = sample.series)",
        [cut],
    )
}
