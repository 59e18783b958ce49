//! The relations' watch (`queries/relations_watch.sql`): the relations created since the last
//! refresh, and the tables being written lately — the *hot* ones — with their versions and writes.
//! Sizes move every refresh on a database being written; reading every table's version to find the
//! few that moved cost a pass over them all at every refresh; this follows what is written. The
//! database's count of writes says whether a table outside the hot ones was written: only then is
//! every version read (pure but for [`read`]).

use std::time::{Duration, Instant};

use tokio_postgres::{Client, Row, Statement};

use crate::model::rows::array;

/// A hot table that has not moved for this long leaves the hot ones (a write to it later is
/// seen in the database's count, and it joins again).
pub const HOT_FOR: Duration = Duration::from_secs(600);

/// A relation created since the last watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewRelation {
    pub oid: u32,
    /// pg_class.relkind: `r` table, `t` TOAST, `i` index, `m` materialized view, `S` sequence,
    /// `p` partitioned table.
    pub kind: u8,
    /// An index's table (0 for any other).
    pub table: u32,
}

/// A watched table as the watch saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watched {
    pub oid: u32,
    pub version: u32,
    pub writes: i64,
    /// Another session's temporary table: its writes are the database's, its size is not.
    pub temporary: bool,
    /// A catalog's own table (a system catalog, an extension's): watched always, hot or not.
    pub standing: bool,
}

/// What one watch answered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub new: Vec<NewRelation>,
    /// Relations older than that given a new file since (TRUNCATE, VACUUM FULL, REINDEX …),
    /// each with its file number now.
    pub renewed: Vec<(u32, u32)>,
    /// The highest relation oid now.
    pub max_oid: u32,
    /// The snapshot's oldest running transaction and next one (full ids).
    pub oldest: i64,
    pub next: i64,
    /// The hot tables and the new ones, by oid.
    pub tables: Vec<Watched>,
    pub database_writes: i64,
    /// When the statistics were last reset (µs): a reset sets counters back.
    pub reset: i64,
    /// The catalog's counted changes; None: writes are not counted.
    pub catalog_changes: Option<i64>,
    /// Of those, the rows deleted from pg_class: relations dropped.
    pub relations_dropped: i64,
    /// And the rows updated in pg_index (an index's validity set in place).
    pub index_updates: i64,
}

impl Answer {
    fn from_row(r: &Row) -> Result<Answer, tokio_postgres::Error> {
        let oids: Vec<u32> = array(r, "new_oids")?;
        let kinds: Vec<String> = array(r, "new_kinds")?;
        let tables: Vec<u32> = array(r, "new_tables")?;
        let new = (oids.iter().zip(&kinds).zip(&tables))
            .map(|((&oid, kind), &table)| NewRelation {
                oid,
                kind: kind.bytes().next().unwrap_or(b'?'),
                table,
            })
            .collect();
        let oids: Vec<u32> = array(r, "oids")?;
        let versions: Vec<i64> = array(r, "versions")?;
        let writes: Vec<i64> = array(r, "writes")?;
        let temporary: Vec<bool> = array(r, "temporary")?;
        let standing: Vec<bool> = array(r, "standing")?;
        let mut tables: Vec<Watched> = (oids.iter().zip(&versions))
            .zip(writes.iter().zip(temporary.iter().zip(&standing)))
            .map(
                |((&oid, &version), (&writes, (&temporary, &standing)))| Watched {
                    oid,
                    version: version as u32,
                    writes,
                    temporary,
                    standing,
                },
            )
            .collect();
        // (sent in the order the rows come)
        tables.sort_unstable_by_key(|t| t.oid);
        Ok(Answer {
            new,
            renewed: {
                let oids: Vec<u32> = array(r, "renewed")?;
                let files: Vec<u32> = array(r, "renewed_files")?;
                oids.into_iter().zip(files).collect()
            },
            max_oid: r.try_get::<_, Option<u32>>("max_oid")?.unwrap_or(0),
            oldest: r.try_get("oldest")?,
            next: r.try_get("next")?,
            tables,
            database_writes: r.try_get::<_, Option<i64>>("database_writes")?.unwrap_or(0),
            reset: r.try_get("reset")?,
            catalog_changes: r.try_get("catalog_changes")?,
            relations_dropped: r.try_get("relations_dropped")?,
            index_updates: r.try_get("index_updates")?,
        })
    }
}

