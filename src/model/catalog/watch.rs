//! The catalog pass's watch over TimescaleDB's catalog (`queries/timescaledb_watch.sql`): what
//! it answered, what the pass keeps of it between refreshes — every chunk's state, every
//! compressed chunk's snapshot, how the watched tables stood — and what moved (pure but for
//! [`read`]).

use serde::{Deserialize, Serialize};
use tokio_postgres::{Client, Row, Statement};

use super::rows_moved::{Member, Named, NamedRow, RowsMoved};
use crate::model::rows::array;
use crate::model::tables::{ChunkNumbers, CompressedSize};
use crate::model::watch::{reaches, Horizon, Rest, RowsSeen};

/// A chunk's catalog row as the watch reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChunkState {
    pub id: i32,
    pub hypertable_id: i32,
    /// TimescaleDB's status bits: 1 compressed, 2 unordered, 8 partial.
    pub status: i32,
}

/// What one watch answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The horizon for the next watch.
    pub horizon: String,
    /// Whether it scanned its tables; else it rested (nothing moved that the statistics
    /// counted) and the rest of the answer is empty.
    pub scanned: bool,
    /// The writes the statistics counted into its tables (None: not counted).
    pub writes: Option<i64>,
    /// Whether it answered every row (asked from no horizon), not only those written since.
    pub whole: bool,
    pub chunks: RowsSeen,
    /// The chunks written since the horizon (every chunk when asked from none), by id.
    pub chunk_rows: Vec<(ChunkState, i64)>,
    /// None: the snapshots were not scanned, as no chunk's row was written or deleted since
    /// (none of theirs was either).
    pub sizes: Option<RowsSeen>,
    /// The compression snapshots written since, by chunk id.
    pub size_rows: Vec<(i32, CompressedSize, i64)>,
    pub definitions: RowsSeen,
    pub jobs: RowsSeen,
    pub settings: RowsSeen,
    pub stats: RowsSeen,
    /// The jobs whose statistics were written since (each with its row's version).
    pub stat_rows: Vec<(i32, i64)>,
    /// The definitions' and the jobs' rows written since, each naming its hypertable.
    pub definition_rows: Named,
    pub job_rows: Named,
}

impl Answer {
    fn from_row(r: &Row, whole: bool) -> Result<Answer, tokio_postgres::Error> {
        let ids: Vec<i32> = array(r, "chunk_ids")?;
        let hypertables: Vec<i32> = array(r, "chunk_hypertables")?;
        let statuses: Vec<i32> = array(r, "chunk_statuses")?;
        let versions: Vec<i64> = array(r, "chunk_versions")?;
        let chunk_rows: Vec<(ChunkState, i64)> = (ids.iter().zip(&hypertables))
            .zip(statuses.iter().zip(&versions))
            .map(|((&id, &hypertable_id), (&status, &version))| {
                let state = ChunkState {
                    id,
                    hypertable_id,
                    status,
                };
                (state, version)
            })
            .collect();
        let size_ids: Vec<i32> = array(r, "size_chunks")?;
        let before: Vec<i64> = array(r, "size_before")?;
        let after: Vec<i64> = array(r, "size_after")?;
        let size_versions: Vec<i64> = array(r, "size_versions")?;
        let size_rows = (size_ids.iter().zip(&size_versions))
            .zip(before.iter().zip(&after))
            .map(|((&id, &v), (&before, &after))| (id, CompressedSize { before, after }, v))
            .collect();
        let seen = |count: &str, versions: &str| -> Result<RowsSeen, tokio_postgres::Error> {
            Ok(RowsSeen::new(r.try_get(count)?, array(r, versions)?))
        };
        // the rows in the order the watch aggregated them, each with its version; each
        // table's totals at its kind's place (`first`: the kind of the first)
        let named = |prefix: &str,
                     kinds: Option<Vec<i32>>,
                     first: usize|
         -> Result<Named, tokio_postgres::Error> {
            let versions: Vec<i64> = array(r, &format!("{prefix}_versions"))?;
            let ids: Vec<i32> = array(r, &format!("{prefix}_ids"))?;
            let hypertables: Vec<Option<i32>> = array(r, &format!("{prefix}_hypertables"))?;
            let kind = |i: usize| {
                (kinds.as_ref()).map_or(first, |k| k.get(i).copied().unwrap_or(0) as usize)
            };
            let counts: Vec<i64> = array(r, &format!("{prefix}_counts"))?;
            let sums: Vec<i64> = array(r, &format!("{prefix}_sums"))?;
            let mut totals = [(0, 0); 4];
            for (i, total) in counts.into_iter().zip(sums).enumerate().take(4 - first) {
                totals[first + i] = total;
            }
            Ok(Named {
                totals,
                rows: (0..versions.len().min(ids.len()).min(hypertables.len()))
                    .map(|i| NamedRow {
                        kind: kind(i).min(3),
                        id: ids[i],
                        hypertable: hypertables[i],
                        version: versions[i],
                    })
                    .collect(),
            })
        };
        Ok(Answer {
            horizon: r.try_get("horizon")?,
            scanned: r.try_get("scanned")?,
            writes: r.try_get("writes")?,
            whole,
            chunks: RowsSeen::new(r.try_get("chunks")?, versions),
            chunk_rows,
            sizes: (r.try_get::<_, Option<i64>>("sizes")?)
                .map(|count| RowsSeen::new(count, size_versions)),
            size_rows,
            definitions: seen("definitions", "definition_versions")?,
            jobs: seen("jobs", "job_versions")?,
            settings: seen("settings", "setting_versions")?,
            stats: seen("stats", "stat_versions")?,
            stat_rows: array::<i32>(r, "stat_jobs")?
                .into_iter()
                .zip(array::<i64>(r, "stat_versions")?)
                .collect(),
            definition_rows: named("definition", Some(array(r, "definition_kinds")?), 1)?,
            job_rows: named("job", None, 0)?,
        })
    }
}

