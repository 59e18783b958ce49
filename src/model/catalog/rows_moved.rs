//! Which hypertables' rows of the tabs (`queries/tables.sql`) moved, as the watch tells it: the
//! rows of the hypertables, their dimensions, the continuous aggregates and the jobs written
//! since, each naming its hypertable; every row deleted unseen (pure).
//!
//! A watch from the horizon sees the rows written since, not those deleted. Ids are taken in
//! order, so a row written since whose id is above every id the last watch knew of its table is
//! new, the others updated; each table's rows counted and their ids summed then say whether any
//! was deleted: the count must be the last one and the new rows', the sum too. Where it is not
//! (a policy removed, a hypertable dropped; a row whose id was taken before one seen already,
//! committed after it), every row's id and hypertable is read (`queries/chunk_ids.sql`, a few
//! ms) and set against the rows kept ([`Member`]): the hypertables of those gone, and of those
//! not kept, moved. Without that list every tab row is read (37 ms at 5,250 hypertables).

use serde::{Deserialize, Serialize};

use crate::model::watch::RowsSeen;

/// Watched tables' rows that name hypertables, as one watch answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Named {
    /// Each table's rows counted and their ids summed, by kind (see [`NamedRow::kind`]).
    pub totals: [(i64, i64); 4],
    /// The rows written since the horizon (every row from none).
    pub rows: Vec<NamedRow>,
}

/// One row written since the horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NamedRow {
    /// Which table: 0 a job, 1 a hypertable, 2 a dimension, 3 a continuous aggregate.
    pub kind: usize,
    pub id: i32,
    /// The hypertable whose row it moves (none: a job that acts on none).
    pub hypertable: Option<i32>,
    pub version: i64,
}

/// A watched row as kept: which table (as [`NamedRow::kind`]), its id and the hypertable it
/// names. Every row's, to tell whose rows a deletion moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Member {
    pub kind: u8,
    pub id: i32,
    pub hypertable: Option<i32>,
}

impl Member {
    fn of(r: &NamedRow) -> Member {
        Member {
            kind: r.kind as u8,
            id: r.id,
            hypertable: r.hypertable,
        }
    }

    fn key(&self) -> (u8, i32) {
        (self.kind, self.id)
    }
}

/// What the catalog pass keeps of the moves: which hypertables' rows moved since the tabs'
/// rows were read, or that they are to be read whole (`epoch` moved).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowsMoved {
    /// Bumped when what moved cannot be told: the tabs' rows are read whole.
    pub epoch: u64,
    /// The hypertables whose rows moved since the tabs' rows were read, sorted.
    pending: Vec<i32>,
    /// The last watch's counts and sums (definitions, jobs), and the highest id it knew of
    /// each kind: None until a watch answered every row.
    last: Option<Last>,
    /// Every watched row as the watches left it, by kind and id (with `last`).
    members: Vec<Member>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Last {
    /// Each table's count and sum of ids, by kind.
    totals: [(i64, i64); 4],
    highest: [i32; 4],
}

/// Each kind's totals from the watch that has it (definitions 1–3, jobs 0).
fn totals_of((definitions, jobs): (&Named, &Named)) -> [(i64, i64); 4] {
    let mut totals = definitions.totals;
    totals[0] = jobs.totals[0];
    totals
}

/// The rows of `named` the last watch did not see (by version).
fn new_rows(
    (definitions, jobs): (&Named, &Named),
    seen: (Option<&RowsSeen>, Option<&RowsSeen>),
) -> Vec<NamedRow> {
    let unseen = |r: &&NamedRow, seen: Option<&RowsSeen>| !seen.is_some_and(|s| s.has(r.version));
    let defs = (definitions.rows.iter()).filter(|r| unseen(r, seen.0));
    let jobs = (jobs.rows.iter()).filter(|r| unseen(r, seen.1));
    defs.chain(jobs).copied().collect()
}

