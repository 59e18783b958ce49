//! What a connection keeps of every relation's size between refreshes, and how it measures
//! what may have changed: by the files, or through the size functions.

use super::*;
use crate::connect::sqlstate::{known, Known};

/// What a connection keeps of every relation's size between refreshes.
#[derive(Debug, Default)]
pub struct SizeKeeper {
    relations: Cached<RelationSlots>,
    /// The last refresh's versions, when every relation it asked for was measured: a table at
    /// the same place with the same version is known without a look-up.
    settled: Option<(Fingerprint, Vec<(u32, u32)>)>,
    /// Where the next slice of relations measured in turn starts, and when the last was.
    sweep: usize,
    swept_at: Option<std::time::Instant>,
    /// relation_stats.sql or relation_bytes.sql, prepared on this connection.
    measure: Option<tokio_postgres::Statement>,
    /// relation_mains.sql, prepared on this connection when a relation is looked at quickly.
    mains: Option<tokio_postgres::Statement>,
    /// The files could not be listed or stat'ed (a privilege revoked after the capabilities
    /// were read): measured through the size functions from then on, the stat statement
    /// dropped.
    files_refused: bool,
    /// The tables being written lately, watched at every refresh (see [`super::hot`]).
    pub hot: super::hot::Hot,
    /// The tables the last watch saw move, and which half of those moving again is measured
    /// at this refresh (see [`SizeKeeper::update_watched`]).
    last_moved: Vec<u32>,
    half: bool,
    /// How many times relations were listed again by oid (created, given a new file): counted
    /// for the tests.
    pub relisted: u64,
    /// The relations written lately whose other forks are settled (see [`super::forks`]).
    forks: Forks,
    /// How many relations one stat of their main fork found as kept: counted for the tests.
    pub looked_quickly: u64,
    /// How many relations measured in turn were measured by their files' names: counted for
    /// the tests.
    pub measured_by_file: u64,
}

/// What a read of every table's version did: the tables that moved (they join the hot ones),
/// and whether the relations were read again (a relation created or dropped unseen before),
/// with those it found gone and those it found new.
#[derive(Debug, Default)]
pub struct Updated {
    pub moved: Vec<u32>,
    pub reread: bool,
    pub gone: Vec<u32>,
    pub appeared: Vec<u32>,
}

/// Every relation is measured again within this time whatever its version says, a slice on each
/// refresh (at 150,000 relations and a refresh a second, 42 of them, a small cost): a safety net
/// for what no counter sees (rows written by a transaction still open, a BRIN index summarised by
/// hand).
const SWEEP_PERIOD: std::time::Duration = std::time::Duration::from_secs(3600);

/// How many relations of `n` to measure in turn after `since` (pure): `n` over the sweep
/// period, at least one, at most all.
pub(super) fn sweep_slice(n: usize, since: std::time::Duration) -> usize {
    let share = since.as_secs_f64() / SWEEP_PERIOD.as_secs_f64();
    ((n as f64 * share).ceil() as usize).clamp(1, n.max(1))
}

/// Whether to measure `wanted` of `live` relations by listing and stat'ing the database's files
/// (pure): when the role may, and most are wanted. Listing costs little per file in the
/// directory whatever is wanted; the size functions many times that per relation wanted (most
/// in a new session, which builds a cache entry for each).
pub(super) fn by_file(may: bool, wanted: usize, live: usize) -> bool {
    may && wanted * 4 >= live
}

/// The sessions a measurement runs on: the connection's own, and for a one-shot read a second
/// one that takes half of the work (the server then stats files on two cores).
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub main: &'a Client,
    pub helper: Option<&'a Client>,
    /// Whether the role may list and stat files (`Capabilities::may_stat_files`).
    pub may_stat_files: bool,
}

impl Sessions<'_> {
    fn all(&self) -> Vec<&Client> {
        std::iter::once(self.main).chain(self.helper).collect()
    }
}

