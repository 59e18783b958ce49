//! The history's samples in the recording, thinned by the same tiers as the frames (the newest
//! of each series always stays: a size that has not moved for a week is still that size). The
//! store appends and reads them (`Store::append_samples`, `samples_since`).

use rusqlite::{params, Connection};

use super::bounds::Bounds;

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