/// Every chunk's id and every compression snapshot's, and every row (kind, id, hypertable) of
/// the tables that name hypertables (`queries/chunk_ids.sql`): which rows are left after a watch
/// from the horizon found some deleted. Each part only where its rows were ([`Unaccounted`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EveryId {
    /// None: not asked (no chunk or snapshot was deleted).
    pub chunks: Option<(Vec<i32>, Vec<i32>)>,
    /// None: not asked (no definition or job was deleted).
    pub named: Option<Vec<Member>>,
}

/// Which of a watch's tables lost rows it cannot tell apart ([`Watched::needs_every_row`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Unaccounted {
    pub chunks: bool,
    pub named: bool,
}

impl Unaccounted {
    pub fn any(&self) -> bool {
        self.chunks || self.named
    }
}

/// Reads [`EveryId`] (`statement`: chunk_ids.sql, prepared), the parts `asked`.
pub async fn read_ids(
    client: &Client,
    statement: &Statement,
    asked: Unaccounted,
) -> Result<EveryId, tokio_postgres::Error> {
    let row = (client.query_one(statement, &[&asked.chunks, &asked.named])).await?;
    let sorted = |name: &str| -> Result<Vec<i32>, tokio_postgres::Error> {
        let mut ids: Vec<i32> = array(&row, name)?;
        ids.sort_unstable();
        Ok(ids)
    };
    let chunks = match asked.chunks {
        true => Some((sorted("chunks")?, sorted("sizes")?)),
        false => None,
    };
    let named = match asked.named {
        true => {
            let kinds: Vec<i32> = array(&row, "named_kinds")?;
            let ids: Vec<i32> = array(&row, "named_ids")?;
            let hypertables: Vec<Option<i32>> = array(&row, "named_hypertables")?;
            let rows = (kinds.iter().zip(&ids).zip(&hypertables)).map(|((k, id), h)| Member {
                kind: (*k).clamp(0, 3) as u8,
                id: *id,
                hypertable: *h,
            });
            Some(rows.collect())
        }
        false => None,
    };
    Ok(EveryId { chunks, named })
}

/// Where a watch starts: the horizon, how many chunks the last watch counted (the
/// compression snapshots are scanned only where the chunks' rows moved from it) and, where it
/// may rest, the writes counted when the last one scanned ([`Rest`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Start {
    pub horizon: Horizon,
    pub chunks: Option<i64>,
    pub rest: Option<i64>,
}