impl SizeKeeper {
    /// Brings every relation's size up to date for `versions` (every table's): measures the
    /// relations that can have changed, keeps the rest; the tables whose version moved (they
    /// join the hot ones). A relation busy behind a lock, or a measurement that failed short of
    /// the connection, keeps its last size, asked for again next time.
    pub async fn update(
        &mut self,
        sessions: Sessions<'_>,
        versions: RelationVersions,
    ) -> Result<Updated, Error> {
        let (reread, gone, appeared) = self.read_relations(sessions.main, versions.set).await?;
        let settled = self
            .settled
            .take()
            .filter(|(f, _)| *f == versions.fingerprint)
            .map(|(_, v)| v);
        let relations = self.relations.last_mut().expect("read above");
        let moved = relations.see(&versions.relations, settled.as_deref());
        // what was seen is seen: a relation left unmeasured stays wanted until it is measured
        self.settled = Some((versions.fingerprint, versions.relations));
        self.measure_wanted(sessions, versions.counted, &[]).await?;
        Ok(Updated {
            moved,
            reread,
            gone,
            appeared,
        })
    }

    /// Brings the sizes up to date for what the relations' watch saw: the watched tables'
    /// versions, and the tables `stale` (a chunk compressed or decompressed truncates its
    /// table, which no count of rows sees) measured again with their indexes.
    pub async fn update_watched(
        &mut self,
        sessions: Sessions<'_>,
        versions: &[(u32, u32)],
        stale: &[u32],
    ) -> Result<(), Error> {
        let Some(relations) = self.relations.last_mut() else {
            return Ok(());
        };
        let mut moved = relations.see(versions, None);
        let slots: Vec<usize> = stale.iter().filter_map(|&t| relations.slot(t)).collect();
        relations.stale(&slots);
        // the last full list of versions no longer says which are settled
        self.settled = None;
        // A table written at every refresh is measured at every other one, half of them each
        // time (by oid): what it shows is at most two refreshes old, as promised, at half the
        // cost. One that just started moving is measured at once.
        moved.sort_unstable();
        self.half = !self.half;
        let half = self.half;
        let defer: Vec<u32> = (moved.iter())
            .filter(|&&t| self.last_moved.binary_search(&t).is_ok() && (t % 2 == 0) != half)
            .copied()
            .collect();
        self.last_moved = moved;
        self.measure_wanted(sessions, true, &defer).await
    }

    /// The relations kept, with `new` ones listed and the tables `gone` (and their indexes
    /// and TOAST tables) dropped: what the watch saw created and the chunks' changes dropped.
    /// How many relations were dropped (each a row deleted from `pg_class`).
    pub async fn patch(
        &mut self,
        client: &Client,
        new: &[u32],
        gone: &[u32],
    ) -> Result<usize, Error> {
        let Some(relations) = self.relations.last() else {
            return Ok(0);
        };
        if new.is_empty() && gone.iter().all(|&t| relations.slot(t).is_none()) {
            return Ok(0);
        }
        let listed = match new.is_empty() {
            true => Vec::new(),
            false => {
                self.relisted += 1;
                RelationSlots::list(client, Some(new)).await?
            }
        };
        self.forks.forget(gone);
        let (patched, dropped) = relations.patched(listed, gone);
        let set = patched.set();
        self.relations.put_back(patched, Some(set));
        self.settled = None;
        Ok(dropped)
    }

    /// The next refresh measures in turn the relations kept from the lowest of `oids` to the
    /// highest (as though the last slice were that long ago): for the tests.
    pub fn sweep_next_over(&mut self, oids: &[u32]) {
        let Some(r) = self.relations.last() else {
            return;
        };
        let slots = oids.iter().filter_map(|&o| r.slot(o));
        let (Some(low), Some(high)) = (slots.clone().min(), slots.max()) else {
            return;
        };
        self.sweep = low;
        let share = (high - low + 1) as f64 / r.len() as f64;
        self.swept_at = std::time::Instant::now().checked_sub(SWEEP_PERIOD.mul_f64(share));
    }

