//! How a refresh finds out what moved in a catalog table since the last one (pure): its watch
//! statement returns, for each table it watches, how many rows it has and the versions of the
//! rows written since the *horizon* (the oldest transaction still running when the last watch
//! read, fragments/recent_rows.sql); a row version not among the last watch's recent ones was
//! written since, a count that differs says rows were deleted. Exact and at once: a commit is
//! seen by the next refresh, however its session reports its statistics. A console's watch
//! rests every other refresh when the statistics count nothing written into its tables since
//! it last scanned ([`Rest`]): a commit is then seen by the next refresh when its session has
//! reported it, else by the one after.

use serde::{Deserialize, Serialize};

/// The xid (as the server writes it) of the oldest transaction running when a watch read: a row
/// written since is that transaction's or a newer one's. None: nothing was watched yet, and
/// every row is asked for.
pub type Horizon = Option<String>;

/// A horizon further back than this many transactions is not asked from (its rows' ages would
/// wrap past 2^31): everything is read again instead.
pub const HORIZON_REACH: i64 = 1 << 30;

/// A watched table's rows as one watch saw them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsSeen {
    count: i64,
    /// The versions of the rows written since the horizon, sorted.
    recent: Vec<i64>,
}

impl RowsSeen {
    pub fn new(count: i64, mut recent: Vec<i64>) -> RowsSeen {
        recent.sort_unstable();
        recent.dedup();
        RowsSeen { count, recent }
    }

    /// Whether a row was written or deleted since `last` saw the table (none: never seen).
    pub fn moved_since(&self, last: Option<&RowsSeen>) -> bool {
        match last {
            None => true,
            Some(last) => self.count != last.count || self.recent.iter().any(|v| !last.has(*v)),
        }
    }

    /// Whether `version` was among the recent rows.
    pub fn has(&self, version: i64) -> bool {
        self.recent.binary_search(&version).is_ok()
    }

    pub fn count(&self) -> i64 {
        self.count
    }
}

/// Whether a watch scans its tables or rests this time (queries/fragments/watch_rest.sql):
/// where it may (a console's refresh), it rests after one that scanned when the writes the
/// statistics count into its tables are those counted then. Never twice in a row: what was
/// written and not yet counted is found by the next, at most two refreshes after it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rest {
    /// The writes counted when the watch last scanned (None: not counted, or not scanned yet).
    writes: Option<i64>,
    /// Whether the last watch rested: the next scans.
    rested: bool,
}

impl Rest {
    /// The writes to give the watch (its rest parameter): where it `may` rest, after one that
    /// scanned and counted writes; None: it scans.
    pub fn from(&self, may: bool) -> Option<i64> {
        self.writes.filter(|_| may && !self.rested)
    }

    /// Takes in what a watch answered: whether it `scanned`, and the `writes` counted.
    pub fn saw(&mut self, scanned: bool, writes: Option<i64>) {
        if scanned {
            self.writes = writes;
        }
        self.rested = !scanned;
    }
}

/// Whether a watch may start from `horizon_age` (how many transactions back the horizon it
/// was asked from is): not when the server could not say (no horizon, or one it does not know)
/// or when it is too far back to compare ages.
pub fn reaches(horizon_age: Option<i32>) -> bool {
    horizon_age.is_some_and(|age| (0..HORIZON_REACH).contains(&i64::from(age)))
}

/// A counter that grows (relation oids, chunk ids) as recent watches saw it, to ask what is new
/// since: a value is taken before its transaction commits, so one committed since the last
/// watch can be below what that watch saw. What is new is asked from the value seen by the
/// latest watch taken before every transaction still running began: a value committed since
/// (or later) was taken by one of those, or a later one.
#[derive(Debug, Clone, Default)]
pub struct Bounds {
    /// The recent watches, oldest first: the value each saw, the next transaction then, when.
    seen: std::collections::VecDeque<(i64, i64, std::time::Instant)>,
    /// The oldest transaction running at the last watch.
    oldest: Option<i64>,
}