/// Runs the watch (`statement`: relations_watch.sql, prepared) for `hot`, asking for the
/// relations created or given a new file from oid `from` (0: nothing seen yet, a first read,
/// which reads every relation: none is new then).
pub async fn read(
    client: &Client,
    statement: &Statement,
    hot: &[u32],
    from: u32,
) -> Result<Answer, tokio_postgres::Error> {
    let from = if from == 0 { u32::MAX } else { from };
    let row = client.query_one(statement, &[&hot, &from]).await?;
    Answer::from_row(&row)
}

/// The hot tables and what the last watch counted.
#[derive(Debug, Clone, Default)]
pub struct Hot {
    /// By oid: the writes last counted (None: joined since, not counted yet) and when it last
    /// moved.
    tables: Vec<(u32, Option<i64>, Instant)>,
    /// The database's writes and the statistics' reset time, as last counted.
    database: Option<(i64, i64)>,
    /// The highest relation oid the last watch saw.
    pub max_oid: u32,
    catalog_changes: Option<Option<i64>>,
    relations_dropped: Option<i64>,
    /// Relations the watches saw dropped (chunks, their compressed tables, with their indexes
    /// and TOAST tables) whose rows deleted from `pg_class` the statistics have not counted yet:
    /// the counted drops they account for need no read of every table's version.
    pending_drops: i64,
    /// The highest oid recent watches saw (relations new since are asked from there).
    bounds: crate::model::watch::Bounds,
}

/// What a watch says, against what was counted before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    /// The watched tables' versions (of the database's own tables), for `RelationSlots::see`.
    pub versions: Vec<(u32, u32)>,
    /// The relations created since (perhaps seen before: the client keeps what it knows),
    /// temporary ones left out.
    pub new: Vec<NewRelation>,
    /// Relations given a new file since, each with its file number now (perhaps seen before:
    /// a file number comes from the cluster's counter, which may stand above every oid of this
    /// database, and is then asked for again until one does).
    pub renewed: Vec<(u32, u32)>,
    /// A table not watched was written, or the counts cannot tell (none before, a reset, no
    /// counting): every table's version is to be read.
    pub elsewhere: bool,
    /// The catalog's counted changes moved (or are not counted).
    pub catalog: bool,
    /// How many relations were dropped since (rows deleted from `pg_class`, as counted); None
    /// when unknown (not counted, nothing counted before): see [`Hot::explain_drops`]. A
    /// catalog that moved otherwise made relations (among `new`) or changed what the structure
    /// names (looked for there).
    pub dropped: Option<i64>,
    /// pg_index's counted updates now, with the statistics' reset time; None when the
    /// catalog's changes are not counted.
    pub index_updates: Option<(i64, i64)>,
}

impl Hot {
    /// The hot tables' oids, for the next watch.
    pub fn oids(&self) -> Vec<u32> {
        self.tables.iter().map(|t| t.0).collect()
    }

    /// Where the next watch asks relations from (see [`crate::model::watch::Bounds`]); 0 when
    /// none was seen.
    pub fn asked_from(&self) -> u32 {
        (self.bounds.asked_from()).map_or(self.max_oid, |oid| oid as u32)
    }

    /// Takes a watch's answer in at `now`: the counts become the next watch's baseline, a
    /// table whose version moved stays hot, one quiet for [`HOT_FOR`] leaves.
    pub fn take(&mut self, answer: &Answer, now: Instant) -> Verdict {
        let last_max = self.max_oid;
        let database = (answer.database_writes, answer.reset);
        // what the watched tables wrote since the last count: a new table's since it was made
        let mut explained = 0i64;
        let mut counted = self
            .database
            .is_some_and(|(_, reset)| reset == answer.reset);
        let mut versions = Vec::with_capacity(answer.tables.len());
        for t in &answer.tables {
            if !t.temporary {
                versions.push((t.oid, t.version));
            }
            match self.tables.binary_search_by_key(&t.oid, |h| h.0) {
                // counted before, or joined since and not counted yet
                Ok(i) => match self.tables[i].1 {
                    Some(before) => explained += t.writes - before,
                    None => counted = false,
                },
                // new since the last watch: all its writes are since
                Err(_) if t.oid > last_max => explained += t.writes,
                // an older table asked for with the new ones: if it wrote, the database's
                // count says so
                Err(_) => {}
            }
        }
        let written = database.0 - self.database.map_or(0, |d| d.0);
        let elsewhere = !counted || answer.catalog_changes.is_none() || written > explained;
        let catalog = answer.catalog_changes.is_none()
            || self.catalog_changes != Some(answer.catalog_changes);
        let dropped = (answer.catalog_changes.is_some())
            .then(|| self.relations_dropped.map(|d| answer.relations_dropped - d))
            .flatten()
            .filter(|d| *d >= 0);
        self.count(answer, now);
        self.max_oid = self.max_oid.max(answer.max_oid);
        (self.bounds).saw(i64::from(answer.max_oid), answer.oldest, answer.next, now);
        Verdict {
            versions,
            new: (answer.new.iter())
                .filter(|n| answer.tables.iter().all(|t| t.oid != n.oid || !t.temporary))
                .copied()
                .collect(),
            renewed: answer.renewed.clone(),
            elsewhere,
            catalog,
            dropped,
            index_updates: (answer.catalog_changes).map(|_| (answer.reset, answer.index_updates)),
        }
    }