    /// Whether this relation is kept.
    pub fn has(&self, oid: u32) -> bool {
        self.relations.last().is_some_and(|r| r.slot(oid).is_some())
    }

    /// The relations a watch's `verdict` says to list again: those created (the callers keep
    /// only those not kept already) and those given a new file but not kept at that file (a
    /// file number above every oid of the database is reported again until an oid passes it).
    pub fn to_list(&self, verdict: &super::hot::Verdict) -> Vec<u32> {
        let kept = self.relations.last();
        let has_file =
            |oid, file| kept.is_some_and(|r| r.slot(oid).is_some_and(|s| r.file(s) == file));
        (verdict.new.iter())
            .map(|n| n.oid)
            .chain(
                (verdict.renewed.iter())
                    .filter(|&&(oid, file)| !has_file(oid, file))
                    .map(|r| r.0),
            )
            .collect()
    }

    /// Whether relations are kept (a first read reads them all).
    pub fn holds(&self) -> bool {
        self.relations.last().is_some()
    }

    /// The sizes as they stand.
    pub fn sizes(&self) -> Sizes<'_> {
        match self.relations.last() {
            Some(r) => r.sizes(),
            None => Sizes::none(),
        }
    }

    /// Measures what is wanted: every relation never measured or no longer fresh, every one when
    /// writes are not `counted`, and the sweep's slice of the rest; but the tables `defer` (and
    /// their indexes), measured at the next refresh.
    async fn measure_wanted(
        &mut self,
        sessions: Sessions<'_>,
        counted: bool,
        defer: &[u32],
    ) -> Result<(), Error> {
        let client = sessions.main;
        let relations = self.relations.last_mut().expect("read before");
        let now = std::time::Instant::now();
        let since = self.swept_at.map_or(std::time::Duration::ZERO, |t| now - t);
        let slice = sweep_slice(relations.len(), since);
        let (wanted, next) = relations.wanting(counted, (self.sweep, slice));
        self.sweep = next;
        self.swept_at = Some(now);
        let count = relations.wanted_slots(wanted).count();
        let may_stat = sessions.may_stat_files && !self.files_refused;
        if count == 0 {
            return Ok(());
        }
        if by_file(may_stat, count, relations.len()) {
            if measure_by_files(relations, sessions).await? {
                return Ok(());
            }
            (self.files_refused, self.measure) = (true, None);
        }
        // fewer wanted, or the files could not be listed (a privilege revoked since)
        let deferred = relations.with_indexes(defer);
        let slots: Vec<usize> = (relations.wanted_slots(wanted))
            .filter(|s| deferred.binary_search(s).is_err())
            .collect();
        if self.measure.is_none() {
            // by a stat of each fork's file where the role may, else the size functions
            let sql = match may_stat {
                true => queries::RELATION_STATS.as_str(),
                false => queries::RELATION_BYTES.as_str(),
            };
            self.measure = Some(client.prepare(sql).await?);
        }
        let statement = self.measure.as_ref().expect("prepared above");
        let measured = match may_stat {
            true => {
                // a relation written lately and kept settled is looked at by its main fork;
                // one measured in turn, whole by its files (the sweep is the net for what no
                // count sees: a VACUUM cut short counts none, yet may have written maps)
                let in_turn = |s: usize| relations.swept(wanted, s);
                let quick = |s: usize| counted && relations.flags[s] & FRESH == 0 && !in_turn(s);
                let looks = self.forks.looks(relations, &slots, quick, in_turn);
                let by_file = (looks.files.iter().zip(&looks.kept_main))
                    .filter(|(&f, k)| f != 0 && k.is_none())
                    .count();
                if self.mains.is_none() && looks.kept_main.iter().any(Option::is_some) {
                    self.mains = Some(client.prepare(queries::RELATION_MAINS).await?);
                }
                let measured = match &self.mains {
                    Some(mains) => match through_mains(client, mains, looks).await {
                        Ok((mut same, rest)) => (through_stats(client, statement, &rest).await)
                            .map(|mut whole| {
                                same.append(&mut whole);
                                same
                            }),
                        Err(e) => Err(e),
                    },
                    None => through_stats(client, statement, &looks).await,
                };
                measured.map(|m| {
                    self.measured_by_file += by_file as u64;
                    self.looked_quickly += m.iter().filter(|m| m.bytes.is_none()).count() as u64;
                    self.forks.take(relations, &m)
                })
            }
            false => {
                let oids: Vec<u32> = slots.iter().map(|&s| relations.oids[s]).collect();
                through_size_functions(client, statement, &oids).await
            }
        };
        match measured {
            Err(e) if known(&e) == Some(Known::InsufficientPrivilege) => {
                // pg_stat_file revoked since: the size functions measure them
                (self.files_refused, self.measure) = (true, None);
                let oids: Vec<u32> = slots.iter().map(|&s| relations.oids[s]).collect();
                let (oids, bytes) = measure_elsewhere(client, &oids).await?;
                relations.add_measured(&oids, &bytes);
            }
            measured => {
                let (oids, bytes) = measured?;
                relations.add_measured(&oids, &bytes);
            }
        }
        Ok(())
    }

    /// Measures every relation, nothing kept before: a one-shot read (`snapshot`, `check`),
    /// which reads no versions, on both `sessions` when it has two. The files are listed while
    /// the relations are read.
    pub async fn measure_all(&mut self, sessions: Sessions<'_>) -> Result<(), Error> {
        let old = self.relations.take();
        let main = sessions.main;
        let relations = if sessions.may_stat_files {
            let clients = sessions.all();
            // the layout is read meanwhile: each part's files kept until it is
            let parts = clients.len() as i32;
            let lists = clients
                .iter()
                .enumerate()
                .map(|(part, &client)| async move {
                    let mut files = Vec::new();
                    list_files(client, part as i32, parts, |f| files.push(f)).await?;
                    Ok::<_, Error>(files)
                });
            // the relations on the helper, when there is one: the main session has the rest of
            // the catalog pass to read
            let (relations, lists) = futures_util::join!(
                RelationSlots::read(sessions.helper.unwrap_or(main), &old),
                futures_util::future::try_join_all(lists),
            );
            let mut relations = relations?;
            let elsewhere = match unless_closed(lists.map(Some))? {
                Some(lists) => {
                    relations.add_files(lists.into_iter().flatten());
                    relations.unmeasured()
                }
                // the listing failed short of the connection: the size functions measure all
                None => relations.oids.to_vec(),
            };
            let (oids, bytes) = unless_closed(measure_elsewhere(main, &elsewhere).await)?;
            relations.add_measured(&oids, &bytes);
            relations
        } else {
            let mut relations = RelationSlots::read(main, &old).await?;
            let oids = relations.oids.to_vec();
            let (oids, bytes) = unless_closed(measure_elsewhere(main, &oids).await)?;
            relations.add_measured(&oids, &bytes);
            relations
        };
        let set = relations.set();
        self.relations.put_back(relations, Some(set));
        Ok(())
    }

    /// What is kept, for another process to start from ([`SizeKeeper::import`]): the relations
    /// measured, the layout they were read under, and where the sweep stands (`now_ms`: the
    /// wall clock). None when nothing is kept, or kept under a catalog whose changes were
    /// not counted (nothing another process could check it against).
    pub fn export(&self, now_ms: i64) -> Option<Vec<u8>> {
        let layout = self.relations.read_from()?.parts()?;
        let relations = self.relations.last()?;
        let swept_ms = self
            .swept_at
            .map_or(i64::MIN, |t| now_ms - t.elapsed().as_millis() as i64);
        let mut out = Vec::with_capacity(64 + relations.len() * 17);
        for part in layout {
            out.extend_from_slice(&part.to_le_bytes());
        }
        out.extend_from_slice(&(self.sweep as u64).to_le_bytes());
        out.extend_from_slice(&swept_ms.to_le_bytes());
        persist::encode(relations, &mut out);
        Some(out)
    }

    /// What [`export`](Self::export) kept, at `now_ms`; None when it is not that. The next
    /// [`update`](Self::update) checks it as it checks its own: the layout against the
    /// catalog's, each table's version against the one it was measured at, a slice measured
    /// in turn by how long ago the last sweep was.
    pub fn import(bytes: &[u8], now_ms: i64) -> Option<SizeKeeper> {
        let mut at = bytes;
        let layout: [u64; 4] = [
            persist::u64_at(&mut at)?,
            persist::u64_at(&mut at)?,
            persist::u64_at(&mut at)?,
            persist::u64_at(&mut at)?,
        ];
        let sweep = persist::u64_at(&mut at)? as usize;
        let swept_ms = persist::i64_at(&mut at)?;
        let relations = persist::decode(&mut at)?;
        if !at.is_empty() {
            return None;
        }
        // every relation is measured within the sweep's period: what was kept longer ago than
        // that (or never swept, or swept "later" by a clock set back) is not taken
        let ago =
            std::time::Duration::from_millis(u64::try_from(now_ms.checked_sub(swept_ms)?).ok()?);
        if ago >= SWEEP_PERIOD {
            return None;
        }
        let now = std::time::Instant::now();
        let mut relations_kept = Cached::default();
        relations_kept.put_back(relations, Some(Fingerprint::from_parts(layout)));
        Some(SizeKeeper {
            relations: relations_kept,
            settled: None,
            sweep,
            swept_at: Some(now.checked_sub(ago)?),
            measure: None,
            mains: None,
            files_refused: false,
            hot: Default::default(),
            last_moved: Vec::new(),
            half: false,
            relisted: 0,
            forks: Forks::default(),
            looked_quickly: 0,
            measured_by_file: 0,
        })
    }

    /// The relations, read again when the set `versions` read (every table's, every file's)
    /// is not the one kept: a relation was created or dropped that no watch accounted for.
    /// Whether they were (not on a first read), and the relations gone and new since.
    async fn read_relations(
        &mut self,
        client: &Client,
        set: Fingerprint,
    ) -> Result<(bool, Vec<u32>, Vec<u32>), Error> {
        let first = self.relations.last().is_none();
        let reread = !self.relations.holds_for(set);
        let (mut gone, mut appeared) = (Vec::new(), Vec::new());
        if reread {
            let read_from = self.relations.read_from();
            let old = self.relations.take();
            self.forks.clear();
            match RelationSlots::read(client, &old).await {
                Ok(relations) => {
                    if !first {
                        (gone, appeared) = old.difference(&relations);
                    }
                    let set = relations.set();
                    self.relations.put_back(relations, Some(set))
                }
                // the sizes kept stay for the next read
                Err(e) => {
                    self.relations.put_back(old, read_from);
                    return Err(e);
                }
            }
        }
        Ok((!first && reread, gone, appeared))
    }
}