/// Runs the watch (`statement`: timescaledb_watch.sql, prepared) from `start`; from no horizon,
/// or from one too far back (a transaction left open for a long time), every row comes back.
pub async fn read(
    client: &Client,
    statement: &Statement,
    start: &Start,
) -> Result<Answer, tokio_postgres::Error> {
    if start.horizon.is_some() {
        let row = client
            .query_one(statement, &[&start.horizon, &start.chunks, &start.rest])
            .await?;
        if reaches(row.try_get("horizon_age")?) {
            return Answer::from_row(&row, false);
        }
    }
    let (none, unknown): (Horizon, Option<i64>) = (None, None);
    let row = (client.query_one(statement, &[&none, &unknown, &unknown])).await?;
    Answer::from_row(&row, true)
}

/// What the catalog pass keeps of TimescaleDB's catalog as its watch saw it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Watched {
    /// Where the next watch starts; None: nothing watched yet (or the last failed): every row.
    horizon: Horizon,
    seen: Option<Seen>,
    /// Every chunk's row, by id.
    states: Vec<ChunkState>,
    /// Every compression snapshot, by chunk id.
    compressed: Vec<(i32, (i64, i64))>,
    /// Counts of what moved, the kept reads' keys: the relations' rows and the structure are
    /// read again when `definitions` moves, the rows when `jobs` does, the compression settings
    /// when `settings` does.
    pub generations: Generations,
    /// Which hypertables' rows of the tabs moved (or that they are read whole).
    pub rows_moved: RowsMoved,
    /// Whether the next watch may rest (this process's alone: another starts by scanning).
    #[serde(skip)]
    rest: Rest,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generations {
    pub definitions: u64,
    pub jobs: u64,
    pub settings: u64,
    /// Bumped when the structure is read whole for another reason (a whole read due, a change
    /// the watch cannot patch).
    pub structure: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Seen {
    chunks: RowsSeen,
    sizes: RowsSeen,
    definitions: RowsSeen,
    jobs: RowsSeen,
    settings: RowsSeen,
    stats: RowsSeen,
}

/// What moved since the last watch, as one watch tells it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Moved {
    /// Everything is read again: nothing was kept, or the watch could not start from the
    /// horizon.
    pub all: bool,
    pub definitions: bool,
    pub jobs: bool,
    pub settings: bool,
    /// The chunks written since (created or changed), by id: their structure is read again.
    pub chunks: Vec<i32>,
    /// The chunks deleted since, by id (the catalog dropped them).
    pub gone: Vec<i32>,
    /// The jobs whose statistics were written since (a run); None: any job's may have been.
    pub job_stats: Option<Vec<i32>>,
}

impl Moved {
    /// Whether anything moved that the relations' rows or the chunk numbers show.
    pub fn any(&self) -> bool {
        self.all
            || self.definitions
            || self.jobs
            || self.settings
            || !self.chunks.is_empty()
            || !self.gone.is_empty()
    }
}

impl Watched {
    pub fn horizon(&self) -> &Horizon {
        &self.horizon
    }

    /// Where the next watch starts; it may rest where it `rests` (a console's refresh).
    pub fn start(&self, rests: bool) -> Start {
        Start {
            horizon: self.horizon.clone(),
            chunks: self.seen.as_ref().map(|s| s.chunks.count()),
            rest: (self.rest.from(rests)).filter(|_| self.horizon.is_some()),
        }
    }

    /// Whether `answer` leaves rows unaccounted for: a table has fewer rows than the kept
    /// ones and the new ones make (rows were deleted), and which is not known. Every id is
    /// then read ([`read_ids`]) and the answer taken with them ([`Watched::take_deleted`]).
    pub fn needs_every_row(&self, answer: &Answer) -> Unaccounted {
        if answer.whole || !answer.scanned {
            return Unaccounted::default();
        }
        let new_chunks = (answer.chunk_rows.iter())
            .filter(|(c, _)| self.state(c.id).is_none())
            .count() as i64;
        let new_sizes = (answer.size_rows.iter())
            .filter(|(id, ..)| self.compressed_of(*id).is_none())
            .count() as i64;
        let last = self.seen.as_ref();
        Unaccounted {
            chunks: answer.chunks.count() != self.states.len() as i64 + new_chunks
                || (answer.sizes.as_ref())
                    .is_some_and(|s| s.count() != self.compressed.len() as i64 + new_sizes),
            named: self.rows_moved.needs_every_row(
                (&answer.definition_rows, &answer.job_rows),
                (last.map(|l| &l.definitions), last.map(|l| &l.jobs)),
            ),
        }
    }

