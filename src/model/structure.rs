//! What only DDL changes — which chunk belongs to which hypertable, which chunk index to which
//! hypertable index, which tables the Indexes tab lists — kept between refreshes, and how a
//! refresh knows it still holds.
//!
//! Attributing every chunk and chunk index to its hypertable costs the server several times
//! the catalog reads themselves (joins over the whole of `pg_class` and `pg_index`). A refresh
//! therefore reads the varying numbers flat (pages, statistics, statuses) and sums them on the
//! client along a structure read once; the flat read of every relation's oid doubles as the
//! check: when a relation was created or dropped since, the structure is read again.

/// An order-independent summary of a set of oids (or ids): equal sets give equal fingerprints,
/// and a created or dropped member changes the count or both sums (two different sets of the
/// same size agreeing on a plain and a mixed 64-bit sum is not a practical concern). It can
/// carry a count of the catalog's changes too (see [`Fingerprint::and_changes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Fingerprint {
    count: u64,
    sum: u64,
    mixed: u64,
    /// (known, value): an unknown count is a value never handed out twice.
    changes: (bool, u64),
}

impl Fingerprint {
    pub fn of(ids: impl IntoIterator<Item = u64>) -> Fingerprint {
        ids.into_iter()
            .fold(Fingerprint::default(), Fingerprint::and_member)
    }

    /// A fingerprint equal to no other: what is kept under it is never found again (a one-shot
    /// read's).
    pub fn never() -> Fingerprint {
        Fingerprint::default().and_changes(None)
    }

    /// Its parts, to be kept on disk; None when the catalog's changes were unknown (such a
    /// fingerprint is one of this process's own, equal to no other, and must not be found
    /// again by another).
    pub fn parts(&self) -> Option<[u64; 4]> {
        self.changes
            .0
            .then_some([self.count, self.sum, self.mixed, self.changes.1])
    }

    /// A fingerprint kept by [`parts`](Self::parts).
    pub fn from_parts([count, sum, mixed, changes]: [u64; 4]) -> Fingerprint {
        Fingerprint {
            count,
            sum,
            mixed,
            changes: (true, changes),
        }
    }

    /// This fingerprint as the whole of what it stands for, with no count of the catalog's
    /// changes to add (a content hash): the same in every process, and so kept on disk.
    pub fn whole(self) -> Fingerprint {
        self.and_changes(Some(0))
    }

    /// This fingerprint with one more member.
    pub fn and_member(mut self, id: u64) -> Fingerprint {
        self.count += 1;
        self.sum = self.sum.wrapping_add(id);
        self.mixed = self.mixed.wrapping_add(mix(id));
        self
    }

    /// This fingerprint with the catalog's count of changed rows (`relation_versions.sql`'s
    /// `catalog_changes`): a rename keeps the set of relations but not the count. An unknown
    /// count (no `track_counts`) equals no other, so what is kept under it never holds again.
    pub fn and_changes(mut self, changes: Option<i64>) -> Fingerprint {
        static UNKNOWN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        self.changes = match changes {
            Some(n) => (true, n as u64),
            None => (
                false,
                UNKNOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            ),
        };
        self
    }
}

/// SplitMix64's finaliser: spreads each id over all 64 bits, so that sums of different sets
/// rarely meet.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// A map keyed by oids or ids, for the maps a refresh builds over every relation (65,000
/// entries at 20,000 chunks): FxHash is one multiplication per key, where the default SipHash
/// resists keys chosen to collide — and these keys are the server's own oids.
pub type IdMap<K, V> = rustc_hash::FxHashMap<K, V>;

/// A set of oids or ids, hashed as [`IdMap`]'s keys.
pub type IdSet<K> = rustc_hash::FxHashSet<K>;

/// Sorted, distinct oids with a jump table: finding one is a bucket and a short search within
/// it. A binary search over every oid, done for every chunk and chunk index on every refresh,
/// cost the client more than hash maps did; a map of them costs several times the bytes an oid
/// of these.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SortedIds {
    ids: Vec<u32>,
    /// Where each bucket of `1 << shift` oids from `low` starts in `ids` (one more at the end).
    starts: Vec<u32>,
    low: u32,
    shift: u32,
}

