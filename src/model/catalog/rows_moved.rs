//! Which hypertables' rows of the tabs (`queries/tables.sql`) moved, as the watch tells it: the
//! rows of the hypertables, their dimensions, the continuous aggregates and the jobs written
//! since, each naming its hypertable; every row deleted unseen (pure).
//!
//! A watch from the horizon sees the rows written since, not those deleted. Ids are taken in
//! order, so a row written since whose id is above every id the last watch knew of its table is
//! new, the others updated; each table's rows counted and their ids summed then say whether any
//! was deleted: the count must be the last one and the new rows', the sum too. Where it is not
//! (a row deleted; a row whose id was taken before one seen already, committed after it), which
//! hypertables moved is not known and every row is read.

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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Last {
    /// Each table's count and sum of ids, by kind.
    totals: [(i64, i64); 4],
    highest: [i32; 4],
}

impl RowsMoved {
    /// Takes one watch's answer in: `whole` when it answered every row; `seen`: the versions
    /// the last watch saw of each table (definitions, jobs).
    pub fn take(
        &mut self,
        whole: bool,
        (definitions, jobs): (&Named, &Named),
        seen: (Option<&RowsSeen>, Option<&RowsSeen>),
    ) {
        // each kind's totals from the one that has it (definitions 1–3, jobs 0)
        let mut totals = definitions.totals;
        totals[0] = jobs.totals[0];
        let highest_of = |mut highest: [i32; 4], rows: &[NamedRow]| {
            for r in rows {
                highest[r.kind] = highest[r.kind].max(r.id);
            }
            highest
        };
        let last = match (whole, self.last) {
            (false, Some(last)) => last,
            // every row: the highest ids from them; whatever moved is read whole
            (true, _) => {
                let highest = highest_of(highest_of([0; 4], &definitions.rows), &jobs.rows);
                self.last = Some(Last { totals, highest });
                return self.read_whole();
            }
            // nothing to tell new rows by until a watch answers every row
            (false, None) => return self.read_whole(),
        };
        let new = |n: &'_ Named, seen: Option<&RowsSeen>| -> Vec<NamedRow> {
            (n.rows.iter())
                .filter(|r| !seen.is_some_and(|s| s.has(r.version)))
                .copied()
                .collect()
        };
        let new: Vec<NamedRow> = new(definitions, seen.0)
            .into_iter()
            .chain(new(jobs, seen.1))
            .collect();
        // each table: its count and sum the last ones and its new rows' (those above every id
        // it knew), or a row was deleted
        let told = (0..4).all(|kind| {
            let made = new
                .iter()
                .filter(|r| r.kind == kind && r.id > last.highest[kind]);
            let (count, sum) =
                made.fold(last.totals[kind], |(c, s), r| (c + 1, s + i64::from(r.id)));
            totals[kind] == (count, sum)
        });
        self.last = Some(Last {
            totals,
            highest: highest_of(last.highest, &new),
        });
        if !told {
            return self.read_whole();
        }
        self.pending.extend(new.iter().filter_map(|r| r.hypertable));
        self.pending.sort_unstable();
        self.pending.dedup();
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
        );
        assert_eq!((m.epoch, m.pending()), (epoch, &[1, 2][..]));
        m.read();

        // the same rows seen again (a transaction held the horizon back): nothing moved
        let again = RowsSeen::new(0, vec![21, 22]);
        m.take(
            false,
            (&defs_now, &jobs_now),
            (Some(&seen(&[])), Some(&again)),
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
        );
        assert_eq!((m.epoch, m.pending()), (epoch + 1, &[] as &[i32]));

        // a row deleted and one made with an id at or below the highest (committed after a
        // later one): the count matches, the sum does not
        let late = named(&[row(0, 5, Some(1), 24)], [(1, 5), (0, 0), (0, 0), (0, 0)]);
        m.take(
            false,
            (&defs_now, &late),
            (Some(&seen(&[])), Some(&seen(&[]))),
        );
        assert_eq!(m.epoch, epoch + 2);

        // a hypertable's row deleted while a dimension is made: each table's totals apart
        let mixed = named(&[row(2, 3, Some(1), 25)], [(0, 0), (1, 1), (3, 6), (0, 0)]);
        m.take(false, (&mixed, &late), (Some(&seen(&[])), Some(&seen(&[]))));
        assert_eq!(m.epoch, epoch + 3);
    }

    #[test]
    fn nothing_is_told_until_a_watch_answered_every_row() {
        let mut m = RowsMoved::default();
        let jobs = named(&[row(0, 7, Some(3), 1)], [(1, 7), (0, 0), (0, 0), (0, 0)]);
        m.take(false, (&Named::default(), &jobs), (None, None));
        assert_eq!((m.epoch, m.pending()), (1, &[] as &[i32]));
    }
}