/// A measurement's result, its failure short of the connection (a lock or statement timeout,
/// a privilege revoked since the capabilities were read) as nothing measured: those relations
/// keep their last size and are asked for again, and the rest of the catalog pass stands.
fn unless_closed<T: Default>(result: Result<T, Error>) -> Result<T, Error> {
    match result {
        Err(e) if !e.is_closed() => Ok(T::default()),
        other => other,
    }
}

/// Measures every relation by its files: the directory listed and stat'ed in as many parts as
/// there are sessions, at once, and the few relations elsewhere through the size functions.
/// False when the files could not be listed: nothing was measured then.
async fn measure_by_files(
    relations: &mut RelationSlots,
    sessions: Sessions<'_>,
) -> Result<bool, Error> {
    let clients = sessions.all();
    let parts = clients.len() as i32;
    // each file added as it comes (the parts take turns: one task polls them, so the lock is
    // never waited for)
    let sums = std::sync::Mutex::new(FileSums::new(relations));
    let layout: &RelationSlots = relations;
    let add = |f| {
        sums.lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(layout, f)
    };
    let lists = clients
        .iter()
        .enumerate()
        .map(|(part, client)| list_files(client, part as i32, parts, add));
    let elsewhere = relations.elsewhere();
    let (lists, measured) = futures_util::join!(
        futures_util::future::try_join_all(lists),
        measure_elsewhere(sessions.main, &elsewhere),
    );
    // a part that failed would leave its files out of the sums: none counts then
    let listed = unless_closed(lists.map(|_| true))?;
    let sums = sums.into_inner().unwrap_or_else(|e| e.into_inner());
    if listed {
        sums.measured(relations);
    }
    let (oids, bytes) = unless_closed(measured)?;
    relations.add_measured(&oids, &bytes);
    Ok(listed)
}