impl Last {
    /// Whether each table's count and sum are the last ones and its `new` rows' (those above
    /// every id it knew): else a row was deleted (or committed after a later id).
    fn tells(&self, totals: &[(i64, i64); 4], new: &[NamedRow]) -> bool {
        (0..4).all(|kind| {
            let made = (new.iter()).filter(|r| r.kind == kind && r.id > self.highest[kind]);
            let (count, sum) =
                made.fold(self.totals[kind], |(c, s), r| (c + 1, s + i64::from(r.id)));
            totals[kind] == (count, sum)
        })
    }
}

impl RowsMoved {
    /// Whether taking this watch's answer (as [`RowsMoved::take`]) needs every row's id: rows
    /// were deleted, which ones is not known, and the rows kept can tell it from such a list.
    pub fn needs_every_row(
        &self,
        named: (&Named, &Named),
        seen: (Option<&RowsSeen>, Option<&RowsSeen>),
    ) -> bool {
        (self.last).is_some_and(|last| !last.tells(&totals_of(named), &new_rows(named, seen)))
    }

    /// Takes one watch's answer in: `whole` when it answered every row; `seen`: the versions
    /// the last watch saw of each table (definitions, jobs); `every`: every row (kind, id,
    /// hypertable) read after it where [`RowsMoved::needs_every_row`] said so.
    pub fn take(
        &mut self,
        whole: bool,
        named: (&Named, &Named),
        seen: (Option<&RowsSeen>, Option<&RowsSeen>),
        every: Option<&[Member]>,
    ) {
        let totals = totals_of(named);
        let highest_of = |mut highest: [i32; 4], rows: &[NamedRow]| {
            for r in rows {
                highest[r.kind] = highest[r.kind].max(r.id);
            }
            highest
        };
        let last = match (whole, self.last) {
            (false, Some(last)) => last,
            // every row: the highest ids and the members from them; whatever moved is read
            // whole
            (true, _) => {
                let rows = || named.0.rows.iter().chain(&named.1.rows);
                let highest = highest_of(highest_of([0; 4], &named.0.rows), &named.1.rows);
                self.last = Some(Last { totals, highest });
                self.members = rows().map(Member::of).collect();
                self.members.sort_unstable();
                self.members.dedup_by_key(|m| m.key());
                return self.read_whole();
            }
            // nothing to tell new rows by until a watch answers every row
            (false, None) => return self.read_whole(),
        };
        let new = new_rows(named, seen);
        let told = last.tells(&totals, &new);
        self.last = Some(Last {
            totals,
            highest: highest_of(last.highest, &new),
        });
        self.pending.extend(new.iter().filter_map(|r| r.hypertable));
        for r in &new {
            let m = Member::of(r);
            match self.members.binary_search_by_key(&m.key(), Member::key) {
                Ok(i) => self.members[i] = m,
                Err(i) => self.members.insert(i, m),
            }
        }
        if !told {
            let Some(every) = every else {
                return self.read_whole();
            };
            self.take_every(every);
        }
        self.pending.sort_unstable();
        self.pending.dedup();
    }

    /// Sets `every` row against the members kept: the hypertables of those gone, and of those
    /// new or naming another hypertable, moved; `every` is then what is kept. (A row made after
    /// the watch is among them: the next watch finds it written since and moves it again.)
    fn take_every(&mut self, every: &[Member]) {
        let mut every = every.to_vec();
        every.sort_unstable();
        every.dedup_by_key(|m| m.key());
        let differs = |a: &[Member], b: &[Member], pending: &mut Vec<i32>| {
            for m in a {
                match b.binary_search_by_key(&m.key(), Member::key) {
                    Ok(i) if b[i] == *m => {}
                    _ => pending.extend(m.hypertable),
                }
            }
        };
        differs(&self.members, &every, &mut self.pending);
        differs(&every, &self.members, &mut self.pending);
        self.members = every;
    }

    /// The tabs' rows are to be read whole.
    pub fn read_whole(&mut self) {
        self.epoch += 1;
        self.pending.clear();
    }