    /// Takes `answer` in, the kept states brought up to it; what moved.
    pub fn take(&mut self, answer: Answer) -> Moved {
        self.take_with(answer, None)
    }

    /// [`Watched::take`], with every row of the tables that name hypertables where it was
    /// read (`every`).
    fn take_with(&mut self, answer: Answer, every: Option<&[Member]>) -> Moved {
        self.rest.saw(answer.scanned, answer.writes);
        let job_stats = |last: Option<&Seen>| match last.map(|l| &l.stats) {
            Some(stats) if !answer.whole && answer.stats.count() == stats.count() => Some(
                (answer.stat_rows.iter())
                    .filter(|(_, v)| !stats.has(*v))
                    .map(|(id, _)| *id)
                    .collect(),
            ),
            _ => None,
        };
        if let Some(seen) = self.seen.as_mut().filter(|_| !answer.scanned) {
            // it rested: nothing counted moved but the jobs' statistics (scanned from the
            // horizon kept, where the next watch starts too)
            let out = Moved {
                job_stats: job_stats(Some(seen)),
                ..Moved::default()
            };
            seen.stats = answer.stats;
            return out;
        }
        let last = self.seen.take();
        let all = last.is_none();
        let moved = |now: &RowsSeen, then: Option<&RowsSeen>| all || now.moved_since(then);
        let mut out = Moved {
            all,
            definitions: moved(&answer.definitions, last.as_ref().map(|l| &l.definitions)),
            jobs: moved(&answer.jobs, last.as_ref().map(|l| &l.jobs)),
            settings: moved(&answer.settings, last.as_ref().map(|l| &l.settings)),
            job_stats: job_stats(last.as_ref()),
            ..Moved::default()
        };
        let last_chunks = last.as_ref().map(|l| &l.chunks);
        if !answer.whole {
            // the rows written since: each one's state replaces the kept one
            for (state, version) in &answer.chunk_rows {
                if last_chunks.is_some_and(|l| l.has(*version)) {
                    continue;
                }
                out.chunks.push(state.id);
                match self.states.binary_search_by_key(&state.id, |c| c.id) {
                    Ok(i) => self.states[i] = *state,
                    Err(i) => self.states.insert(i, *state),
                }
            }
            for (id, size, _) in &answer.size_rows {
                let value = (size.before, size.after);
                match self.compressed.binary_search_by_key(id, |c| c.0) {
                    Ok(i) => self.compressed[i].1 = value,
                    Err(i) => self.compressed.insert(i, (*id, value)),
                }
            }
        } else {
            // every row: those not among them are gone, those that differ moved
            let mut states: Vec<ChunkState> = answer.chunk_rows.iter().map(|(c, _)| *c).collect();
            states.sort_unstable_by_key(|c| c.id);
            out.gone = (self.states.iter())
                .filter(|c| states.binary_search_by_key(&c.id, |s| s.id).is_err())
                .map(|c| c.id)
                .collect();
            out.chunks = (states.iter())
                .filter(|c| self.state(c.id) != Some(**c))
                .map(|c| c.id)
                .collect();
            self.states = states;
            let mut compressed: Vec<(i32, (i64, i64))> = (answer.size_rows.iter())
                .map(|(id, s, _)| (*id, (s.before, s.after)))
                .collect();
            compressed.sort_unstable_by_key(|c| c.0);
            self.compressed = compressed;
        }
        out.chunks.sort_unstable();
        out.chunks.dedup();
        self.rows_moved.take(
            answer.whole,
            (&answer.definition_rows, &answer.job_rows),
            (
                last.as_ref().map(|l| &l.definitions),
                last.as_ref().map(|l| &l.jobs),
            ),
            every,
        );
        let generations = &mut self.generations;
        generations.definitions += u64::from(out.definitions);
        generations.jobs += u64::from(out.jobs);
        generations.settings += u64::from(out.settings);
        self.horizon = Some(answer.horizon);
        // snapshots not scanned stand as the last watch counted them
        let sizes = (answer.sizes)
            .or_else(|| last.map(|l| l.sizes))
            .unwrap_or_default();
        self.seen = Some(Seen {
            chunks: answer.chunks,
            sizes,
            definitions: answer.definitions,
            jobs: answer.jobs,
            settings: answer.settings,
            stats: answer.stats,
        });
        out
    }

