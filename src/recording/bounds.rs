//! How much a recording keeps (pure): recent frames at full resolution, older ones thinned to
//! one per bucket, the oldest dropped, and a ceiling on the store's bytes.

use std::time::Duration;

/// Frames younger than `within` are kept one per `every` (the first of each bucket, buckets
/// aligned on the epoch; `every` zero keeps them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub within: Duration,
    pub every: Duration,
}

/// What a store keeps, enforced when a frame is written (at most every `prune_every`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    /// Youngest first, each `within` longer than the one before; a frame older than the last
    /// is dropped.
    pub tiers: Vec<Tier>,
    /// The store's pages in use may not exceed this: the oldest frames go first.
    pub max_bytes: u64,
    pub prune_every: Duration,
}

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

/// 256 MiB: a week of minute frames of a busy database with room to spare.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

impl Default for Bounds {
    /// Everything of the last hour (a console records at its refresh), a frame a minute for 7
    /// days, a frame an hour for 90 days.
    fn default() -> Bounds {
        Bounds {
            tiers: vec![
                Tier {
                    within: HOUR,
                    every: Duration::ZERO,
                },
                Tier {
                    within: 7 * DAY,
                    every: MINUTE,
                },
                Tier {
                    within: 90 * DAY,
                    every: HOUR,
                },
            ],
            max_bytes: DEFAULT_MAX_BYTES,
            prune_every: MINUTE,
        }
    }
}

impl Bounds {
    /// Nothing is kept longer than `age`: each tier is cut to it (the tiers it empties go).
    pub fn with_max_age(mut self, age: Duration) -> Bounds {
        let mut tiers: Vec<Tier> = Vec::new();
        for t in &self.tiers {
            let within = t.within.min(age);
            if tiers.last().is_some_and(|l| l.within >= within) {
                break;
            }
            tiers.push(Tier { within, ..*t });
        }
        self.tiers = tiers;
        self
    }

    /// How long the oldest frame is kept.
    pub fn max_age(&self) -> Duration {
        self.tiers.last().map_or(Duration::ZERO, |t| t.within)
    }

    /// The age from which frames are thinned or dropped: younger ones are all kept.
    pub fn kept_whole(&self) -> Duration {
        self.tiers
            .iter()
            .take_while(|t| t.every.is_zero())
            .last()
            .map_or(Duration::ZERO, |t| t.within)
    }

    /// The frames (id, time in ms since the epoch, in time order) that age has run out for at
    /// `now_ms`: past the last tier, or not the first of their bucket in theirs. Buckets nest
    /// (a minute in an hour), so the frame an hour keeps is one its minute kept too.
    pub fn expired(&self, frames: &[(i64, i64)], now_ms: i64) -> Vec<i64> {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let mut out = Vec::new();
        let mut last_bucket: Option<(usize, i64)> = None;
        for &(id, at) in frames {
            let age = now_ms.saturating_sub(at).max(0);
            let Some(tier) = self.tiers.iter().position(|t| age < ms(t.within)) else {
                out.push(id);
                continue;
            };
            let every = ms(self.tiers[tier].every);
            if every == 0 {
                continue;
            }
            let bucket = (tier, at.div_euclid(every));
            if last_bucket == Some(bucket) {
                out.push(id);
            } else {
                last_bucket = Some(bucket);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: i64 = 60_000;
    const H: i64 = 60 * M;
    const D: i64 = 24 * H;

    #[test]
    fn recent_frames_stay_and_older_ones_thin_to_one_a_bucket() {
        let b = Bounds::default();
        let now = 100 * D;
        // every 20 s over the last 2 hours, and two frames in one hour 10 days ago
        let mut frames: Vec<(i64, i64)> = (0..360).map(|i| (i, now - 2 * H + i * 20_000)).collect();
        frames.insert(0, (1001, now - 10 * D + 5 * M));
        frames.insert(0, (1000, now - 10 * D + M));
        frames.insert(0, (999, now - 91 * D));
        let gone = b.expired(&frames, now);
        assert!(gone.contains(&999), "older than 90 days");
        assert!(gone.contains(&1001) && !gone.contains(&1000), "one an hour");
        // the last hour whole (179 frames younger than an hour); the hour before: one a minute
        let kept_recent = frames
            .iter()
            .filter(|(id, at)| *id < 360 && !gone.contains(id) && now - at < H)
            .count();
        assert_eq!(kept_recent, 179);
        let kept_older = frames
            .iter()
            .filter(|(id, at)| *id < 360 && !gone.contains(id) && now - at >= H)
            .count();
        assert_eq!(kept_older, 61, "one a minute, the hour's ends included");
    }

    #[test]
    fn a_max_age_cuts_the_tiers() {
        let b = Bounds::default().with_max_age(Duration::from_secs(2 * 86_400));
        assert_eq!(b.max_age(), Duration::from_secs(2 * 86_400));
        assert_eq!(b.tiers.len(), 2);
        let short = Bounds::default().with_max_age(Duration::from_secs(600));
        assert_eq!(short.tiers.len(), 1);
        assert_eq!(short.kept_whole(), Duration::from_secs(600));
        assert_eq!(Bounds::default().kept_whole(), HOUR);
    }
}