    /// Takes `answer`'s counts as the baseline, and the tables that wrote since as moved:
    /// after every table's version was read, a watch asked again counts from there (the
    /// relations it saw created are reported again by the next).
    pub fn count(&mut self, answer: &Answer, now: Instant) {
        let mut tables = Vec::with_capacity(answer.tables.len());
        for t in &answer.tables {
            let moved_at = match self.tables.binary_search_by_key(&t.oid, |h| h.0) {
                Ok(i) if self.tables[i].1 == Some(t.writes) => self.tables[i].2,
                _ => now,
            };
            if t.standing || now.duration_since(moved_at) < HOT_FOR {
                tables.push((t.oid, Some(t.writes), moved_at));
            }
        }
        self.tables = tables;
        self.database = Some((answer.database_writes, answer.reset));
        self.catalog_changes = Some(answer.catalog_changes);
        self.relations_dropped = Some(answer.relations_dropped);
    }

    /// Tables found written by a read of every version (and the temporary ones, whose writes
    /// the database counts): hot from now, counted from the next watch.
    pub fn join(&mut self, oids: impl IntoIterator<Item = u32>, now: Instant) {
        for oid in oids {
            if let Err(i) = self.tables.binary_search_by_key(&oid, |h| h.0) {
                self.tables.insert(i, (oid, None, now));
            }
        }
    }

    /// Nothing counted stands (a read failed after its watch): the next watch reads every
    /// table's version. The relations seen stay seen.
    pub fn forget(&mut self) {
        self.database = None;
        self.pending_drops = 0;
    }

    /// Whether the relations counted dropped (`dropped`, from the verdict) are those the
    /// watches saw go — `removed` now, and those seen before and not counted yet (the
    /// statistics count a drop after its commit, which the watch sees at once). False when
    /// more were dropped than that, or the count is unknown: every table's version is read to
    /// find them, and the balance starts again from what that read finds.
    pub fn explain_drops(&mut self, dropped: Option<i64>, removed: usize) -> bool {
        self.pending_drops += removed as i64;
        match dropped {
            Some(d) if d <= self.pending_drops => {
                self.pending_drops -= d;
                true
            }
            _ => {
                self.pending_drops = 0;
                false
            }
        }
    }