    /// Takes `since` in (a watch from the horizon that found rows deleted) and then `ids`, every
    /// row's id read after it: the kept rows not among them are gone. A row made after `since`
    /// is not among those kept and is left: the next watch finds it written since the horizon.
    pub fn take_deleted(&mut self, since: Answer, ids: &EveryId) -> Moved {
        let mut out = self.take_with(since, ids.named.as_deref());
        let Some((chunks, sizes)) = &ids.chunks else {
            return out;
        };
        let left = |id: &i32, among: &[i32]| among.binary_search(id).is_ok();
        out.gone = (self.states.iter())
            .filter(|c| !left(&c.id, chunks))
            .map(|c| c.id)
            .collect();
        self.states.retain(|c| left(&c.id, chunks));
        self.compressed.retain(|(id, _)| left(id, sizes));
        out.chunks.retain(|id| !left(id, &out.gone));
        out
    }

    /// Nothing kept: the next watch asks for every row (a read that failed midway).
    pub fn forget(&mut self) {
        let generations = self.generations;
        let mut rows_moved = std::mem::take(&mut self.rows_moved);
        rows_moved.read_whole();
        *self = Watched {
            rows_moved,
            generations: Generations {
                definitions: generations.definitions + 1,
                jobs: generations.jobs + 1,
                settings: generations.settings + 1,
                structure: generations.structure + 1,
            },
            ..Watched::default()
        };
    }

    fn state(&self, id: i32) -> Option<ChunkState> {
        (self.states.binary_search_by_key(&id, |c| c.id))
            .ok()
            .map(|i| self.states[i])
    }

    fn compressed_of(&self, id: i32) -> Option<(i64, i64)> {
        (self.compressed.binary_search_by_key(&id, |c| c.0))
            .ok()
            .map(|i| self.compressed[i].1)
    }

