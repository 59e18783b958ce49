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

/// What relation_mains.sql answered for the quick looks, in their order: whether the server's
/// other forks settle, its segment's bytes, each one's table's VACUUM count and main fork's
/// bytes (None: no such file).
#[derive(Debug, Default, PartialEq)]
pub(super) struct Mains {
    pub settles: bool,
    pub segment: i64,
    pub vacuums: Vec<Option<i64>>,
    pub main: Vec<Option<i64>>,
}

impl Looks {
    fn push(&mut self, oid: u32, file: u32, counted_as: u32, kept: Option<(i64, i64)>) {
        self.oids.push(oid);
        self.files.push(file);
        self.counted_as.push(counted_as);
        self.kept_main.push(kept.map(|k| k.0));
        self.kept_vacuums.push(kept.map(|k| k.1));
    }
}

/// Which of `looks` are as kept by what relation_mains.sql answered for its quick ones (those
/// with a main fork kept, in order) (pure): those whose main fork is as kept, not empty (a file
/// dropped or rewritten stays empty until a checkpoint) and below a segment, with no VACUUM
/// since, on a server where the other forks settle; the others, and those not as kept (sent
/// with no file and nothing kept: measured whole through the catalog), left for
/// relation_stats.sql.
pub(super) fn split_quick(looks: Looks, answer: &Mains) -> (Vec<Measured>, Looks) {
    let mut same = Vec::new();
    let mut rest = Looks::default();
    let mut q = 0;
    for i in 0..looks.oids.len() {
        let (oid, counted_as) = (looks.oids[i], looks.counted_as[i]);
        let Some(kept_main) = looks.kept_main[i] else {
            let kept = None;
            rest.push(oid, looks.files[i], counted_as, kept);
            continue;
        };
        let (main, vacuums) = (
            answer.main.get(q).copied().flatten(),
            answer.vacuums.get(q).copied().flatten(),
        );
        q += 1;
        let as_kept = answer.settles
            && vacuums.is_some()
            && vacuums == looks.kept_vacuums[i]
            && main == Some(kept_main)
            && kept_main > 0
            && kept_main < answer.segment;
        match as_kept {
            true => same.push(Measured {
                oid,
                vacuums,
                bytes: None,
                main,
                settled: true,
            }),
            false => rest.push(oid, 0, counted_as, None),
        }
    }
    (same, rest)
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

    #[test]
    fn a_quick_look_keeps_only_what_is_as_kept_and_sends_the_rest_whole() {
        let mut looks = Looks::default();
        // kept: 10 as kept, 11 grown, 12 vacuumed since, 13 gone (no file), 14 empty;
        // 20 measured in turn by its file, 21 through the catalog
        for (oid, kept) in [
            (10, Some((8192, 3))),
            (11, Some((8192, 3))),
            (12, Some((8192, 3))),
            (13, Some((8192, 3))),
            (14, Some((0, 3))),
            (20, None),
            (21, None),
        ] {
            let file = if oid == 21 { 0 } else { oid + 1000 };
            looks.push(oid, file, 1, kept);
        }
        let answer = Mains {
            settles: true,
            segment: 1 << 30,
            vacuums: vec![Some(3), Some(3), Some(4), Some(3), Some(3)],
            main: vec![Some(8192), Some(16384), Some(8192), None, Some(0)],
        };
        let (same, rest) = split_quick(looks, &answer);
        assert_eq!(same.len(), 1);
        assert_eq!(
            same[0],
            Measured {
                oid: 10,
                vacuums: Some(3),
                bytes: None,
                main: Some(8192),
                settled: true
            }
        );
        assert_eq!(rest.oids, vec![11, 12, 13, 14, 20, 21]);
        // those not as kept measured whole through the catalog; the others as they were sent
        assert_eq!(rest.files, vec![0, 0, 0, 0, 1020, 0]);
        assert!(rest.kept_main.iter().all(Option::is_none));
        assert!(rest.kept_vacuums.iter().all(Option::is_none));
        assert_eq!(rest.counted_as, vec![1; 6]);
    }

    #[test]
    fn no_quick_look_holds_where_the_forks_do_not_settle_or_past_a_segment() {
        let looks = || {
            let mut l = Looks::default();
            l.push(10, 1010, 10, Some((8192, 3)));
            l
        };
        let answer = |settles, segment| Mains {
            settles,
            segment,
            vacuums: vec![Some(3)],
            main: vec![Some(8192)],
        };
        assert_eq!(split_quick(looks(), &answer(true, 1 << 30)).0.len(), 1);
        assert_eq!(
            split_quick(looks(), &answer(false, 1 << 30)).1.oids,
            vec![10]
        );
        assert_eq!(split_quick(looks(), &answer(true, 8192)).1.oids, vec![10]);
        // an answer short of its looks (a batch cut short): not as kept
        let short = Mains {
            settles: true,
            segment: 1 << 30,
            ..Mains::default()
        };
        assert_eq!(split_quick(looks(), &short).1.oids, vec![10]);
    }

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