/// One part of the directory's files with their sizes (relation_files.sql), each told apart by its
/// name as it arrives (every name held as a string took more memory) and handed to `each`: what is
/// no relation's file, or is gone since it was listed, is left out.
async fn list_files(
    client: &Client,
    part: i32,
    parts: i32,
    mut each: impl FnMut(FileSize),
) -> Result<(), Error> {
    let params: [&(dyn ToSql + Sync); 2] = [&part, &parts];
    super::super::rows::each_row(client, queries::RELATION_FILES, &params, |r| {
        let names: Vec<&str> = r
            .try_get::<_, Option<Vec<&str>>>("names")?
            .unwrap_or_default();
        let sizes: Vec<Option<i64>> = array(r, "sizes")?;
        for (name, size) in names.into_iter().zip(sizes) {
            if let (Some((node, main)), Some(size)) = (relation_file(name), size) {
                each(FileSize { node, main, size });
            }
        }
        Ok(())
    })
    .await
}

/// `oids` through the size functions, unprepared: the relations whose files are not in the
/// database's directory, or a one-shot read's every relation when it may not stat files.
async fn measure_elsewhere(client: &Client, oids: &[u32]) -> Result<(Vec<u32>, Vec<i64>), Error> {
    through_size_functions(client, queries::RELATION_BYTES.as_str(), oids).await
}