    /// The hypertables whose rows moved since the tabs' rows were read.
    pub fn pending(&self) -> &[i32] {
        &self.pending
    }

    /// The tabs' rows were read (whole, or the pending ones): nothing pending.
    pub fn read(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: usize, id: i32, hypertable: Option<i32>, version: i64) -> NamedRow {
        NamedRow {
            kind,
            id,
            hypertable,
            version,
        }
    }

    /// What a watch answers: `rows` written since, each table's totals `totals`.
    fn named(rows: &[NamedRow], totals: [(i64, i64); 4]) -> Named {
        Named {
            totals,
            rows: rows.to_vec(),
        }
    }

    fn seen(rows: &[NamedRow]) -> RowsSeen {
        RowsSeen::new(0, rows.iter().map(|r| r.version).collect())
    }

    #[test]
    fn rows_written_name_their_hypertables_and_a_deletion_reads_whole() {
        // every row: hypertables 1 and 2, a dimension each, one job on 2
        let defs = [
            row(1, 1, Some(1), 10),
            row(1, 2, Some(2), 11),
            row(2, 1, Some(1), 12),
            row(2, 2, Some(2), 13),
        ];
        let jobs = [row(0, 1000, Some(2), 20)];
        let def_totals = [(0, 0), (2, 3), (2, 3), (0, 0)];
        let mut m = RowsMoved::default();
        m.take(
            true,
            (
                &named(&defs, def_totals),
                &named(&jobs, [(1, 1000), (0, 0), (0, 0), (0, 0)]),
            ),
            (None, None),
            None,
        );
        let epoch = m.epoch;
        assert_eq!(m.pending(), &[] as &[i32]);

        // a job altered (hypertable 2) and a new one made (hypertable 1): both named
        let jobs_now = named(
            &[row(0, 1000, Some(2), 21), row(0, 1001, Some(1), 22)],
            [(2, 2001), (0, 0), (0, 0), (0, 0)],
        );
        let defs_now = named(&[], def_totals);
        m.take(
            false,
            (&defs_now, &jobs_now),
            (Some(&seen(&defs)), Some(&seen(&jobs))),
            None,
        );
        assert_eq!((m.epoch, m.pending()), (epoch, &[1, 2][..]));
        m.read();

        // the same rows seen again (a transaction held the horizon back): nothing moved
        let again = RowsSeen::new(0, vec![21, 22]);
        m.take(
            false,
            (&defs_now, &jobs_now),
            (Some(&seen(&[])), Some(&again)),
            None,
        );
        assert_eq!((m.epoch, m.pending()), (epoch, &[] as &[i32]));

        // a job deleted while another is altered: the count says so, read whole
        let jobs_deleted = named(
            &[row(0, 1001, Some(1), 23)],
            [(1, 1001), (0, 0), (0, 0), (0, 0)],
        );
        m.take(
            false,
            (&defs_now, &jobs_deleted),
            (Some(&seen(&[])), Some(&again)),
            None,
        );
        assert_eq!((m.epoch, m.pending()), (epoch + 1, &[] as &[i32]));

        // a row deleted and one made with an id at or below the highest (committed after a
        // later one): the count matches, the sum does not
        let late = named(&[row(0, 5, Some(1), 24)], [(1, 5), (0, 0), (0, 0), (0, 0)]);
        m.take(
            false,
            (&defs_now, &late),
            (Some(&seen(&[])), Some(&seen(&[]))),
            None,
        );
        assert_eq!(m.epoch, epoch + 2);

        // a hypertable's row deleted while a dimension is made: each table's totals apart
        let mixed = named(&[row(2, 3, Some(1), 25)], [(0, 0), (1, 1), (3, 6), (0, 0)]);
        m.take(
            false,
            (&mixed, &late),
            (Some(&seen(&[])), Some(&seen(&[]))),
            None,
        );
        assert_eq!(m.epoch, epoch + 3);
    }