impl SortedIds {
    /// From oids sorted and distinct.
    pub fn new(ids: Vec<u32>) -> SortedIds {
        debug_assert!(ids.windows(2).all(|w| w[0] < w[1]));
        let (Some(&low), Some(&high)) = (ids.first(), ids.last()) else {
            return SortedIds::default();
        };
        // about four oids a bucket
        let span = u64::from(high - low) + 1;
        let buckets = (ids.len() as u64 / 4).max(1);
        let per = (span / buckets).max(1);
        let shift = per.ilog2() + u32::from(!per.is_power_of_two());
        let count = ((span - 1) >> shift) as usize + 1;
        let mut starts = Vec::with_capacity(count + 1);
        let mut i = 0;
        for b in 0..count as u64 {
            while i < ids.len() && (u64::from(ids[i] - low) >> shift) < b {
                i += 1;
            }
            starts.push(i as u32);
        }
        starts.push(ids.len() as u32);
        SortedIds {
            ids,
            starts,
            low,
            shift,
        }
    }

    /// Where `id` is, if it is.
    pub fn position(&self, id: u32) -> Option<usize> {
        let bucket = (u64::from(id.checked_sub(self.low)?) >> self.shift) as usize;
        let (&from, &to) = (self.starts.get(bucket)?, self.starts.get(bucket + 1)?);
        let (from, to) = (from as usize, to as usize);
        self.ids[from..to].binary_search(&id).ok().map(|i| from + i)
    }
}

impl std::ops::Deref for SortedIds {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        &self.ids
    }
}

/// A structure `S` and the fingerprint of the catalog it was read from.
#[derive(Debug, Clone, Default)]
pub struct Cached<S> {
    read_from: Option<Fingerprint>,
    value: S,
}

impl<S> Cached<S> {
    /// The structure, read by `read` unless it was read from a catalog with fingerprint `now`.
    /// It is kept under `now`, the fingerprint of numbers read before it: if DDL came in
    /// between, the next refresh's fingerprint differs and it is read again. What no longer
    /// holds is let go before the new one is read (nothing uses it again, and it need not be
    /// held beside the new one); a read that fails leaves nothing kept.
    pub async fn get_or_read<E, F>(
        &mut self,
        now: Fingerprint,
        read: impl FnOnce() -> F,
    ) -> Result<&S, E>
    where
        S: Default,
        F: std::future::Future<Output = Result<S, E>>,
    {
        if !self.holds_for(now) {
            drop(self.take());
            self.value = read().await?;
            self.read_from = Some(now);
        }
        Ok(&self.value)
    }

    /// Whether the structure kept was read from a catalog with fingerprint `now`.
    pub fn holds_for(&self, now: Fingerprint) -> bool {
        self.read_from == Some(now)
    }

    /// The structure last read, if any, whichever catalog it was read from: what a refresh
    /// reads along with the numbers that tell whether it still holds.
    pub fn last(&self) -> Option<&S> {
        self.read_from.map(|_| &self.value)
    }

    pub fn last_mut(&mut self) -> Option<&mut S> {
        self.read_from.map(|_| &mut self.value)
    }

    /// The fingerprint of the catalog the structure was read from, if it was.
    pub fn read_from(&self) -> Option<Fingerprint> {
        self.read_from
    }

    /// Keeps `value` as read from `read_from` (what [`take`](Self::take) took, given back when
    /// the read that was to replace it failed).
    pub fn put_back(&mut self, value: S, read_from: Option<Fingerprint>) {
        self.value = value;
        self.read_from = read_from;
    }

    /// The structure last read (or the default), leaving nothing kept: what a new read can take
    /// over from.
    pub fn take(&mut self) -> S
    where
        S: Default,
    {
        self.read_from = None;
        std::mem::take(&mut self.value)
    }
}

/// A read made again when the catalog's structure changed or `every` has passed: numbers that
/// move without DDL and need not be current to the second (statistics ANALYZE writes). A failed
/// read counts as read: it is tried again then, not on every refresh.
#[derive(Debug, Default)]
pub struct Periodic<S> {
    read: Option<(std::time::Instant, Fingerprint)>,
    value: Option<S>,
}

impl<S> Periodic<S> {
    pub async fn get_or_read<F>(
        &mut self,
        now: Fingerprint,
        every: std::time::Duration,
        read: impl FnOnce() -> F,
    ) -> Option<&S>
    where
        F: std::future::Future<Output = Option<S>>,
    {
        if !self.fresh(now, every) {
            self.value = read().await;
            self.read = Some((std::time::Instant::now(), now));
        }
        self.value.as_ref()
    }

    /// Whether the value kept was read from `now`'s catalog less than `every` ago.
    pub fn fresh(&self, now: Fingerprint, every: std::time::Duration) -> bool {
        self.read
            .is_some_and(|(at, from)| from == now && at.elapsed() < every)
    }

    /// The value kept, to be patched in place.
    pub fn value_mut(&mut self) -> Option<&mut S> {
        self.value.as_mut()
    }

