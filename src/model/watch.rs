//! How a refresh finds out what moved in a catalog table since the last one (pure): its watch
//! statement returns, for each table it watches, how many rows it has and the versions of the
//! rows written since the *horizon* (the oldest transaction still running when the last watch
//! read, fragments/recent_rows.sql); a row version not among the last watch's recent ones was
//! written since, a count that differs says rows were deleted. Exact and at once: a commit is
//! seen by the next refresh, however its session reports its statistics.

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

/// Whether a watch may start from `horizon_age` (how many transactions back the horizon it
/// was asked from is): not when the server could not say (no horizon, or one it does not know)
/// or when it is too far back to compare ages.
pub fn reaches(horizon_age: Option<i32>) -> bool {
    horizon_age.is_some_and(|age| (0..HORIZON_REACH).contains(&i64::from(age)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_written_or_deleted_moves_and_one_seen_again_does_not() {
        let last = RowsSeen::new(10, vec![7, 3]);
        assert!(RowsSeen::new(10, vec![3, 7]).moved_since(Some(&last)) == false);
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
}