    #[test]
    fn a_deletion_is_told_by_every_rows_id_against_the_members_kept() {
        let member = |kind: u8, id: i32, hypertable: i32| Member {
            kind,
            id,
            hypertable: Some(hypertable),
        };
        // hypertables 1, 2 and 3, a dimension each, a job on each of 1 and 2
        let defs = [
            row(1, 1, Some(1), 10),
            row(1, 2, Some(2), 11),
            row(1, 3, Some(3), 12),
            row(2, 1, Some(1), 13),
            row(2, 2, Some(2), 14),
            row(2, 3, Some(3), 15),
        ];
        let jobs = [row(0, 1000, Some(1), 20), row(0, 1001, Some(2), 21)];
        let def_totals = [(0, 0), (3, 6), (3, 6), (0, 0)];
        let job_totals = [(2, 2001), (0, 0), (0, 0), (0, 0)];
        let mut m = RowsMoved::default();
        m.take(
            true,
            (&named(&defs, def_totals), &named(&jobs, job_totals)),
            (None, None),
            None,
        );
        let (epoch, seen_defs, seen_jobs) = (m.epoch, seen(&defs), seen(&jobs));
        let quiet = named(&[], def_totals);

        // a policy removed (job 1001, on hypertable 2): the count says a row went, every
        // row's id says which; only hypertable 2's rows are read again
        let removed = named(&[], [(1, 1000), (0, 0), (0, 0), (0, 0)]);
        let asked = (Some(&seen_defs), Some(&seen_jobs));
        assert!(m.needs_every_row((&quiet, &removed), asked));
        let every = [1, 2, 3].map(|h| [member(1, h, h), member(2, h, h)]);
        let mut every: Vec<Member> = every.into_iter().flatten().collect();
        every.push(member(0, 1000, 1));
        m.take(false, (&quiet, &removed), asked, Some(&every));
        assert_eq!((m.epoch, m.pending()), (epoch, &[2][..]));
        m.read();
        // without the list: every row
        let mut without = m.clone();
        without.last.as_mut().unwrap().totals[0] = (2, 2001);
        without.take(false, (&quiet, &removed), asked, None);
        assert_eq!(without.epoch, epoch + 1);

        // hypertable 3 dropped (its row and its dimension's) while a job is made on 1: the
        // new job and the dropped hypertable
        let dropped = named(&[], [(0, 0), (2, 3), (2, 3), (0, 0)]);
        let made = [row(0, 1002, Some(1), 22)];
        let jobs_now = named(&made, [(2, 2002), (0, 0), (0, 0), (0, 0)]);
        let asked = (Some(&seen_defs), Some(&seen(&[])));
        assert!(m.needs_every_row((&dropped, &jobs_now), asked));
        every.retain(|r| r.hypertable != Some(3));
        every.push(member(0, 1002, 1));
        m.take(false, (&dropped, &jobs_now), asked, Some(&every));
        assert_eq!((m.epoch, m.pending()), (epoch, &[1, 3][..]));
        m.read();

        // told by the counts: no list needed, the members follow the rows written
        let later = [row(0, 1003, Some(2), 23)];
        let jobs_later = named(&later, [(3, 3005), (0, 0), (0, 0), (0, 0)]);
        let dropped_seen = seen(&[]);
        let asked = (Some(&dropped_seen), Some(&seen(&made)));
        assert!(!m.needs_every_row((&dropped, &jobs_later), asked));
        m.take(false, (&dropped, &jobs_later), asked, None);
        assert_eq!(m.pending(), &[2]);
        assert!(m.members.contains(&member(0, 1003, 2)));
        assert!(!m.members.iter().any(|r| r.hypertable == Some(3)));
    }

    #[test]
    fn nothing_is_told_until_a_watch_answered_every_row() {
        let mut m = RowsMoved::default();
        let jobs = named(&[row(0, 7, Some(3), 1)], [(1, 7), (0, 0), (0, 0), (0, 0)]);
        m.take(false, (&Named::default(), &jobs), (None, None), None);
        assert_eq!((m.epoch, m.pending()), (1, &[] as &[i32]));
    }
}