/// Relations measured through the size functions at most this many to a statement: a
/// statement timeout then loses one batch's sizes, not all of them (a new session measuring
/// every relation of a large tablespace at once took longer than the one-shot reads' 5 s
/// timeout, and every refresh timed out on all of them again).
const MEASURED_AT_ONCE: usize = 4_000;

/// `oids` measured by relation_bytes.sql (its text, or the prepared statement) in batches of
/// [`MEASURED_AT_ONCE`]; a batch that fails short of the connection (a timeout) ends the
/// measuring with what was measured before it: the next batches would likely wait as long
/// again, one after another.
async fn through_size_functions<S>(
    client: &Client,
    statement: &S,
    oids: &[u32],
) -> Result<(Vec<u32>, Vec<i64>), Error>
where
    S: ?Sized + tokio_postgres::ToStatement,
{
    let mut out: (Vec<u32>, Vec<i64>) = Default::default();
    for batch in oids.chunks(MEASURED_AT_ONCE) {
        let row = match client.query_one(statement, &[&batch]).await {
            // a stat refused says so (the caller measures through the size functions instead)
            Err(e) if known(&e) == Some(Known::InsufficientPrivilege) => return Err(e),
            row => row.map(Some),
        };
        let Some(row) = unless_closed(row)? else {
            break;
        };
        out.0.extend(array::<u32>(&row, "oids")?);
        out.1.extend(array::<i64>(&row, "bytes")?);
    }
    Ok(out)
}

