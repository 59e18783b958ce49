//! Which hypertables' rows of the tabs (`queries/tables.sql`) moved, as the watch tells it: the
//! rows of the hypertables, their dimensions, the continuous aggregates and the jobs written
//! since, each naming its hypertable; every row deleted unseen (pure).
//!
//! A watch from the horizon sees the rows written since, not those deleted. Ids are taken in
//! order, so a row written since whose id is above every id the last watch knew is new, the
//! others updated; the rows counted and their ids summed then say whether any was deleted: the
//! count must be the last one and the new rows, the sum the last one and theirs. Where it is
//! not, which hypertables moved is not known and their rows are read whole.

use serde::{Deserialize, Serialize};

use crate::model::watch::RowsSeen;

/// A watched table's rows that name hypertables, as one watch answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Named {
    pub count: i64,
    /// Every row's id summed (a definition's as `id * 4 + kind`).
    pub sum: i64,
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

impl NamedRow {
    /// What it adds to its table's sum.
    fn summed(&self) -> i64 {
        match self.kind {
            0 => i64::from(self.id),
            kind => i64::from(self.id) * 4 + kind as i64,
        }
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
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
struct Last {
    definitions: (i64, i64),
    jobs: (i64, i64),
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
        let totals = |n: &Named| (n.count, n.sum);
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
                self.last = Some(Last {
                    definitions: totals(definitions),
                    jobs: totals(jobs),
                    highest,
                });
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
        let (new_definitions, new_jobs) = (new(definitions, seen.0), new(jobs, seen.1));
        let accounted = |n: &Named, (count, sum): (i64, i64), new: &[NamedRow]| {
            let made: Vec<&NamedRow> = new.iter().filter(|r| r.id > last.highest[r.kind]).collect();
            n.count == count + made.len() as i64
                && n.sum == sum + made.iter().map(|r| r.summed()).sum::<i64>()
        };
        let told = accounted(definitions, last.definitions, &new_definitions)
            && accounted(jobs, last.jobs, &new_jobs);
        self.last = Some(Last {
            definitions: totals(definitions),
            jobs: totals(jobs),
            highest: highest_of(highest_of(last.highest, &new_definitions), &new_jobs),
        });
        if !told {
            return self.read_whole();
        }
        self.pending
            .extend((new_definitions.iter().chain(&new_jobs)).filter_map(|r| r.hypertable));
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

    fn named(rows: &[NamedRow], others: (i64, i64)) -> Named {
        Named {
            count: others.0 + rows.len() as i64,
            sum: others.1 + rows.iter().map(|r| r.summed()).sum::<i64>(),
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
        let mut m = RowsMoved::default();
        m.take(
            true,
            (&named(&defs, (0, 0)), &named(&jobs, (0, 0))),
            (None, None),
        );
        let epoch = m.epoch;
        assert_eq!(m.pending(), &[] as &[i32]);
        let totals_defs = (4, defs.iter().map(|r| r.summed()).sum::<i64>());
        let totals_jobs = (1, 1000);

        // a job altered (hypertable 2) and a new one made (hypertable 1): both named
        let altered = row(0, 1000, Some(2), 21);
        let made = row(0, 1001, Some(1), 22);
        let jobs_now = Named {
            count: 2,
            sum: 2001,
            rows: vec![altered, made],
        };
        let defs_now = Named {
            count: totals_defs.0,
            sum: totals_defs.1,
            rows: vec![],
        };
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
        let jobs_deleted = Named {
            count: 1,
            sum: 1001,
            rows: vec![row(0, 1001, Some(1), 23)],
        };
        m.take(
            false,
            (&defs_now, &jobs_deleted),
            (Some(&seen(&[])), Some(&again)),
        );
        assert_eq!((m.epoch, m.pending()), (epoch + 1, &[] as &[i32]));

        // a row deleted and one made with an id at or below the highest (made by hand): the
        // count matches, the sum does not
        let _ = totals_jobs;
        let sneaky = Named {
            count: 1,
            sum: 5,
            rows: vec![row(0, 5, Some(1), 24)],
        };
        m.take(
            false,
            (&defs_now, &sneaky),
            (Some(&seen(&[])), Some(&seen(&[]))),
        );
        assert_eq!(m.epoch, epoch + 2);
    }

    #[test]
    fn nothing_is_told_until_a_watch_answered_every_row() {
        let mut m = RowsMoved::default();
        let jobs = named(&[row(0, 7, Some(3), 1)], (0, 0));
        m.take(false, (&Named::default(), &jobs), (None, None));
        assert_eq!((m.epoch, m.pending()), (1, &[] as &[i32]));
    }
}