    /// Whether every watched table has been counted (none joined since the last watch).
    pub fn counted(&self) -> bool {
        self.tables.iter().all(|t| t.1.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(oid: u32, version: u32, writes: i64) -> Watched {
        Watched {
            oid,
            version,
            writes,
            temporary: false,
            standing: false,
        }
    }

    fn answer(tables: Vec<Watched>, database_writes: i64, max_oid: u32) -> Answer {
        Answer {
            tables,
            database_writes,
            max_oid,
            catalog_changes: Some(7),
            ..Answer::default()
        }
    }

    #[test]
    fn writes_to_the_hot_tables_explain_the_database_and_others_do_not() {
        let now = Instant::now();
        let mut hot = Hot::default();
        let first = hot.take(&answer(vec![], 100, 500), now);
        assert!(first.elsewhere && first.catalog, "nothing counted before");
        hot.join([400, 410], now);
        assert!(!hot.counted());
        hot.count(
            &answer(vec![table(400, 1, 50), table(410, 1, 5)], 120, 500),
            now,
        );
        assert!(hot.counted());
        // 400 wrote 10 rows, the database 10: nothing elsewhere
        let v = hot.take(
            &answer(vec![table(400, 2, 60), table(410, 1, 5)], 130, 500),
            now,
        );
        assert!(!v.elsewhere && !v.catalog);
        assert_eq!(v.versions, [(400, 2), (410, 1)]);
        // the database wrote 3 more than the hot tables: another table was written
        let v = hot.take(
            &answer(vec![table(400, 3, 61), table(410, 1, 5)], 134, 500),
            now,
        );
        assert!(v.elsewhere);
        // a table created since wrote all its rows since: explained
        let v = hot.take(
            &answer(
                vec![table(400, 3, 61), table(410, 1, 5), table(501, 1, 40)],
                174,
                501,
            ),
            now,
        );
        assert!(!v.elsewhere, "{v:?}");
        assert_eq!(hot.oids(), [400, 410, 501]);
    }

    #[test]
    fn a_reset_or_no_counting_reads_everything_and_quiet_tables_leave() {
        let now = Instant::now();
        let mut hot = Hot::default();
        hot.count(&answer(vec![table(400, 1, 50)], 100, 500), now);
        let mut reset = answer(vec![table(400, 1, 0)], 0, 500);
        reset.reset = 99;
        assert!(hot.take(&reset, now).elsewhere, "a reset");
        let mut uncounted = answer(vec![table(400, 1, 0)], 0, 500);
        uncounted.catalog_changes = None;
        let v = hot.take(&uncounted, now);
        assert!(v.elsewhere && v.catalog);
        // quiet for the while: gone from the hot ones
        let later = now + HOT_FOR + Duration::from_secs(1);
        hot.count(&answer(vec![table(400, 1, 0)], 0, 500), later);
        assert!(hot.oids().is_empty());
    }

    #[test]
    fn a_catalogs_table_stays_watched_through_a_quiet_while() {
        let now = Instant::now();
        let mut hot = Hot::default();
        let catalog = Watched {
            standing: true,
            ..table(1259, 1, 50)
        };
        hot.count(&answer(vec![catalog], 100, 500), now);
        let later = now + HOT_FOR + Duration::from_secs(1);
        hot.count(&answer(vec![catalog], 100, 500), later);
        assert_eq!(hot.oids(), [1259], "quiet, and still watched");
        // a chunk made after the quiet while: its rows in pg_class are explained
        let v = hot.take(
            &answer(
                vec![Watched {
                    writes: 53,
                    ..catalog
                }],
                103,
                500,
            ),
            later,
        );
        assert!(!v.elsewhere, "{v:?}");
    }

    #[test]
    fn only_a_relation_dropped_unseen_reads_every_version() {
        let now = Instant::now();
        let mut hot = Hot::default();
        hot.count(&answer(vec![], 100, 500), now);
        // relations made (a chunk, a compressed chunk): the catalog moved, none dropped
        let mut made = answer(vec![], 100, 502);
        made.catalog_changes = Some(40);
        let v = hot.take(&made, now);
        assert!(v.catalog && v.dropped == Some(0) && !v.elsewhere, "{v:?}");
        assert!(hot.explain_drops(v.dropped, 0));
        // a chunk dropped, seen by the chunks' watch (4 relations) before the statistics
        // count it, then counted: no version read for it
        let v = hot.take(&made, now);
        assert!(hot.explain_drops(v.dropped, 4), "not counted yet: {v:?}");
        let mut counted = answer(vec![], 100, 502);
        (counted.catalog_changes, counted.relations_dropped) = (Some(45), 4);
        let v = hot.take(&counted, now);
        assert_eq!(v.dropped, Some(4));
        assert!(hot.explain_drops(v.dropped, 0), "the drop seen before");
        // one more dropped than the watches saw go: every version is read
        let mut more = answer(vec![], 100, 502);
        (more.catalog_changes, more.relations_dropped) = (Some(50), 9);
        let v = hot.take(&more, now);
        assert!(!hot.explain_drops(v.dropped, 4), "5 counted, 4 seen: {v:?}");
        // not counted: everything is read
        let mut uncounted = answer(vec![], 100, 502);
        (uncounted.catalog_changes, uncounted.relations_dropped) = (None, 9);
        let v = hot.take(&uncounted, now);
        assert_eq!(v.dropped, None);
        assert!(!hot.explain_drops(v.dropped, 0));
    }

    #[test]
    fn temporary_tables_count_but_are_not_measured() {
        let now = Instant::now();
        let mut hot = Hot::default();
        hot.count(&answer(vec![], 100, 500), now);
        let mut temp = table(600, 1, 30);
        temp.temporary = true;
        let mut a = answer(vec![temp], 130, 600);
        a.new = vec![NewRelation {
            oid: 600,
            kind: b'r',
            table: 0,
        }];
        let v = hot.take(&a, now);
        assert!(!v.elsewhere, "its writes are accounted for");
        assert!(v.versions.is_empty() && v.new.is_empty(), "{v:?}");
        assert_eq!(hot.oids(), [600]);
    }
}