    /// The value kept is to be read again at the next ask.
    pub fn expire(&mut self) {
        self.read = None;
    }

    /// The value last read, when it was read and from which catalog (what another process may
    /// start from).
    pub fn last(&self) -> Option<(&S, std::time::Instant, Fingerprint)> {
        let (at, from) = self.read?;
        Some((self.value.as_ref()?, at, from))
    }

    /// `value` as read `ago` from a catalog with fingerprint `from` (kept by another process);
    /// None when `ago` is more than an `Instant` can go back.
    pub fn restored(value: S, ago: std::time::Duration, from: Fingerprint) -> Option<Periodic<S>> {
        Some(Periodic {
            read: Some((std::time::Instant::now().checked_sub(ago)?, from)),
            value: Some(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_order_and_see_any_change() {
        let a = Fingerprint::of([16384, 16390, 17001]);
        assert_eq!(a, Fingerprint::of([17001, 16384, 16390]));
        assert_ne!(a, Fingerprint::of([16384, 16390]), "one dropped");
        assert_ne!(
            a,
            Fingerprint::of([16384, 16390, 17001, 17002]),
            "one created"
        );
        // one dropped and one created with the same count and the same plain sum
        assert_ne!(
            a,
            Fingerprint::of([16385, 16389, 17001]),
            "swapped for others"
        );
        assert_ne!(Fingerprint::of([]), Fingerprint::of([0]));
    }

    #[test]
    fn the_catalogs_changes_count_and_an_unknown_count_never_holds() {
        let a = Fingerprint::of([1, 2]);
        assert_eq!(a.and_changes(Some(7)), a.and_changes(Some(7)));
        assert_ne!(a.and_changes(Some(7)), a.and_changes(Some(8)), "a rename");
        assert_ne!(a.and_changes(None), a.and_changes(None), "no track_counts");
        assert_ne!(
            a.and_changes(Some(7)),
            Fingerprint::of([1, 3]).and_changes(Some(7))
        );
    }

    #[test]
    fn sorted_ids_find_each_of_theirs_and_nothing_else() {
        for ids in [
            vec![],
            vec![7],
            vec![0, u32::MAX],
            (16384..20000).step_by(3).collect::<Vec<u32>>(),
            // dense, then sparse: most buckets empty
            (1..1000)
                .chain((0..50).map(|i| 1_000_000 + i * 99_991))
                .collect(),
        ] {
            let sorted = SortedIds::new(ids.clone());
            for (i, &id) in ids.iter().enumerate() {
                assert_eq!(sorted.position(id), Some(i), "{id}");
            }
            let absent = (0..3000u32).chain([u32::MAX - 1, 5_000_000]);
            for id in absent.filter(|id| !ids.contains(id)) {
                assert_eq!(sorted.position(id), None, "{id}");
            }
            assert_eq!(&*sorted, &ids[..]);
        }
    }

    #[test]
    fn id_maps_find_what_was_put_in() {
        let m: IdMap<u32, u32> = (0..10_000u32).map(|i| (i * 7919, i)).collect();
        assert_eq!(m.len(), 10_000);
        assert!((0..10_000u32).all(|i| m.get(&(i * 7919)) == Some(&i)));
        assert_eq!(m.get(&1), None);
    }

    #[test]
    fn a_structure_holds_only_for_the_fingerprint_it_was_read_from() {
        use futures_util::FutureExt;
        let (old, new) = (Fingerprint::of([1, 2]), Fingerprint::of([1, 2, 3]));
        let mut c: Cached<Vec<u32>> = Cached::default();
        let reads = std::cell::Cell::new(0);
        let get = |c: &mut Cached<Vec<u32>>, now, value: u32| {
            c.get_or_read(now, || {
                reads.set(reads.get() + 1);
                async move { Ok::<_, ()>(vec![value]) }
            })
            .now_or_never()
            .expect("ready")
            .unwrap()
            .clone()
        };
        assert_eq!(get(&mut c, old, 7), vec![7], "nothing read yet: read");
        assert_eq!(get(&mut c, old, 8), vec![7], "the same catalog: kept");
        assert_eq!(
            get(&mut c, new, 9),
            vec![9],
            "a relation was created since: read"
        );
        assert_eq!(reads.get(), 2);
        // a failed read keeps nothing under the new fingerprint
        let failed = c
            .get_or_read(old, || async { Err::<Vec<u32>, _>("no") })
            .now_or_never()
            .expect("ready");
        assert_eq!(failed, Err("no"));
        assert_eq!(get(&mut c, old, 10), vec![10]);
    }
}