    /// The compressed, partial and unordered chunks and the compression snapshots, as the
    /// watch keeps them (what chunk_status.sql and compressed_sizes.sql read before).
    pub fn numbers(&self) -> ChunkNumbers {
        let with = |bits: fn(i32) -> bool| -> Vec<i32> {
            (self.states.iter())
                .filter(|c| bits(c.status))
                .map(|c| c.id)
                .collect()
        };
        let compressed = (self.compressed.iter())
            .map(|&(id, (before, after))| (id, CompressedSize { before, after }))
            .collect();
        ChunkNumbers::new(
            with(|s| s & 1 == 1),
            with(|s| s & 1 == 1 && s & 10 != 0),
            compressed,
        )
        .with_unordered(with(|s| s & 1 == 1 && s & 2 == 2 && s & 8 == 0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(id: i32, status: i32) -> (ChunkState, i64) {
        let state = ChunkState {
            id,
            hypertable_id: 1,
            status,
        };
        (state, i64::from(id) * 1000 + i64::from(status))
    }

    fn answer(since: bool, count: i64, rows: Vec<(ChunkState, i64)>) -> Answer {
        let versions = rows.iter().map(|r| r.1).collect();
        Answer {
            horizon: "100".into(),
            scanned: true,
            writes: Some(count * 10),
            whole: !since,
            chunks: RowsSeen::new(count, versions),
            chunk_rows: rows,
            ..Answer::default()
        }
    }

    #[test]
    fn a_watch_that_rested_moves_nothing_and_the_next_starts_where_it_would_have() {
        let mut w = Watched::default();
        assert_eq!(w.start(true).rest, None, "nothing scanned yet");
        w.take(answer(false, 2, vec![chunk(1, 0), chunk(2, 1)]));
        let start = w.start(true);
        assert_eq!(
            (start.horizon.as_deref(), start.rest),
            (Some("100"), Some(20))
        );
        assert_eq!(w.start(false).rest, None, "not where it may not rest");
        let before = w.numbers();
        // it rested: an answer with nothing in it (no rows counted, a later horizon)
        let rested = Answer {
            horizon: "200".into(),
            writes: Some(20),
            ..Answer::default()
        };
        assert!(!w.needs_every_row(&rested).any());
        let moved = w.take(rested);
        assert!(!moved.any() && moved.job_stats == Some(vec![]), "{moved:?}");
        // the jobs' statistics are scanned all the same: a run seen while it rests
        let ran = Answer {
            stats: RowsSeen::new(0, vec![77]),
            stat_rows: vec![(5, 77)],
            ..Answer::default()
        };
        assert_eq!(w.take(ran).job_stats, Some(vec![5]));
        let next = w.start(true);
        assert_eq!(
            next.horizon.as_deref(),
            Some("100"),
            "from the scan's horizon"
        );
        assert_eq!((next.chunks, next.rest), (Some(2), None), "and it scans");
        assert_eq!(w.numbers(), before, "the chunks kept as scanned");
        // the next scan finds what was written meanwhile
        let moved = w.take(answer(true, 3, vec![chunk(3, 1)]));
        assert_eq!(moved.chunks, [3]);
    }

    #[test]
    fn a_first_watch_moves_everything_and_the_next_only_what_was_written() {
        let mut w = Watched::default();
        let first = w.take(answer(
            false,
            3,
            vec![chunk(1, 0), chunk(2, 1), chunk(3, 0)],
        ));
        assert!(first.all && first.definitions);
        assert_eq!(first.chunks, [1, 2, 3]);
        assert_eq!(w.numbers(), ChunkNumbers::new(vec![2], vec![], vec![]));
        // nothing written: the same recent rows again (a transaction held the horizon back)
        let again = answer(true, 3, vec![chunk(3, 0)]);
        assert!(!w.needs_every_row(&again).any());
        let nothing = w.take(again);
        assert!(!nothing.any(), "{nothing:?}");
        // chunk 3 compressed, chunk 4 created
        let next = answer(true, 4, vec![chunk(3, 1), chunk(4, 0)]);
        assert!(!w.needs_every_row(&next).any());
        let moved = w.take(next);
        assert_eq!(moved.chunks, [3, 4]);
        assert!(!moved.all && !moved.definitions && moved.gone.is_empty());
        assert_eq!(w.numbers(), ChunkNumbers::new(vec![2, 3], vec![], vec![]));
        assert_eq!(w.horizon(), &Some("100".into()));
    }

    #[test]
    fn a_deleted_chunk_asks_for_every_row_and_is_found_gone() {
        let mut w = Watched::default();
        w.take(answer(
            false,
            3,
            vec![chunk(1, 0), chunk(2, 0), chunk(3, 0)],
        ));
        // chunk 1 dropped, chunk 3 changed, chunk 4 created: three rows, two of them written
        let partial = answer(true, 3, vec![chunk(3, 9), chunk(4, 0)]);
        assert!(w.needs_every_row(&partial).chunks);
        // every id read after it: chunk 5 made meanwhile (left for the next watch)
        let ids = EveryId {
            chunks: Some((vec![2, 3, 4, 5], vec![])),
            named: None,
        };
        let moved = w.take_deleted(partial, &ids);
        assert_eq!(moved.gone, [1]);
        assert_eq!(moved.chunks, [3, 4], "changed and new");
        assert!(!moved.all, "a horizon was kept: not everything");
        assert_eq!(
            w.numbers(),
            ChunkNumbers::new(vec![3], vec![3], vec![]).with_unordered(vec![])
        );
    }

    /// Two definitions (versions 7 and 8) and a job's statistics, as a first watch sees them.
    fn with_definitions(mut a: Answer, recent: Vec<i64>) -> Answer {
        a.definitions = RowsSeen::new(2, recent.clone());
        a.stats = RowsSeen::new(1, recent);
        a
    }

    #[test]
    fn a_deleted_chunk_moves_no_definition() {
        let mut w = Watched::default();
        let rows = vec![chunk(1, 0), chunk(2, 0)];
        w.take(with_definitions(answer(false, 2, rows), vec![7, 8]));
        // a watch from the horizon: nothing written since
        let quiet = w.take(with_definitions(answer(true, 2, vec![]), vec![]));
        assert!(!quiet.any(), "{quiet:?}");
        // chunk 1 dropped: the watch from the horizon finds one row fewer, nothing else
        // written; every id read
        let partial = with_definitions(answer(true, 1, vec![]), vec![]);
        assert!(w.needs_every_row(&partial).chunks);
        let ids = |chunks: Vec<i32>| EveryId {
            chunks: Some((chunks, vec![])),
            named: None,
        };
        let moved = w.take_deleted(partial, &ids(vec![2]));
        assert_eq!(moved.gone, [1]);
        assert!(
            !moved.definitions && !moved.jobs && !moved.settings,
            "{moved:?}"
        );
        assert_eq!(moved.job_stats, Some(vec![]), "no job ran");
        // a definition written with it is seen all the same
        w.take(with_definitions(answer(true, 1, vec![]), vec![]));
        let partial = with_definitions(answer(true, 0, vec![]), vec![9]);
        assert!(w.take_deleted(partial, &ids(vec![])).definitions);
    }

    #[test]
    fn the_numbers_after_a_deletion_are_the_rows_left() {
        let mut w = Watched::default();
        w.take(answer(
            false,
            3,
            vec![chunk(1, 0), chunk(2, 0), chunk(3, 0)],
        ));
        w.take(answer(
            false,
            3,
            vec![chunk(2, 0), chunk(3, 9), chunk(4, 0)],
        ));
        assert_eq!(
            w.numbers(),
            ChunkNumbers::new(vec![3], vec![3], vec![]).with_unordered(vec![])
        );
    }

    #[test]
    fn snapshots_not_scanned_stand_as_last_counted() {
        let mut w = Watched::default();
        let mut first = answer(false, 2, vec![chunk(1, 1), chunk(2, 0)]);
        first.sizes = Some(RowsSeen::new(1, vec![5]));
        first.size_rows = vec![(
            1,
            CompressedSize {
                before: 10,
                after: 2,
            },
            5,
        )];
        w.take(first);
        assert_eq!(
            w.start(false).chunks,
            Some(2),
            "the next watch is asked from 2 chunks"
        );
        // nothing written to the chunks: the snapshots were not scanned
        let quiet = answer(true, 2, vec![]);
        assert!(!w.needs_every_row(&quiet).any());
        assert!(!w.take(quiet).any());
        // chunk 1 decompressed, its snapshot deleted: scanned, one fewer than the count kept
        let mut next = answer(true, 2, vec![chunk(1, 0)]);
        next.sizes = Some(RowsSeen::new(0, vec![]));
        assert!(w.needs_every_row(&next).chunks);
        let ids = EveryId {
            chunks: Some((vec![1, 2], vec![])),
            named: None,
        };
        let moved = w.take_deleted(next, &ids);
        assert_eq!((moved.chunks, moved.gone), (vec![1], vec![]));
        assert_eq!(w.numbers(), ChunkNumbers::new(vec![], vec![], vec![]));
        let mut quiet = answer(true, 2, vec![]);
        quiet.sizes = Some(RowsSeen::new(0, vec![]));
        assert!(
            !w.needs_every_row(&quiet).any(),
            "the snapshot kept is gone"
        );
    }

    #[test]
    fn forgetting_reads_everything_again_under_new_generations() {
        let mut w = Watched::default();
        w.take(answer(false, 1, vec![chunk(1, 0)]));
        let before = w.generations;
        w.forget();
        assert_eq!(w.horizon(), &None);
        assert!(w.generations.definitions > before.definitions);
        assert!(w.take(answer(false, 1, vec![chunk(1, 0)])).all);
    }
}
