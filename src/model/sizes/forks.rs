//! What a connection keeps of the relations written lately, so that one stat of the main fork
//! can say such a relation is the size it was (relation_stats.sql says when that holds: its
//! other forks "settled", no VACUUM since).

use super::*;

/// A relation measured whole with its other forks settled: its file, its main fork's bytes,
/// its table's VACUUM count then, and all its bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Settled {
    file: u32,
    main: i64,
    vacuums: i64,
    bytes: i64,
}

/// The relations written lately whose other forks are settled, by oid. Kept only for those the
/// hot path measures; cleared when the relations are read again, bounded by [`Forks::CAP`].
#[derive(Debug, Default)]
pub(super) struct Forks {
    settled: HashMap<u32, Settled>,
}

/// What a measurement sends for each relation (relation_stats.sql's $1–$5).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Looks {
    pub oids: Vec<u32>,
    pub files: Vec<u32>,
    pub counted_as: Vec<u32>,
    pub kept_main: Vec<Option<i64>>,
    pub kept_vacuums: Vec<Option<i64>>,
}

/// What a measurement returned for one relation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Measured {
    pub oid: u32,
    pub vacuums: Option<i64>,
    /// All its bytes; None: as kept (its main fork the same, nothing else could have moved).
    pub bytes: Option<i64>,
    pub main: Option<i64>,
    pub settled: bool,
}

impl Forks {
    /// More relations than this kept is more than were ever written lately: start again.
    const CAP: usize = 100_000;

    /// What to send for the `slots` of `r` (pure): a quick look for those `quick` allows
    /// (written lately, not measured in turn) that are kept at their present file in the
    /// database's own directory; those measured `in_turn` there, whole by their file number;
    /// the rest measured whole through the catalog.
    pub(super) fn looks(
        &self,
        r: &RelationSlots,
        slots: &[usize],
        quick: impl Fn(usize) -> bool,
        in_turn: impl Fn(usize) -> bool,
    ) -> Looks {
        let mut looks = Looks::default();
        for &s in slots {
            let oid = r.oids[s];
            let file = r.file(s);
            let here = r.flags[s] & HERE != 0;
            let kept = (self.settled.get(&oid)).filter(|k| here && k.file == file && quick(s));
            let counted_as = match r.is_index(s) && r.links[s] != NONE {
                true => r.oids[r.links[s] as usize],
                false => oid,
            };
            let by_file = kept.is_some() || (here && in_turn(s));
            looks.oids.push(oid);
            looks.files.push(if by_file { file } else { 0 });
            looks.counted_as.push(counted_as);
            looks.kept_main.push(kept.map(|k| k.main));
            looks.kept_vacuums.push(kept.map(|k| k.vacuums));
        }
        looks
    }

    /// Each relation's bytes from what was `measured` for the relations of `r` (the kept ones'
    /// where they are as kept), remembering those settled now and forgetting the rest.
    pub(super) fn take(
        &mut self,
        r: &RelationSlots,
        measured: &[Measured],
    ) -> (Vec<u32>, Vec<i64>) {
        if self.settled.len() > Self::CAP {
            self.settled.clear();
        }
        let mut out = (
            Vec::with_capacity(measured.len()),
            Vec::with_capacity(measured.len()),
        );
        for m in measured {
            let bytes = match m.bytes {
                Some(b) => b,
                None => match self.settled.get(&m.oid) {
                    Some(k) => k.bytes,
                    // sent as kept, so kept: nothing to say if not
                    None => continue,
                },
            };
            out.0.push(m.oid);
            out.1.push(bytes);
            let file = r.slot(m.oid).map(|s| r.file(s));
            match (m.settled, file, m.main, m.vacuums) {
                (true, Some(file), Some(main), Some(vacuums)) => {
                    let kept = Settled {
                        file,
                        main,
                        vacuums,
                        bytes,
                    };
                    self.settled.insert(m.oid, kept);
                }
                _ => {
                    self.settled.remove(&m.oid);
                }
            }
        }
        out
    }

    /// Forgets relations dropped.
    pub(super) fn forget(&mut self, gone: &[u32]) {
        for oid in gone {
            self.settled.remove(oid);
        }
    }

    /// Forgets everything (the relations read again).
    pub(super) fn clear(&mut self) {
        self.settled.clear();
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.settled.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(oid: u32, bytes: Option<i64>, main: i64, settled: bool) -> Measured {
        Measured {
            oid,
            vacuums: Some(3),
            bytes,
            main: Some(main),
            settled,
        }
    }

    #[test]
    fn a_settled_relation_is_looked_at_quickly_and_its_bytes_kept() {
        // a table (100) and its index (101)
        let r = RelationSlots::of([(100, 0), (101, 0)], [(101, 100)], []);
        let mut forks = Forks::default();
        let slots = [r.slot(100).unwrap(), r.slot(101).unwrap()];
        // nothing kept: both measured whole, the index counted under its table
        let first = forks.looks(&r, &slots, |_| true, |_| false);
        assert_eq!(first.files, vec![0, 0]);
        assert_eq!(first.counted_as, vec![100, 100]);
        assert_eq!(first.kept_main, vec![None, None]);
        let (oids, bytes) = forks.take(
            &r,
            &[
                measured(100, Some(32768), 8192, true),
                measured(101, Some(16384), 16384, false),
            ],
        );
        assert_eq!((oids, bytes), (vec![100, 101], vec![32768, 16384]));
        assert_eq!(forks.len(), 1);
        // the settled table is looked at by its main fork, the other measured whole again
        let next = forks.looks(&r, &slots, |_| true, |_| false);
        assert_eq!(next.files, vec![100, 0]);
        assert_eq!(next.kept_main, vec![Some(8192), None]);
        assert_eq!(next.kept_vacuums, vec![Some(3), None]);
        // not when measured in turn: the sweep measures whole, by the file numbers
        let swept = forks.looks(&r, &slots, |_| false, |_| true);
        assert_eq!(swept.kept_main, vec![None, None]);
        assert_eq!(swept.files, vec![100, 101]);
        // as kept: its bytes are the kept ones
        let (oids, bytes) = forks.take(&r, &[measured(100, None, 8192, true)]);
        assert_eq!((oids, bytes), (vec![100], vec![32768]));
        // measured whole and no longer settled: forgotten, looked at whole next time
        forks.take(&r, &[measured(100, Some(40960), 16384, false)]);
        assert_eq!(
            forks.looks(&r, &slots, |_| true, |_| false).kept_main,
            vec![None, None]
        );
    }

    #[test]
    fn a_relation_at_another_file_or_gone_is_measured_whole() {
        let r = RelationSlots::of([(100, 0)], [], []);
        let mut forks = Forks::default();
        let slots = [r.slot(100).unwrap()];
        forks.take(&r, &[measured(100, Some(8192), 8192, true)]);
        // kept at file 100; the same relation listed at another file is not looked at quickly
        let mut moved = forks.settled[&100];
        moved.file = 7;
        forks.settled.insert(100, moved);
        assert_eq!(forks.looks(&r, &slots, |_| true, |_| false).files, vec![0]);
        // an answer "as kept" for what is not kept says nothing
        forks.forget(&[100]);
        assert_eq!(
            forks.take(&r, &[measured(100, None, 8192, true)]),
            (vec![], vec![])
        );
    }
}