/// The looks of `looks` with a main fork kept, looked at by that fork alone
/// (relation_mains.sql, prepared), in batches of [`MEASURED_AT_ONCE`]: those as kept, and what
/// is left for relation_stats.sql ([`super::forks::split_quick`]). A batch that fails short of
/// the connection ends the look: nothing is measured then.
async fn through_mains(
    client: &Client,
    statement: &tokio_postgres::Statement,
    looks: Looks,
) -> Result<(Vec<Measured>, Looks), Error> {
    let quick: Vec<usize> = (0..looks.oids.len())
        .filter(|&i| looks.kept_main[i].is_some())
        .collect();
    let mut answer = Mains::default();
    for batch in quick.chunks(MEASURED_AT_ONCE) {
        let files: Vec<u32> = batch.iter().map(|&i| looks.files[i]).collect();
        let tables: Vec<u32> = batch.iter().map(|&i| looks.counted_as[i]).collect();
        let row = match client.query_one(statement, &[&files, &tables]).await {
            Err(e) if known(&e) == Some(Known::InsufficientPrivilege) => return Err(e),
            row => row.map(Some),
        };
        let Some(row) = unless_closed(row)? else {
            return Ok((Vec::new(), Looks::default()));
        };
        answer.settles = row.try_get::<_, Option<bool>>("settles")?.unwrap_or(false);
        answer.segment = row.try_get::<_, Option<i64>>("segment")?.unwrap_or(0);
        let (vacuums, main) = (
            array::<Option<i64>>(&row, "vacuums")?,
            array::<Option<i64>>(&row, "main")?,
        );
        // (an answer short of its batch leaves the rest not as kept: measured whole)
        answer
            .vacuums
            .extend((0..batch.len()).map(|i| vacuums.get(i).copied().flatten()));
        answer
            .main
            .extend((0..batch.len()).map(|i| main.get(i).copied().flatten()));
    }
    Ok(super::forks::split_quick(looks, &answer))
}

/// The relations `looks` names measured by relation_stats.sql (prepared), in batches of
/// [`MEASURED_AT_ONCE`] as [`through_size_functions`] measures them.
async fn through_stats(
    client: &Client,
    statement: &tokio_postgres::Statement,
    looks: &Looks,
) -> Result<Vec<Measured>, Error> {
    let mut out = Vec::with_capacity(looks.oids.len());
    let mut from = 0;
    while from < looks.oids.len() {
        let to = (from + MEASURED_AT_ONCE).min(looks.oids.len());
        let params: [&(dyn ToSql + Sync); 5] = [
            &&looks.oids[from..to],
            &&looks.files[from..to],
            &&looks.counted_as[from..to],
            &&looks.kept_main[from..to],
            &&looks.kept_vacuums[from..to],
        ];
        from = to;
        let row = match client.query_one(statement, &params).await {
            Err(e) if known(&e) == Some(Known::InsufficientPrivilege) => return Err(e),
            row => row.map(Some),
        };
        let Some(row) = unless_closed(row)? else {
            break;
        };
        let oids = array::<u32>(&row, "oids")?;
        let vacuums = array::<Option<i64>>(&row, "vacuums")?;
        let bytes = array::<Option<i64>>(&row, "bytes")?;
        let main = array::<Option<i64>>(&row, "main")?;
        let settled = array::<bool>(&row, "settled")?;
        out.extend((0..oids.len()).map(|i| Measured {
            oid: oids[i],
            vacuums: vacuums.get(i).copied().flatten(),
            bytes: bytes.get(i).copied().flatten(),
            main: main.get(i).copied().flatten(),
            settled: settled.get(i).copied().unwrap_or(false),
        }));
    }
    Ok(out)
}