/// How long the watches' bounds are kept: a transaction open longer is seen otherwise (the
/// catalog's counted changes, the whole read).
const BOUNDS_FOR: std::time::Duration = std::time::Duration::from_secs(600);

impl Bounds {
    /// What a watch saw at `now`: the counter's `value`, the snapshot's `oldest` running and
    /// `next` transaction (full ids).
    pub fn saw(&mut self, value: i64, oldest: i64, next: i64, now: std::time::Instant) {
        self.seen.push_back((value, next, now));
        while (self.seen.front()).is_some_and(|s| now.duration_since(s.2) > BOUNDS_FOR) {
            self.seen.pop_front();
        }
        self.oldest = Some(oldest);
    }

    /// The value from which what is new is asked (None: nothing seen yet).
    pub fn asked_from(&self) -> Option<i64> {
        let oldest = self.oldest?;
        (self.seen.iter().rev())
            .find(|(_, next, _)| *next <= oldest)
            .or(self.seen.front())
            .map(|s| s.0)
    }

    /// The highest value seen.
    pub fn highest(&self) -> Option<i64> {
        self.seen.iter().map(|s| s.0).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_new_is_asked_from_before_every_running_transaction() {
        let now = std::time::Instant::now();
        let mut b = Bounds::default();
        assert_eq!(b.asked_from(), None);
        // no transaction running at the first watch (oldest = next): from its value
        b.saw(100, 50, 50, now);
        assert_eq!(b.asked_from(), Some(100));
        // a transaction began before the second watch (oldest 50 < its next 60) and runs on:
        // its value may be below 120, so from the first watch's
        b.saw(120, 50, 60, now);
        assert_eq!(b.asked_from(), Some(100));
        // it ended: from the latest watch taken before the oldest running one began
        b.saw(130, 65, 66, now);
        assert_eq!(b.asked_from(), Some(120));
        assert_eq!(b.highest(), Some(130));
        // one older than every watch kept: from the oldest kept
        b.saw(140, 10, 70, now);
        assert_eq!(b.asked_from(), Some(100));
    }

    #[test]
    fn a_row_written_or_deleted_moves_and_one_seen_again_does_not() {
        let last = RowsSeen::new(10, vec![7, 3]);
        assert!(!RowsSeen::new(10, vec![3, 7]).moved_since(Some(&last)));
        // a transaction left open keeps the horizon back: the same rows again, fewer as it goes
        assert!(!RowsSeen::new(10, vec![7]).moved_since(Some(&last)));
        assert!(!RowsSeen::new(10, vec![]).moved_since(Some(&last)));
        assert!(
            RowsSeen::new(10, vec![3, 7, 9]).moved_since(Some(&last)),
            "one written"
        );
        assert!(
            RowsSeen::new(9, vec![3, 7]).moved_since(Some(&last)),
            "one deleted"
        );
        assert!(
            RowsSeen::new(10, vec![11]).moved_since(Some(&last)),
            "one deleted and one written"
        );
        assert!(RowsSeen::new(0, vec![]).moved_since(None), "never seen");
    }

    #[test]
    fn only_a_near_horizon_is_watched_from() {
        assert!(reaches(Some(0)));
        assert!(reaches(Some(12_345)));
        assert!(!reaches(None));
        assert!(!reaches(Some(-5)), "wrapped");
        assert!(!reaches(Some(1 << 30)));
    }

    #[test]
    fn a_watch_rests_only_after_one_that_scanned_with_writes_counted() {
        let mut rest = Rest::default();
        assert_eq!(rest.from(true), None, "nothing scanned yet");
        rest.saw(true, Some(40));
        assert_eq!(rest.from(false), None, "not where it may not rest");
        assert_eq!(rest.from(true), Some(40));
        rest.saw(false, Some(40));
        assert_eq!(rest.from(true), None, "never twice in a row");
        rest.saw(true, Some(41));
        assert_eq!(rest.from(true), Some(41), "the counts of the last scan");
        rest.saw(true, None);
        assert_eq!(rest.from(true), None, "writes not counted: it scans");
    }
}
