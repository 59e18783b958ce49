//! The overview's ranked problem list, derived from what the other screens read. Pure: the
//! rules find problems (`rules`, one function per area), causes link them (`causes`), and
//! `rank` puts each consequence under its root.

mod advice;
pub use advice::DECOMPRESSING_WRITES;
mod causes;
mod fold;
mod memo;
mod rank;
mod rules;

pub use fold::{Alike, FOLD_FROM};
use memo::FindingsKey;
pub use memo::KeptFindings;
#[cfg(test)]
use memo::FINDINGS_KEPT_FOR;
use rank::{rank, rank_order};

use fold::alike_of;
#[cfg(test)]
use fold::{said_alike, say_alike};

use chrono::{DateTime, Utc};
use strum::{Display, IntoStaticStr, VariantArray};

use crate::model::activity::Backend;
use crate::model::caggs::Cagg;
use crate::model::compression::Compression;
use crate::model::hypertables::Hypertable;
use crate::model::indexes::Index;
use crate::model::jobs::Job;
use crate::model::names::Name;
use crate::model::retention::Retention;
use crate::model::Summary;
use crate::policy::Finding;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
    /// Nothing is broken, but a setting works against the data (an advisor's finding): listed
    /// after every warning, never a reason for `check` to fail.
    Advice,
}

/// What is wrong, in the order kinds rank within a severity (most urgent first); its name is
/// what the console shows and snapshot JSON writes (`kind`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, Display, VariantArray,
)]
pub enum ProblemKind {
    #[strum(serialize = "scheduler")]
    Scheduler,
    #[strum(serialize = "license")]
    License,
    /// TimescaleDB's catalog at another version than the extension, or its package newer than
    /// this database's extension.
    #[strum(serialize = "extension version")]
    ExtensionVersion,
    #[strum(serialize = "job failing")]
    JobFailing,
    /// The scheduler could not start jobs' workers (none free), again and again.
    #[strum(serialize = "job launch failing")]
    JobLaunchFailing,
    /// A job running far longer than its usual run (hung, or waiting on a lock).
    #[strum(serialize = "job running long")]
    JobRunningLong,
    #[strum(serialize = "invalid index")]
    InvalidIndex,
    #[strum(serialize = "blocked")]
    Blocked,
    #[strum(serialize = "worker capacity")]
    WorkerCapacity,
    #[strum(serialize = "cagg lag")]
    CaggLag,
    /// Source data below a cagg's watermark with no bucket: queries of it do not see it.
    #[strum(serialize = "cagg hole")]
    CaggHole,
    #[strum(serialize = "retention overdue")]
    RetentionOverdue,
    #[strum(serialize = "compression backlog")]
    CompressionBacklog,
    #[strum(serialize = "job overdue")]
    JobOverdue,
    #[strum(serialize = "policy paused")]
    PolicyPaused,
    /// A policy whose hypertable was dropped under it: nothing left to act on.
    #[strum(serialize = "policy target gone")]
    PolicyTargetGone,
    /// A lint rule on live policies about a cagg's refresh window (against its source's
    /// retention, its bucket, its parent's window).
    #[strum(serialize = "refresh window")]
    RefreshWindow,
    /// A lint rule about a retention policy (against compression, its schedule).
    #[strum(serialize = "retention policy")]
    RetentionPolicy,
    /// Compressed without segmentby while queries filter by a column.
    #[strum(serialize = "no segmentby")]
    NoSegmentby,
    #[strum(serialize = "duplicate index")]
    DuplicateIndex,
    #[strum(serialize = "unused index")]
    UnusedIndex,
    /// Advice: the chunks being written outgrow their share of memory.
    #[strum(serialize = "chunks over memory")]
    ChunksOverMemory,
    /// Advice: many chunks with a small median size.
    #[strum(serialize = "small chunks")]
    SmallChunks,
    /// Advice: compression enabled, and no policy compresses anything.
    #[strum(serialize = "compression without policy")]
    CompressionWithoutPolicy,
    /// Advice: the compressed chunks shrank less than `min_compression_ratio`.
    #[strum(serialize = "low compression ratio")]
    LowCompressionRatio,
    /// Advice: a segmentby that splits chunks into segments too small to compress, or one
    /// that splits nothing.
    #[strum(serialize = "segment size")]
    SegmentSize,
    /// Advice: an orderby that sorts by another column before the time column.
    #[strum(serialize = "orderby not by time")]
    OrderbyNotByTime,
    /// Advice: chunks decompressed (or written into) and not compressed again.
    #[strum(serialize = "not recompressed")]
    NotRecompressed,
    /// Advice: compressed chunks whose batches are out of order (direct compress), where the
    /// server compacts them.
    #[strum(serialize = "unordered chunks")]
    UnorderedChunks,
    /// Advice: writes read (and so decompressed) many compressed batches (TimescaleDB's chunk
    /// statistics).
    #[strum(serialize = "decompressing writes")]
    DecompressingWrites,
    /// Advice: bloom filters passed writes more batches that held no match than they let them
    /// skip.
    #[strum(serialize = "bloom misses")]
    BloomMisses,
    /// Advice: no retention, and the size limit is near at the rate the data grows.
    #[strum(serialize = "growth without retention")]
    GrowthWithoutRetention,
    /// Advice: what updating to the package installed on the server would meet
    /// (`upgrade-check`'s blockers and warnings).
    #[strum(serialize = "before the update")]
    BeforeUpdate,
    /// Advice: the installed release has bugs that change or lose data, fixed in a later one.
    #[strum(serialize = "known bugs")]
    KnownBugs,
}

impl ProblemKind {
    /// Every kind, in rank order.
    pub const ALL: &'static [ProblemKind] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Compared with its name (`p.kind == "cagg lag"`), as scripts and tests know it.
impl PartialEq<&str> for ProblemKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ProblemKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What a problem is about: a front end turns it into a place (the console's row, a metric's
/// labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// The server or database as a whole (the scheduler, the workers, the license).
    Server,
    Job(i32),
    /// Jobs folded into one problem ([`FOLD_FROM`]): their ids, in order (shared: every
    /// problem it explains holds it as its root); for jobs failing alike the error they share
    /// (what finds them in the Jobs tab), for jobs overdue alike the cause they share
    /// ([`Alike`]'s).
    Jobs {
        ids: std::sync::Arc<[i32]>,
        error: Option<crate::model::names::Name>,
        alike: Option<Name>,
    },
    /// A server setting (a worker capacity problem's).
    Setting(&'static str),
    /// A server process (a session, a job's worker).
    Session(i32),
    /// A session waiting for a lock another holds (the holder is where to act).
    LockWait {
        waiting: i32,
        holder: i32,
    },
    /// A table, hypertable, continuous aggregate or index.
    Relation {
        schema: String,
        name: String,
    },
    /// Relations with one kind of problem for one cause said alike, folded into one problem
    /// ([`FOLD_FROM`]): each one's name as problems name it (quoted where it must be), sorted
    /// and once each; how many problems they are (a relation can have two of one kind: two
    /// lint rules); the cause they share ([`Alike`]'s).
    Relations {
        names: std::sync::Arc<[Name]>,
        problems: usize,
        alike: Name,
    },
}

/// Hashed as `Eq` compares, but a fold by its count, its first member and what they share, not
/// every member: the causes and the ranking look roots up by subject, and a fold of 5,600 jobs
/// is some of them.
impl std::hash::Hash for Subject {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Subject::Server => {}
            Subject::Job(id) | Subject::Session(id) => id.hash(h),
            Subject::Jobs { ids, error, alike } => {
                (ids.len(), ids.first(), error, alike).hash(h);
            }
            Subject::Setting(name) => name.hash(h),
            Subject::LockWait { waiting, holder } => (waiting, holder).hash(h),
            Subject::Relation { schema, name } => (schema, name).hash(h),
            Subject::Relations { names, alike, .. } => (names.len(), names.first(), alike).hash(h),
        }
    }
}

impl Subject {
    /// How many problems the problem is: a folded one's, else one.
    pub fn count(&self) -> usize {
        match self {
            Subject::Jobs { ids, .. } => ids.len(),
            Subject::Relations { problems, .. } => *problems,
            _ => 1,
        }
    }

    fn relation(schema: &str, name: &str) -> Subject {
        Subject::Relation {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

/// The problem at the root of another's cause chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Root {
    pub kind: ProblemKind,
    #[serde(skip)]
    pub severity: Severity,
    /// Shared by every problem it is the root of.
    pub object: Name,
    #[serde(skip)]
    pub subject: Subject,
}

impl Root {
    /// The root as its consequences are folded by ([`Alike`]): a fold of failing jobs by its
    /// kind, severity and error, not by its jobs, which come and go (the consequences' fold kept
    /// its name no longer than its root kept its jobs).
    pub fn key(&self) -> RootKey {
        let subject = match &self.subject {
            Subject::Jobs { error, alike, .. } => Subject::Jobs {
                ids: std::sync::Arc::from([]),
                error: error.clone(),
                alike: alike.clone(),
            },
            other => other.clone(),
        };
        (self.kind, self.severity, subject)
    }
}

/// A root as consequences alike share it ([`Root::key`]).
pub type RootKey = (ProblemKind, Severity, Subject);

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ProblemKind,
    pub object: String,
    pub message: String,
    /// Why it happens, from the nearest cause down to the root cause, one line each (empty
    /// when the message says it all). Shared: the root's line ends thousands of chains alike.
    pub chain: Vec<Name>,
    /// The problem at the root of `chain`, when that is another one in the list: this one is
    /// its consequence and ranks right under it.
    pub root: Option<Root>,
    /// What it is about; snapshot JSON writes only a folded problem's members: its `jobs`, or
    /// its relations (`objects`).
    #[serde(flatten, serialize_with = "serialize_members")]
    pub subject: Subject,
    /// Size of the problem within its kind (bytes, seconds, failures), for ranking.
    #[serde(skip)]
    pub magnitude: f64,
    /// The palette command that acts on it (an advisor's), as typed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// An overdue job that has missed at least one whole run (what a fold of them counts).
    #[serde(skip)]
    pub starved: bool,
}

/// A folded problem's members as snapshot JSON writes them; nothing for one problem.
fn serialize_members<S: serde::Serializer>(s: &Subject, out: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = out.serialize_map(None)?;
    match s {
        Subject::Jobs { ids, .. } => map.serialize_entry("jobs", &ids[..])?,
        Subject::Relations { names, .. } => map.serialize_entry("objects", &names[..])?,
        _ => {}
    }
    map.end()
}

/// A folded problem's name from one read to the next, as members join and leave it: its kind,
/// severity and what its members share.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FoldId {
    pub kind: ProblemKind,
    pub severity: Severity,
    pub shared: Shared,
}

/// What a fold's members share beside kind and severity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Shared {
    /// Jobs failing alike: their error (None: they failed with none).
    Error(Option<Name>),
    /// Jobs overdue or relations with one kind of problem, for one cause said alike.
    Alike(Alike),
}

impl FoldId {
    /// What the fold's members are called (`jobs`, `hypertables`, `indexes`).
    pub fn noun(&self) -> &'static str {
        fold::noun(self.kind)
    }
}

impl Problem {
    /// A folded problem's name (None for a problem on its own).
    pub fn fold_id(&self) -> Option<FoldId> {
        let shared = match &self.subject {
            Subject::Jobs {
                error, alike: None, ..
            } => Shared::Error(error.clone()),
            Subject::Jobs {
                alike: Some(cause), ..
            }
            | Subject::Relations { alike: cause, .. } => Shared::Alike(Alike {
                root: self.root.as_ref().map(Root::key),
                cause: cause.clone(),
            }),
            _ => return None,
        };
        Some(FoldId {
            kind: self.kind,
            severity: self.severity,
            shared,
        })
    }

    fn root(&self) -> Root {
        Root {
            kind: self.kind,
            severity: self.severity,
            object: Name::from(&*self.object),
            subject: self.subject.clone(),
        }
    }

    /// A consequence of another problem (ranked, and shown, under its root).
    pub fn is_consequence(&self) -> bool {
        self.root.is_some()
    }
}

/// Limits beyond which something is a problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub max_cagg_lag: std::time::Duration,
    /// Compression backlog above this many chunks is a warning.
    pub max_backlog_chunks: i64,
    /// Consecutive job failures from which a failing job is critical.
    pub critical_failures: i32,
    /// Unused indexes at least this large are reported.
    pub unused_index_bytes: i64,
    /// An index never scanned is called unused only when the statistics are this old.
    pub unused_after: std::time::Duration,
    /// Compressed chunks less than this many times smaller than before are advice.
    pub min_compression_ratio: f64,
    /// A segmentby leaving fewer rows than this per segment is advice.
    pub min_rows_per_segment: f64,
    /// The share of memory (`effective_cache_size`) the chunks being written should fit in.
    pub recent_chunks_memory_share: f64,
    /// A hypertable of at least `small_chunks_from` chunks whose median chunk is smaller than
    /// this is advice.
    pub small_chunk_bytes: i64,
    pub small_chunks_from: i64,
    /// A hypertable without retention reaching this size within a year is advice.
    pub retention_size_limit: i64,
    /// A job running `long_run_factor` times its usual run, and at least `long_run_floor`, is
    /// a problem (with no usual run yet: `long_run_floor` × `long_run_factor`).
    pub long_run_factor: f64,
    pub long_run_floor: std::time::Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_cagg_lag: std::time::Duration::from_secs(3600),
            max_backlog_chunks: 0,
            critical_failures: 3,
            unused_index_bytes: 1024 * 1024,
            unused_after: std::time::Duration::from_secs(7 * 24 * 3600),
            min_compression_ratio: 2.0,
            min_rows_per_segment: 100.0,
            recent_chunks_memory_share: 0.25,
            small_chunk_bytes: 10 << 20,
            small_chunks_from: 100,
            retention_size_limit: 100 << 30,
            long_run_factor: 5.0,
            long_run_floor: std::time::Duration::from_secs(600),
        }
    }
}

/// What the problem rules look at; a screen not read yet is None and contributes nothing.
#[derive(Default, Clone, Copy)]
pub struct Inputs<'a> {
    pub summary: Option<&'a Summary>,
    pub timescaledb: bool,
    pub jobs: Option<&'a [Job]>,
    pub compression: Option<&'a [Compression]>,
    pub retention: Option<&'a [Retention]>,
    pub indexes: Option<&'a [Index]>,
    pub caggs: Option<&'a [Cagg]>,
    pub hypertables: Option<&'a [Hypertable]>,
    pub activity: Option<&'a [Backend]>,
    /// The lint rules' findings on the live policies (`policy::lint`).
    pub lint: Option<&'a [Finding]>,
    /// Failures alike found one by one, not folded as they are found (a fold's members).
    pub one_by_one: bool,
    /// The server merges chunks (merge_chunks, 2.18+) and compacts them (compact_chunk,
    /// 2.29+): the advice offers those actions.
    pub merge_chunks: bool,
    pub compact_chunk: bool,
}

/// A session waiting on a lock this long is a problem (a lock wait shorter than this is
/// ordinary contention).
pub const BLOCKED_FOR: f64 = 10.0;

/// Why jobs do not run here at all, most fundamental first (None: the scheduler runs, or
/// there is nothing to say about it).
pub fn scheduler_down_reason(s: &Summary) -> Option<String> {
    if s.scheduler_running {
        return None;
    }
    Some(if s.timescaledb_preloaded == Some(false) {
        "timescaledb is not in shared_preload_libraries: no background worker can start (add it to postgresql.conf and restart)".into()
    } else if s.timescaledb_restoring {
        "timescaledb.restoring is on: the scheduler waits for SELECT timescaledb_post_restore()"
            .into()
    } else if s.max_background_workers == Some(0) {
        "timescaledb.max_background_workers = 0: no scheduler or job can start (set it to the databases plus the jobs to run at once, and restart)".into()
    } else if s
        .max_background_workers
        .is_some_and(|max| s.schedulers + s.job_workers >= max as i64)
    {
        format!(
            "all {} TimescaleDB background workers are in use ({} schedulers, {} jobs in the cluster): this database's scheduler cannot start (raise timescaledb.max_background_workers; read at start, it takes a restart)",
            s.max_background_workers.unwrap_or_default(),
            s.schedulers,
            s.job_workers
        )
    } else {
        "not running for this database (SELECT _timescaledb_functions.start_background_workers() starts it; the server log says why it stopped)".into()
    })
}

/// How many problems `problems` are, a folded one counting each of its jobs (what `check`,
/// the fleet and the exporter count).
pub fn count<'a>(problems: impl IntoIterator<Item = &'a Problem>) -> usize {
    problems.into_iter().map(|p| p.subject.count()).sum()
}

/// Every problem the rules find in `input`, each linked to its cause, those alike folded
/// ([`FOLD_FROM`]), ranked.
pub fn find(input: &Inputs, limits: &Thresholds, now: DateTime<Utc>) -> Vec<Problem> {
    find_keeping(input, limits, now, None)
}

/// [`find`], the relation rules' findings taken from `kept` when what they read is unchanged
/// (`kept.0`: the version of the datasets they read, from the store).
pub fn find_keeping(
    input: &Inputs,
    limits: &Thresholds,
    now: DateTime<Utc>,
    kept: Option<(u64, &mut KeptFindings)>,
) -> Vec<Problem> {
    let mut out = rank(found(input, limits, now, None, kept));
    // the list is kept until the next read: the room it grew into goes back (as grown, it held
    // more empty places than problems)
    out.shrink_to_fit();
    out
}

/// A fold's members, each as it is found on its own, ranked: what the fold opens onto, made
/// again from the same inputs when it is opened (kept, they were most of what the list held).
/// Found by what they share, not by the fold's last members: those that joined since are
/// among them, and, should fewer than [`FOLD_FROM`] be left, those left.
pub fn members(
    input: &Inputs,
    limits: &Thresholds,
    now: DateTime<Utc>,
    fold: &FoldId,
) -> Vec<Problem> {
    // failures alike fold as they are found: a fold of them is opened onto with them one by one
    let one_by_one = Inputs {
        one_by_one: matches!(fold.shared, Shared::Error(_)),
        ..*input
    };
    rank(found(&one_by_one, limits, now, Some(fold), None))
}

/// Every problem the rules find, each linked to its cause; those alike folded, or with
/// `members_of` a fold, only its members, none folded. The roots first: then the rules about
/// relations, their problems explained and folded as they are found ([`Found`]; found all at
/// once, thousands of problems were held at the console's peak, to fold into a few dozen).
fn found(
    input: &Inputs,
    limits: &Thresholds,
    now: DateTime<Utc>,
    members_of: Option<&FoldId>,
    kept: Option<(u64, &mut KeptFindings)>,
) -> Vec<Problem> {
    // a failing job folds when scheduled, with its error
    let errors: std::collections::HashMap<i32, (bool, Option<&str>)> = match members_of {
        Some(FoldId {
            shared: Shared::Error(_),
            ..
        }) => input
            .jobs
            .unwrap_or_default()
            .iter()
            .map(|j| (j.job_id, (j.scheduled, j.last_error.as_deref())))
            .collect(),
        _ => Default::default(),
    };
    let member = |p: &Problem| {
        let Some(fold) = members_of else {
            return true;
        };
        p.kind == fold.kind
            && p.severity == fold.severity
            && match (&fold.shared, &p.subject) {
                (Shared::Alike(alike), _) => alike_of(p).as_ref() == Some(alike),
                // a scheduled job's failure with no cause of its own (the license) and the same
                // error
                (Shared::Error(error), Subject::Job(id)) => {
                    p.chain.is_empty() && errors.get(id) == Some(&(true, error.as_deref()))
                }
                (Shared::Error(_), _) => false,
            }
    };
    let mut roots = Vec::new();
    for rule in rules::ROOTS {
        rule(input, limits, now, &mut roots);
    }
    causes::explain_roots(&mut roots, input, now);
    let mut roots = match members_of {
        None => fold::fold_alike(roots),
        Some(_) => roots,
    };
    let kept = kept.map(|(version, kept)| (FindingsKey::of(version, &roots, input, limits), kept));
    if let Some((key, kept)) = &kept {
        if let Some(found) = kept.still(key, now) {
            roots.extend(found.iter().cloned());
            return roots;
        }
    }
    let out = {
        let causes = causes::Causes::new(&roots, input, now);
        let mut found = Found {
            waiting: Vec::with_capacity(EXPLAINED_BY),
            causes: &causes,
            member: &member,
            kept: match members_of {
                None => Gathered::Folded(fold::Folding::default()),
                Some(_) => Gathered::Each(Vec::new()),
            },
        };
        // a fold of jobs has its members among the roots
        let jobs_only = members_of
            .is_some_and(|f| matches!(f.kind, ProblemKind::JobFailing | ProblemKind::JobOverdue));
        for rule in rules::RELATIONS.iter().filter(|_| !jobs_only) {
            rule(input, limits, now, &mut found);
        }
        found.finish()
    };
    if let Some((key, kept)) = kept {
        *kept = KeptFindings {
            key: Some((key, now)),
            found: out.clone(),
        };
    }
    roots.retain(member);
    roots.extend(out);
    roots
}

/// What the rules add their problems to: a list (the roots), or [`Found`].
pub(super) trait Put {
    fn put(&mut self, p: Problem);
}

impl Put for Vec<Problem> {
    fn put(&mut self, p: Problem) {
        self.push(p);
    }
}

/// How many problems about relations wait to be explained together.
const EXPLAINED_BY: usize = 256;

/// Where the rules about relations put their problems: explained a few at a time, kept if of
/// the fold asked for, and folded as they come (a rule's problems held until its last was
/// found were an advisor's thousands of findings at the console's peak, to fold into one).
pub(super) struct Found<'a> {
    waiting: Vec<Problem>,
    causes: &'a causes::Causes<'a>,
    member: &'a dyn Fn(&Problem) -> bool,
    kept: Gathered,
}

/// Problems folded alike, or a fold's members, none folded.
enum Gathered {
    Folded(fold::Folding),
    Each(Vec<Problem>),
}

impl Put for Found<'_> {
    fn put(&mut self, p: Problem) {
        self.waiting.push(p);
        if self.waiting.len() >= EXPLAINED_BY {
            self.explain_waiting();
        }
    }
}

impl Found<'_> {
    fn explain_waiting(&mut self) {
        self.causes.explain(&mut self.waiting);
        for p in self.waiting.drain(..).filter(|p| (self.member)(p)) {
            match &mut self.kept {
                Gathered::Folded(folding) => folding.add(p),
                Gathered::Each(out) => out.push(p),
            }
        }
    }

    fn finish(mut self) -> Vec<Problem> {
        self.explain_waiting();
        match self.kept {
            Gathered::Folded(folding) => folding.finish(),
            Gathered::Each(out) => out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::indexes::Category;

    /// What the rules see with the server's facts and jobs read, nothing else.
    fn server_and_jobs<'a>(summary: &'a Summary, jobs: &'a [Job]) -> Inputs<'a> {
        Inputs {
            summary: Some(summary),
            timescaledb: true,
            jobs: Some(jobs),
            ..Inputs::default()
        }
    }
    use crate::model::fixtures;
    use crate::model::Bound;

    fn now() -> DateTime<Utc> {
        fixtures::t("2026-11-21T12:30:00Z")
    }

    /// Each finding of what an update meets is its own row: two of one kind (a blocker and a
    /// warning of views) are told apart by their object.
    #[test]
    fn every_finding_before_the_update_is_a_row_of_its_own() {
        use crate::upgrade::{Finding, Kind, Report, Severity as Said};
        let finding = |severity| Finding {
            kind: Kind::Dependents,
            severity,
            what: "views".into(),
            evidence: vec!["public.v".into()],
            reference: "TimescaleDB".into(),
            fix: "drop them".into(),
        };
        let mut summary = fixtures::summary();
        summary.timescaledb_version = Some("2.22.1".into());
        summary.upgrade = Some(Box::new(Report {
            installed: "2.22.1".into(),
            target: "2.28.3".into(),
            update: true,
            postgres: 15,
            caveat: None,
            findings: vec![finding(Said::Blocker), finding(Said::Warning)],
        }));
        let found = find(
            &server_and_jobs(&summary, &[]),
            &Thresholds::default(),
            now(),
        );
        let objects: Vec<&str> = (found.iter())
            .filter(|p| p.kind == ProblemKind::BeforeUpdate)
            .map(|p| p.object.as_str())
            .collect();
        assert_eq!(objects.len(), 2, "{found:?}");
        assert_ne!(objects[0], objects[1]);
        assert!(
            objects.iter().all(|o| o.contains("dependents")),
            "{objects:?}"
        );
    }

    /// A problem the random tests make, told apart by its message (`m{i}`): no chain, no
    /// action.
    fn numbered(
        i: u64,
        severity: Severity,
        kind: ProblemKind,
        subject: Subject,
        root: Option<Root>,
        magnitude: f64,
    ) -> Problem {
        Problem {
            severity,
            kind,
            object: format!("o{i}"),
            message: format!("m{i}"),
            chain: Vec::new(),
            root,
            subject,
            magnitude,
            action: None,
            starved: false,
        }
    }

    /// Ranking in one pass puts each consequence where the per-root partition did: random
    /// lists of roots, consequences, and consequences whose root is missing.
    #[test]
    fn ranking_matches_a_partition_per_root() {
        fn by_partition(mut out: Vec<Problem>) -> Vec<Problem> {
            out.sort_by(rank_order);
            let (roots, mut rest): (Vec<Problem>, Vec<Problem>) =
                out.into_iter().partition(|p| p.root.is_none());
            let mut ranked = Vec::new();
            for root in roots {
                let (under, others): (Vec<Problem>, Vec<Problem>) =
                    rest.into_iter().partition(|p| {
                        p.root
                            .as_ref()
                            .is_some_and(|r| r.kind == root.kind && r.subject == root.subject)
                    });
                rest = others;
                ranked.push(root);
                ranked.extend(under);
            }
            ranked.extend(rest);
            // then every critical one first, the rest after, each in that order
            let (critical, rest): (Vec<Problem>, Vec<Problem>) = ranked
                .into_iter()
                .partition(|p| p.severity == Severity::Critical);
            critical.into_iter().chain(rest).collect()
        }
        let mut rng = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = |n: u64| rng.below(n);
        let kinds = [
            ProblemKind::Scheduler,
            ProblemKind::JobFailing,
            ProblemKind::CaggLag,
        ];
        for _ in 0..200 {
            let problems: Vec<Problem> = (0..next(40))
                .map(|i| {
                    let kind = kinds[next(3) as usize];
                    let subject = Subject::Job(next(6) as i32);
                    let root = (next(2) == 0).then(|| Root {
                        kind: kinds[next(3) as usize],
                        severity: Severity::Warning,
                        object: Name::default(),
                        subject: Subject::Job(next(8) as i32),
                    });
                    let severity = [Severity::Critical, Severity::Warning][next(2) as usize];
                    let mut p = numbered(i, severity, kind, subject, root, next(3) as f64);
                    p.object = format!("o{}", next(5));
                    p
                })
                .collect();
            let messages = |v: Vec<Problem>| v.into_iter().map(|p| p.message).collect::<Vec<_>>();
            assert_eq!(
                messages(rank(problems.clone())),
                messages(by_partition(problems))
            );
        }
    }

    /// Folding as problems come gives what grouping them all first gave: random lists of
    /// problems alike and not, interleaved, some groups short of [`FOLD_FROM`].
    #[test]
    fn folding_as_problems_come_is_grouping_them_first() {
        fn grouped_first(out: Vec<Problem>) -> Vec<Problem> {
            let key = |p: &Problem| Some((p.severity, p.kind, fold::alike_of(p)?));
            let mut groups: Vec<(_, Vec<Problem>)> = Vec::new();
            let mut single = Vec::new();
            for p in out {
                match key(&p) {
                    None => single.push(p),
                    Some(k) => match groups.iter_mut().find(|(g, _)| *g == k) {
                        Some((_, members)) => members.push(p),
                        None => groups.push((k, vec![p])),
                    },
                }
            }
            for (_, members) in groups {
                if members.len() >= FOLD_FROM {
                    let n = members.len();
                    let folded = fold::fold_alike(members);
                    assert_eq!(folded.len(), 1, "a group alike is one fold");
                    assert_eq!(folded[0].subject.count(), n, "of every member");
                    single.extend(folded);
                } else {
                    single.extend(members);
                }
            }
            single
        }
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut next = |n: u64| rng.below(n);
        let kinds = [
            ProblemKind::CompressionBacklog,
            ProblemKind::RetentionOverdue,
            ProblemKind::JobOverdue,
        ];
        let causes = ["compression policy (job 7) failed 3 times", "cause b"];
        let mut folds = 0;
        for _ in 0..300 {
            let problems: Vec<Problem> = (0..next(200))
                .map(|i| {
                    let kind = kinds[next(3) as usize];
                    let subject = match kind {
                        ProblemKind::JobOverdue => Subject::Job(i as i32),
                        _ => Subject::relation("s", &format!("t{}", next(30))),
                    };
                    let root = (next(2) == 0).then(|| Root {
                        kind: ProblemKind::Scheduler,
                        severity: Severity::Critical,
                        object: Name::default(),
                        subject: Subject::Server,
                    });
                    let chain = (0..next(2))
                        .map(|_| Name::from(causes[next(2) as usize].replace('7', &i.to_string())))
                        .collect();
                    let severity = [Severity::Critical, Severity::Warning][next(2) as usize];
                    let mut p = numbered(i, severity, kind, subject, root, next(5) as f64);
                    p.chain = chain;
                    p
                })
                .collect();
            let in_order = |mut v: Vec<Problem>| {
                v.sort_by(|a, b| rank_order(a, b).then(a.message.cmp(&b.message)));
                v
            };
            let folded = fold::fold_alike(problems.clone());
            folds += folded.iter().filter(|p| p.subject.count() > 1).count();
            assert_eq!(in_order(folded), in_order(grouped_first(problems)));
        }
        assert!(folds > 100, "{folds} folds: the lists fold");
    }

    /// A rule's problems by the thousand are explained a few at a time as it finds them, and
    /// fold as they come: one fold of them all, its chain and root; those alike but fewer than
    /// [`FOLD_FROM`], found among them, one by one; the fold opens onto every one.
    #[test]
    fn thousands_of_relations_alike_fold_as_the_rule_finds_them() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let n = 3 * EXPLAINED_BY as i32 + 7;
        let jobs: Vec<Job> = (0..n)
            .map(|i| fixtures::job(5000 + i, "policy_compression", Some("r"), 0, true))
            .collect();
        // every 100th has no policy: 8 alike, found across the batches, too few to fold
        let compression: Vec<Compression> = (0..n)
            .map(|i| {
                let mut c = fixtures::compression(&format!("t{i:04}"), 2);
                c.job_id = (i % 100 != 50).then_some(5000 + i);
                c
            })
            .collect();
        let input = Inputs {
            compression: Some(&compression),
            ..server_and_jobs(&summary, &jobs)
        };
        let found = find(&input, &Thresholds::default(), now());
        let backlogs: Vec<&Problem> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::CompressionBacklog)
            .collect();
        let manual = (n as usize).div_ceil(100);
        assert_eq!(backlogs.len(), 1 + manual, "{backlogs:#?}");
        let fold = backlogs.iter().find(|p| p.subject.count() > 1).unwrap();
        assert_eq!(fold.subject.count(), n as usize - manual);
        assert!(fold.chain[0].contains("cannot run"), "{:?}", fold.chain);
        assert_eq!(
            fold.root.as_ref().map(|r| r.kind),
            Some(ProblemKind::Scheduler)
        );
        assert!(backlogs
            .iter()
            .filter(|p| p.subject.count() == 1)
            .all(|p| p.object.ends_with("50")));
        let id = fold.fold_id().expect("a fold");
        let members = super::members(&input, &Thresholds::default(), now(), &id);
        assert_eq!(members.len(), n as usize - manual);
        assert!(members.iter().all(|p| p.root == fold.root));
    }

    fn kinds(found: &[Problem]) -> Vec<(Severity, &str, &str)> {
        found
            .iter()
            .map(|p| (p.severity, p.kind.as_str(), p.object.as_str()))
            .collect()
    }

    /// The relation rules' findings are kept while the store's version, the roots and the
    /// limits are the same, for a few seconds at most; a change to any finds them again.
    #[test]
    fn kept_findings_are_used_only_while_what_they_came_from_is_unchanged() {
        let mut poor = fixtures::compression("poor", 0);
        (poor.before_bytes, poor.after_bytes) = (Some(13 << 20), Some(10 << 20));
        let compression = [poor];
        let hypertables = [fixtures::hypertable("poor", 10, 5, 1 << 30)];
        let input = Inputs {
            timescaledb: true,
            compression: Some(&compression),
            hypertables: Some(&hypertables),
            ..Inputs::default()
        };
        let limits = Thresholds::default();
        let mut kept = KeptFindings::default();
        let first = find_keeping(&input, &limits, now(), Some((1, &mut kept)));
        assert_eq!(first, find(&input, &limits, now()));
        assert!(first
            .iter()
            .any(|p| p.kind == ProblemKind::LowCompressionRatio));
        // the same version: what was kept, even for inputs the caller says did not change
        let empty = Inputs {
            compression: Some(&[]),
            ..input
        };
        let kept_again = find_keeping(&empty, &limits, now(), Some((1, &mut kept)));
        assert_eq!(kept_again, first, "found again although nothing changed");
        // a new version, other limits, or the clock past the keeping time: found again
        assert!(find_keeping(&empty, &limits, now(), Some((2, &mut kept))).is_empty());
        assert_eq!(
            find_keeping(&input, &limits, now(), Some((3, &mut kept))),
            first
        );
        let lenient = Thresholds {
            min_compression_ratio: 1.2,
            ..Thresholds::default()
        };
        assert!(find_keeping(&input, &lenient, now(), Some((3, &mut kept))).is_empty());
        find_keeping(&input, &limits, now(), Some((4, &mut kept)));
        let later = now() + chrono::Duration::seconds(FINDINGS_KEPT_FOR as i64);
        assert!(find_keeping(&empty, &limits, later, Some((4, &mut kept))).is_empty());
    }

    /// Each advisor on data made to trigger it and on data made not to; advice ranks after
    /// every warning.
    #[test]
    fn advisors_find_settings_that_work_against_the_data_and_only_those() {
        let good = fixtures::compression("readings", 0);
        let mut no_policy = fixtures::compression("events", 0);
        (no_policy.job_id, no_policy.compress_after) = (None, None);
        let mut poor = fixtures::compression("poor", 0);
        (poor.before_bytes, poor.after_bytes) = (Some(13 << 20), Some(10 << 20));
        let mut unordered = fixtures::compression("unordered", 0);
        unordered.orderby = Some("device_id, \"Time\" DESC".into());
        let mut disabled = fixtures::compression("disabled", 0);
        (disabled.enabled, disabled.job_id) = (false, None);
        let compression = [good, no_policy, poor, unordered, disabled];
        let hypertables: Vec<Hypertable> = ["readings", "events", "poor", "unordered", "disabled"]
            .iter()
            .map(|n| fixtures::hypertable(n, 10, 5, 1 << 30))
            .collect();
        let mut input = Inputs {
            timescaledb: true,
            compression: Some(&compression),
            hypertables: Some(&hypertables),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (
                    Severity::Advice,
                    "compression without policy",
                    "telemetry.events"
                ),
                (Severity::Advice, "low compression ratio", "telemetry.poor"),
                (
                    Severity::Advice,
                    "orderby not by time",
                    "telemetry.unordered"
                ),
            ]
        );
        assert!(
            found[1].message.contains("13 MiB to 10 MiB (1.3x"),
            "{}",
            found[1].message
        );
        assert!(
            found[1].message.contains("advice below 2.0x"),
            "{}",
            found[1].message
        );
        // the threshold is the profile's
        let lenient = Thresholds {
            min_compression_ratio: 1.2,
            ..Thresholds::default()
        };
        assert!(!find(&input, &lenient, now())
            .iter()
            .any(|p| p.kind == ProblemKind::LowCompressionRatio));
        // names as quote_ident writes them: a keyword quoted, a quote doubled
        assert_eq!(advice::first_orderby("\"time\" DESC"), "time");
        assert_eq!(
            advice::first_orderby("device_id, \"Time\" DESC"),
            "device_id"
        );
        assert_eq!(advice::first_orderby("ts"), "ts");
        assert_eq!(
            advice::first_orderby("\"a, \"\"b\"\" c\" NULLS LAST, ts"),
            "a, \"b\" c"
        );
        // advice ranks after a warning
        let mut all = compression.to_vec();
        all.push(fixtures::compression("late", 5));
        input.compression = Some(&all);
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(found[0].severity, Severity::Warning, "{found:#?}");
        assert!(found[1..].iter().all(|p| p.severity == Severity::Advice));
    }

    /// The chunk-interval, recompression and growth advisors, each on data made to trigger it
    /// and data made not to; every action they offer is a command the palette takes.
    #[test]
    fn writes_decompressing_and_bloom_misses_are_advice_past_their_counts() {
        use crate::model::chunk_activity::ChunkActivity;
        let counted = |read, pruned, missed| {
            let mut c = fixtures::compression("written", 0);
            c.activity = Some(ChunkActivity {
                chunks: 3,
                batches_read: read,
                batches_deleted: 7,
                bloom_pruned: pruned,
                bloom_false_positives: missed,
                since: None,
            });
            c
        };
        let kinds = |c: Compression| {
            let compression = [c];
            let input = Inputs {
                compression: Some(&compression),
                ..Inputs::default()
            };
            let found = find(&input, &Thresholds::default(), now());
            (found.iter())
                .filter(|p| {
                    matches!(
                        p.kind,
                        ProblemKind::DecompressingWrites | ProblemKind::BloomMisses
                    )
                })
                .map(|p| (p.kind, p.message.clone()))
                .collect::<Vec<_>>()
        };
        // below both counts: nothing said
        assert!(kinds(counted(999, 0, 999)).is_empty());
        let found = kinds(counted(1_500, 1_000, 1_200));
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, ProblemKind::DecompressingWrites);
        assert!(
            found[0].1.contains("writes (UPDATE, DELETE, upserts) read 1500 compressed batches in 3 chunks (7 deleted whole)")
                && found[0].1.contains("compresses after 1 day"),
            "{}",
            found[0].1
        );
        assert!(
            found[1].1.contains("passed 1200 batches") && found[1].1.contains("let them skip 1000"),
            "{}",
            found[1].1
        );
        // filters that skip more than they pass for nothing are not advice
        assert!(kinds(counted(0, 2_000, 1_999)).is_empty());
        // a cagg's writes are its refreshes
        let mut cagg = counted(1_500, 0, 0);
        std::sync::Arc::make_mut(&mut cagg.definition).is_cagg = true;
        let found = kinds(cagg);
        assert!(
            found[0].1.starts_with("refreshes read")
                && found[0].1.contains("beyond its refresh window"),
            "{found:?}"
        );
    }

    #[test]
    fn chunk_interval_recompression_and_growth_advisors() {
        let mut summary = fixtures::summary();
        summary.effective_cache_size_bytes = 4 << 30; // a quarter: 1 GiB
        let table = |name: &str, chunks: i64, newest: i64, median: i64| {
            let mut h = fixtures::hypertable(name, chunks, 0, median * chunks);
            (h.newest_chunk_bytes, h.median_chunk_bytes) = (newest, median);
            h.interval_seconds = Some(7.0 * 86_400.0);
            h
        };
        // big: newest chunks of 900 MiB (with the others', over 1 GiB; four tables being
        // written, an even share is 256 MiB); small: 400 chunks of 2 MiB; idle: its newest
        // chunk ended long ago
        let big = table("big", 20, 900 << 20, 800 << 20);
        let small = table("small", 400, 200 << 20, 2 << 20);
        let mut idle = table("idle", 20, 2 << 30, 800 << 20);
        idle.newest_chunk_end = Some(Bound::Time(fixtures::t("2026-01-01T00:00:00Z")));
        // growing: no retention, 30 days of data in 90 GiB (3 GiB a day: the 100 GiB limit in
        // four days); kept: the same with a retention policy
        let mut growing = table("growing", 30, 1 << 20, 3 << 30);
        growing.policies = vec!["policy_compression".into()];
        growing.range_start = Some(Bound::Time(fixtures::t("2026-10-22T12:30:00Z")));
        growing.range_end = Some(Bound::Time(fixtures::t("2026-11-28T00:00:00Z")));
        let mut kept = growing.clone();
        kept.name = "kept".into();
        kept.policies = vec!["policy_retention".into()];
        let hypertables = [big, small, idle, growing, kept];
        let mut holes = fixtures::compression("holes", 0);
        holes.uncompressed_between = 2;
        let mut partial = fixtures::compression("partial", 0);
        partial.partial_chunks = 3; // its policy compresses them again: not advice
        let compression = [holes, partial];
        let input = Inputs {
            summary: Some(&summary),
            timescaledb: true,
            hypertables: Some(&hypertables),
            compression: Some(&compression),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Advice, "chunks over memory", "telemetry.big"),
                (Severity::Advice, "small chunks", "telemetry.small"),
                (Severity::Advice, "not recompressed", "telemetry.holes"),
                (
                    Severity::Advice,
                    "growth without retention",
                    "telemetry.growing"
                ),
            ],
            "{found:#?}"
        );
        let message = |i: usize| found[i].message.as_str();
        assert!(message(0).contains("take 1.1 GiB"), "{}", message(0));
        assert!(
            message(0).contains("25 % of effective_cache_size 4.0 GiB"),
            "{}",
            message(0)
        );
        // 7 days × 256 / 900: 2 days
        assert_eq!(
            found[0].action.as_deref(),
            Some("set-chunk-interval telemetry.big '2 days'")
        );
        assert!(
            message(1).contains("400 chunks with a median of 2.0 MiB"),
            "{}",
            message(1)
        );
        // 7 days × 40 MiB / 2 MiB
        assert_eq!(
            found[1].action.as_deref(),
            Some("set-chunk-interval telemetry.small '140 days'")
        );
        assert_eq!(found[2].action.as_deref(), Some("compress telemetry.holes"));
        assert!(message(3).contains("in 4 days"), "{}", message(3));
        assert_eq!(
            found[3].action.as_deref(),
            Some("set-retention telemetry.growing '33 days'")
        );
        for p in &found {
            let action = p.action.as_deref().unwrap();
            crate::actions::parse::parse(action).unwrap_or_else(|e| panic!("{action}: {e}"));
        }
        // without a policy, compressed chunks written into since are advice too
        let mut unattended = fixtures::compression("unattended", 0);
        (unattended.job_id, unattended.partial_chunks) = (None, 3);
        let compression = [unattended];
        let input = Inputs {
            compression: Some(&compression),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert!(found.iter().any(|p| p.kind == ProblemKind::NotRecompressed
            && p.message.contains("3 compressed chunks were written into")));
        // thresholds from the profile: a larger memory share, fewer chunks counted as many
        let lenient = Thresholds {
            recent_chunks_memory_share: 0.5,
            small_chunks_from: 1000,
            retention_size_limit: 1 << 50,
            ..Thresholds::default()
        };
        let input = Inputs {
            summary: Some(&summary),
            hypertables: Some(&hypertables),
            ..Inputs::default()
        };
        assert!(find(&input, &lenient, now()).is_empty());
    }

    /// The segmentby advisor on statistics made to trigger it (too fine, one value) and not to.
    #[test]
    fn segment_size_advisor_reads_n_distinct_against_the_rows() {
        use crate::model::compression::SegmentStats;
        let stats = |rows: f64, columns: &[(&str, f64)]| SegmentStats {
            chunk: "_timescaledb_internal._hyper_1_2_chunk".into(),
            rows,
            columns: columns.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            segmentby: columns.iter().map(|(c, _)| c.to_string()).collect(),
        };
        let with = |name: &str, s: SegmentStats| {
            let mut c = fixtures::compression(name, 0);
            c.segments = Some(std::sync::Arc::new(s));
            c
        };
        let compression = [
            // 100,000 rows over 8,000 devices and 4 sites (distinct as a fraction): 3 rows each
            with(
                "fine",
                stats(100_000.0, &[("site", 4.0), ("device_id", -0.08)]),
            ),
            // one value: splits nothing
            with(
                "flat",
                stats(100_000.0, &[("device_id", 50.0), ("user", 1.0)]),
            ),
            // 2,000 rows per segment: fine
            with("good", stats(100_000.0, &[("device_id", 50.0)])),
        ];
        let input = Inputs {
            compression: Some(&compression),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let segment: Vec<&Problem> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::SegmentSize)
            .collect();
        assert_eq!(segment.len(), 2, "{found:#?}");
        assert_eq!(segment[0].object, "telemetry.fine");
        assert!(
            segment[0]
                .message
                .contains("leaves 3 rows per segment (advice below 100)")
                && segment[0].message.contains("device_id 8000"),
            "{}",
            segment[0].message
        );
        // the finest column goes; what is left is quoted (a keyword too)
        assert_eq!(
            segment[0].action.as_deref(),
            Some("set-compression telemetry.fine segmentby='\"site\"' orderby='\"time\" DESC'")
        );
        assert!(segment[1].message.contains("column user has one value"));
        assert_eq!(
            segment[1].action.as_deref(),
            Some(
                "set-compression telemetry.flat segmentby='\"device_id\"' orderby='\"time\" DESC'"
            )
        );
        for p in &segment {
            let action = p.action.as_deref().unwrap();
            crate::actions::parse::parse(action).unwrap_or_else(|e| panic!("{action}: {e}"));
        }
        // the threshold is the profile's
        let lenient = Thresholds {
            min_rows_per_segment: 2.0,
            ..Thresholds::default()
        };
        let found = find(&input, &lenient, now());
        assert_eq!(
            found
                .iter()
                .filter(|p| p.kind == ProblemKind::SegmentSize)
                .count(),
            1
        );
    }

    #[test]
    fn the_list_kept_holds_no_spare_room() {
        let summary = fixtures::summary();
        let jobs: Vec<Job> = (0..100)
            .map(|i| {
                let mut j = fixtures::job(1000 + i, "policy_compression", Some("a"), 5, true);
                // each its own error: none fold
                j.last_error = Some(format!("error {i}").into());
                j
            })
            .collect();
        let found = find(
            &server_and_jobs(&summary, &jobs),
            &Thresholds::default(),
            now(),
        );
        assert_eq!(found.len(), 100, "one failing job each");
        assert_eq!(found.capacity(), found.len());
    }

    #[test]
    fn a_stopped_scheduler_is_one_critical_problem_with_its_consequences_under_it() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let mut late = fixtures::job(1001, "policy_retention", Some("readings"), 0, true);
        late.schedule_seconds = Some(3600.0);
        late.next_start = Some(now() - chrono::Duration::hours(3));
        let jobs = [late];
        let input = server_and_jobs(&summary, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "scheduler", "TimescaleDB scheduler"),
                (
                    Severity::Warning,
                    "job overdue",
                    "job 1001 (telemetry.readings)"
                )
            ]
        );
        assert_eq!(found[0].subject, Subject::Server);
        assert!(found[0].root.is_none());
        let root = found[1].root.as_ref().unwrap();
        assert_eq!(root.kind, ProblemKind::Scheduler);
        assert!(
            found[1].chain[0].contains("cannot run"),
            "{:?}",
            found[1].chain
        );
        // Running scheduler: the same job is overdue.
        let running = fixtures::summary();
        let input = server_and_jobs(&running, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(found[0].kind, ProblemKind::JobOverdue);
        assert_eq!(found[0].subject, Subject::Job(1001));
    }

    /// A job whose next start was left unset (`-infinity`) longer than a schedule since its
    /// last start, on a release whose scheduler never starts it again (#9360): overdue, with
    /// the statement that sets it; not on the release that fixed it, nor right after a start.
    #[test]
    fn a_starved_job_below_2_28_names_the_schedulers_queue_and_start_job() {
        let mut job = fixtures::job(1001, "policy_compression", Some("readings"), 0, true);
        job.schedule_seconds = Some(3600.0);
        job.next_start = Some(now() - chrono::TimeDelta::hours(3));
        let mut summary = fixtures::summary();
        let said = |summary: &Summary| {
            find(
                &server_and_jobs(summary, std::slice::from_ref(&job)),
                &Thresholds::default(),
                now(),
            )
            .into_iter()
            .find(|p| p.kind == ProblemKind::JobOverdue)
            .unwrap()
        };
        summary.timescaledb_version = Some("2.25.2".into());
        let p = said(&summary);
        assert!(p.starved);
        assert!(
            p.message.contains("#9918") && p.message.contains("start-job 1001"),
            "{}",
            p.message
        );
        assert_eq!(p.action.as_deref(), Some("start-job 1001"));
        // 2.28.0 fixed it: the job is starved, the queue is not said to be why
        summary.timescaledb_version = Some("2.28.0".into());
        let p = said(&summary);
        assert!(p.starved && !p.message.contains("#9918"), "{}", p.message);
        assert_eq!(p.action, None);
    }

    #[test]
    fn a_job_stuck_with_no_next_start_is_overdue_below_the_fixing_release() {
        let mut job = fixtures::job(1001, "policy_compression", Some("readings"), 0, true);
        job.next_start = None;
        job.next_start_unset = true;
        job.last_run_started = Some(now() - chrono::TimeDelta::days(2));
        let mut summary = fixtures::summary();
        let found = |summary: &Summary, job: &Job| {
            find(
                &server_and_jobs(summary, std::slice::from_ref(job)),
                &Thresholds::default(),
                now(),
            )
            .into_iter()
            .filter(|p| p.kind == ProblemKind::JobOverdue)
            .collect::<Vec<_>>()
        };
        summary.timescaledb_version = Some("2.25.2".into());
        let said = found(&summary, &job);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].message.contains("-infinity")
                && said[0].message.contains("#9360")
                && said[0]
                    .message
                    .contains("start-job 1001 (alter_job(…, next_start => now())"),
            "{}",
            said[0].message
        );
        assert_eq!(said[0].action.as_deref(), Some("start-job 1001"));
        // its row says so too, not "scheduled" and "at once"
        let ctx = crate::screens::Ctx::new(true, Thresholds::default());
        let row = crate::screens::jobs::rows(std::slice::from_ref(&job), Some("2.25.2"), ctx)
            .next()
            .unwrap();
        let cells: Vec<&str> = row.cells.iter().map(|c| c.text.as_ref()).collect();
        assert!(
            cells.contains(&"overdue") && cells.contains(&"unset: stuck"),
            "{cells:?}"
        );
        summary.timescaledb_version = Some("2.26.4".into());
        assert!(found(&summary, &job).is_empty(), "fixed there");
        summary.timescaledb_version = Some("2.25.2".into());
        job.last_run_started = Some(now() - chrono::TimeDelta::minutes(20));
        assert!(
            found(&summary, &job).is_empty(),
            "within a schedule of its start"
        );
    }

    /// From FOLD_FROM on, jobs overdue for one cause are one consequence under its root, which
    /// says how many and how late; fewer stay one by one (above).
    #[test]
    fn jobs_overdue_alike_fold_into_one_consequence() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let jobs: Vec<Job> = (0..FOLD_FROM as i64 + 1)
            .map(|i| {
                let mut late =
                    fixtures::job(1100 + i as i32, "policy_retention", Some("r"), 0, true);
                late.next_start = Some(now() - chrono::Duration::minutes(10 + i));
                // three of them late by more than their schedule: starved
                late.schedule_seconds = Some(if i < 3 { 300.0 } else { 3600.0 });
                late
            })
            .collect();
        let found = find(
            &server_and_jobs(&summary, &jobs),
            &Thresholds::default(),
            now(),
        );
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "scheduler", "TimescaleDB scheduler"),
                (Severity::Warning, "job overdue", "11 jobs"),
            ]
        );
        let fold = &found[1];
        assert_eq!(
            fold.root.as_ref().map(|r| r.kind),
            Some(ProblemKind::Scheduler)
        );
        assert_eq!(
            fold.chain[0],
            "11 jobs alike: job 1100 cannot run: the TimescaleDB scheduler is down"
        );
        assert_eq!(
            fold.message,
            "next starts were 10m to 20m ago; 3 missed at least one whole run (starved)"
        );
        assert_eq!(fold.subject.count(), FOLD_FROM + 1);
        assert_eq!(count(&found), FOLD_FROM + 2);
    }

    /// From FOLD_FROM on, relations with one kind of problem for one cause said alike (their
    /// own policy jobs aside) are one problem under that cause: it says how many, their sum and
    /// the largest, counts each, lists them in snapshot JSON, and opens onto each as it is
    /// found on its own. Fewer, or another cause, stay one by one.
    #[test]
    fn relations_alike_fold_into_one_problem_that_opens_onto_them() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let n = FOLD_FROM as i32 + 1;
        // each table's own compression policy, none of which can run
        let jobs: Vec<Job> = (0..n)
            .map(|i| fixtures::job(1100 + i, "policy_compression", Some("r"), 0, true))
            .collect();
        let mut compression: Vec<Compression> = (0..n)
            .map(|i| {
                let mut c = fixtures::compression(&format!("t{i:02}"), 1 + i as i64);
                c.job_id = Some(1100 + i);
                c
            })
            .collect();
        // another cause: no policy at all (fewer than FOLD_FROM, one by one)
        compression.extend((0..3).map(|i| {
            let mut c = fixtures::compression(&format!("manual{i}"), 2);
            c.job_id = None;
            c
        }));
        let input = Inputs {
            compression: Some(&compression),
            ..server_and_jobs(&summary, &jobs)
        };
        let found = find(&input, &Thresholds::default(), now());
        let backlogs: Vec<&Problem> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::CompressionBacklog)
            .collect();
        assert_eq!(backlogs.len(), 1 + 3, "{found:#?}");
        let fold = backlogs
            .iter()
            .find(|p| p.subject.count() > 1)
            .expect("one fold");
        assert_eq!(fold.object, "11 hypertables");
        // 1 + 2 + … + 11 chunks of 90 MiB; the largest is t10's 11
        assert_eq!(
            fold.message,
            "compression backlog: 5.8 GiB in all; the largest, telemetry.t10: 11 chunks (990 MiB) older than compress_after 1d are not compressed"
        );
        assert_eq!(
            fold.chain[0],
            "compression policy (job 1110) cannot run: the TimescaleDB scheduler is down"
        );
        assert_eq!(
            fold.root.as_ref().map(|r| r.kind),
            Some(ProblemKind::Scheduler)
        );
        // right under its root; the three without a policy are also advised about, one by one
        assert_eq!(found[0].kind, ProblemKind::Scheduler);
        assert!(std::ptr::eq(&found[1], *fold));
        assert_eq!(found.len(), 1 + 1 + 3 + 3, "{found:#?}");
        let Subject::Relations { names, .. } = &fold.subject else {
            panic!("{:?}", fold.subject)
        };
        assert_eq!(names.first().map(|n| n.as_str()), Some("telemetry.t00"));
        assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted");
        assert_eq!(
            count(
                found
                    .iter()
                    .filter(|p| p.kind == ProblemKind::CompressionBacklog)
            ),
            11 + 3
        );
        let json = serde_json::to_value(fold).unwrap();
        assert_eq!(json["objects"].as_array().map(Vec::len), Some(11));
        assert_eq!(json["objects"][0], "telemetry.t00");
        assert!(json.get("jobs").is_none());
        let single = backlogs.iter().find(|p| p.subject.count() == 1).unwrap();
        let json = serde_json::to_value(single).unwrap();
        assert!(json.get("objects").is_none() && json.get("jobs").is_none());
        // opened: each as it was found, the largest first, under the same root
        let id = fold.fold_id().expect("a fold");
        let members = super::members(&input, &Thresholds::default(), now(), &id);
        let objects: Vec<&str> = members.iter().map(|p| p.object.as_str()).collect();
        let expected: Vec<String> = (0..n).rev().map(|i| format!("telemetry.t{i:02}")).collect();
        assert_eq!(objects, expected);
        assert!(members.iter().all(|p| p.root == fold.root
            && p.kind == ProblemKind::CompressionBacklog
            && p.chain[0].contains("cannot run")));
        assert_eq!(members[0].message, fold.message.split(": ").nth(2).unwrap());
        // a running scheduler: each policy is fine, and says so of its own job; alike but for
        // the job's number, they fold all the same
        let running = fixtures::summary();
        let input = Inputs {
            summary: Some(&running),
            ..input
        };
        let found = find(&input, &Thresholds::default(), now());
        let fold = found
            .iter()
            .find(|p| p.kind == ProblemKind::CompressionBacklog && p.subject.count() > 1)
            .expect("{found:#?}");
        assert_eq!(fold.subject.count(), 11);
        assert!(fold.root.is_none());
    }

    /// A cause said alike is the same but for its numbers.
    #[test]
    fn said_alike_leaves_out_numbers_only() {
        assert_eq!(
            said_alike("compression policy (job 1017) failed 3 times in a row: disk 99% full"),
            "compression policy (job #) failed # time in a row: disk #% full"
        );
        assert_eq!(said_alike("failed 1 time"), said_alike("failed 12 times"));
        assert_eq!(said_alike("failed 1–2 times"), "failed #–# time");
        assert_eq!(said_alike("no job here"), "no job here");
        assert_eq!(said_alike("é job 3 ü 12"), "é job # ü #");
        assert_eq!(said_alike(""), "");
        // added to what is there, which stays as it is
        let mut chain = String::from("job 7 failed 2 times\n");
        say_alike(&mut chain, "job 12 failed 3 times: 5 times");
        assert_eq!(chain, "job 7 failed 2 times\njob # failed # time: # time");
    }

    /// The jobs of a stopped scheduler's relations are overdue too, and folded alike: a
    /// relation's policy job in that fold has not failed, its fold is not the relation's root
    /// (it was, and the backlog ranked last, its root a consequence), and its members say what
    /// it says.
    #[test]
    fn relations_whose_jobs_are_overdue_alike_stay_under_the_scheduler() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let n = FOLD_FROM as i32 + 1;
        let jobs: Vec<Job> = (0..n)
            .map(|i| {
                let mut j = fixtures::job(1100 + i, "policy_compression", Some("r"), 0, true);
                j.next_start = Some(now() - chrono::Duration::hours(2));
                j
            })
            .collect();
        let compression: Vec<Compression> = (0..n)
            .map(|i| {
                let mut c = fixtures::compression(&format!("t{i:02}"), 1 + i as i64);
                c.job_id = Some(1100 + i);
                c
            })
            .collect();
        let input = Inputs {
            compression: Some(&compression),
            ..server_and_jobs(&summary, &jobs)
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "scheduler", "TimescaleDB scheduler"),
                (Severity::Warning, "compression backlog", "11 hypertables"),
                (Severity::Warning, "job overdue", "11 jobs"),
            ],
            "{found:#?}"
        );
        let backlog = &found[1];
        assert_eq!(
            backlog.root.as_ref().map(|r| r.kind),
            Some(ProblemKind::Scheduler)
        );
        assert_eq!(
            backlog.chain[0],
            "compression policy (job 1110) cannot run: the TimescaleDB scheduler is down"
        );
        for fold in &found[1..] {
            let members = super::members(
                &input,
                &Thresholds::default(),
                now(),
                &fold.fold_id().unwrap(),
            );
            assert_eq!(members.len(), 11, "{members:#?}");
            assert!(members.iter().all(|m| m.root == fold.root
                && said_alike(&m.chain[0])
                    == said_alike(&fold.chain[0]).replace("# jobs alike: ", "")));
        }
    }

    /// A fold is named by what its members share, so its members are found as they join and
    /// leave it, and when fewer than FOLD_FROM are left; relations count once each in its
    /// object and every problem in its count; failures alike with no error and with the error
    /// `#12` are two folds, each opening onto its own.
    #[test]
    fn folds_are_named_by_what_their_members_share() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let backlog = |i: i32| {
            let mut c = fixtures::compression(&format!("t{i:02}"), 2);
            c.job_id = Some(1100 + i);
            c
        };
        let jobs: Vec<Job> = (0..40)
            .map(|i| fixtures::job(1100 + i, "policy_compression", Some("r"), 0, true))
            .collect();
        let inputs = |compression: &[Compression]| -> Vec<Problem> {
            let input = Inputs {
                compression: Some(compression),
                ..server_and_jobs(&summary, &jobs)
            };
            find(&input, &Thresholds::default(), now())
        };
        let eleven: Vec<Compression> = (0..11).map(backlog).collect();
        let found = inputs(&eleven);
        let id = found[1].fold_id().expect("the backlogs' fold");
        let members = |compression: &[Compression]| {
            let input = Inputs {
                compression: Some(compression),
                ..server_and_jobs(&summary, &jobs)
            };
            super::members(&input, &Thresholds::default(), now(), &id).len()
        };
        // others join (the fold's name stays), then most leave
        let fifteen: Vec<Compression> = (0..15).map(backlog).collect();
        assert_eq!(inputs(&fifteen)[1].fold_id().as_ref(), Some(&id));
        assert_eq!(members(&fifteen), 15);
        let four: Vec<Compression> = (20..24).map(backlog).collect();
        assert_eq!(members(&four), 4);
        assert_eq!(members(&[]), 0);
        // two failing folds that a text id could not tell apart
        let failing = |id: i32, error: Option<&str>| {
            let mut j = fixtures::job(id, "custom_job", None, 1, true);
            j.last_error = error.map(Into::into);
            j
        };
        let jobs: Vec<Job> = (0..10)
            .map(|i| failing(100 + i, None))
            .chain((0..10).map(|i| failing(200 + i, Some("#12"))))
            .collect();
        let input = Inputs {
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let folds: Vec<FoldId> = found.iter().filter_map(Problem::fold_id).collect();
        assert_eq!(folds.len(), 2, "{found:#?}");
        assert_ne!(folds[0], folds[1]);
        for fold in &folds {
            let members = super::members(&input, &Thresholds::default(), now(), fold);
            let ids: Vec<i32> = members
                .iter()
                .map(|m| match m.subject {
                    Subject::Job(id) => id,
                    _ => panic!("{m:?}"),
                })
                .collect();
            let first = match &fold.shared {
                Shared::Error(None) => 100,
                _ => 200,
            };
            let mut sorted = ids.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (first..first + 10).collect::<Vec<_>>(), "{fold:?}");
        }
    }

    /// Relations whose policy jobs fail alike fold under the jobs' fold: the relations' fold
    /// keeps its name (and its row) while that fold gains jobs, and folds under a warning and
    /// a critical fold of one error are two, with two rows; a paused job failing alike is no
    /// member of the failures' fold.
    #[test]
    fn a_fold_under_a_fold_of_failures_keeps_its_name() {
        let error = "cannot drop portal";
        let failing = |id: i32, failures: i32| {
            let mut j = fixtures::job(id, "policy_compression", Some("r"), failures, true);
            j.last_error = Some(error.into());
            j
        };
        let backlogs: Vec<Compression> = (0..24)
            .map(|i| {
                let mut c = fixtures::compression(&format!("t{i:02}"), 2);
                c.job_id = Some(1100 + i);
                c
            })
            .collect();
        // the first twelve tables' jobs failed once or twice (warning), the next twelve three
        // or four times (critical)
        let mut jobs: Vec<Job> = (0..24)
            .map(|i| failing(1100 + i, if i < 12 { 1 + i % 2 } else { 3 + i % 2 }))
            .collect();
        let find_with = |jobs: &[Job]| {
            let input = Inputs {
                compression: Some(&backlogs),
                timescaledb: true,
                jobs: Some(jobs),
                ..Inputs::default()
            };
            find(&input, &Thresholds::default(), now())
        };
        let backlog_folds = |found: &[Problem]| -> Vec<(FoldId, String)> {
            found
                .iter()
                .filter(|p| p.kind == ProblemKind::CompressionBacklog)
                .map(|p| {
                    let id = p.fold_id().unwrap_or_else(|| panic!("{p:#?}"));
                    (id, crate::screens::overview::row_id(p))
                })
                .collect()
        };
        let before = backlog_folds(&find_with(&jobs));
        assert_eq!(before.len(), 2, "a fold under each fold of failures");
        assert_ne!(before[0].1, before[1].1, "two rows");
        // another job fails alike: the failures' fold grows, the backlogs' keep their names
        jobs.push(failing(2000, 1));
        let after = backlog_folds(&find_with(&jobs));
        assert_eq!(before, after);
        let input = Inputs {
            compression: Some(&backlogs),
            timescaledb: true,
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        for (id, _) in &after {
            assert_eq!(
                super::members(&input, &Thresholds::default(), now(), id).len(),
                12
            );
        }
        // a paused job of one's own failing alike (no "policy paused" says so) is no member
        let mut paused = fixtures::job(3000, "export", None, 1, false);
        (paused.proc_schema, paused.kind) = ("public".into(), "custom");
        paused.last_error = Some(error.into());
        jobs.push(paused);
        let input = Inputs {
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let fold = found
            .iter()
            .find(|p| p.kind == ProblemKind::JobFailing && p.severity == Severity::Warning)
            .and_then(Problem::fold_id)
            .expect("the warning failures' fold");
        let members = super::members(&input, &Thresholds::default(), now(), &fold);
        assert_eq!(members.len(), 13, "{members:#?}");
        assert!(!members.iter().any(|m| m.subject == Subject::Job(3000)));
    }

    /// Two lint findings of one kind on one relation: the fold names it once, counts both.
    #[test]
    fn a_relation_with_two_findings_is_one_of_its_fold() {
        let findings: Vec<Finding> = (0..6)
            .flat_map(|i| {
                [
                    crate::policy::LintRule::EndOffsetBelowBucket,
                    crate::policy::LintRule::WindowsDoNotNest,
                ]
                .map(|rule| Finding {
                    rule,
                    relation: format!("telemetry.c{i}"),
                    schema: "telemetry".into(),
                    relname: format!("c{i}").into(),
                    message: format!("{rule:?}"),
                })
            })
            .collect();
        let input = Inputs {
            lint: Some(&findings),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].object, "6 continuous aggregates");
        assert_eq!(count(&found), 12);
    }

    /// Under the apache license the compression, cagg refresh and reorder jobs cannot run (a
    /// refresh job's kind is `cagg refresh`: it was never counted), and each one's failure says
    /// why; a retention job runs under apache.
    #[test]
    fn apache_license_stops_the_community_jobs_and_says_so() {
        let mut summary = fixtures::summary();
        summary.timescaledb_license = Some("apache".into());
        let mut jobs = vec![
            fixtures::job(1000, "policy_compression", Some("a"), 0, true),
            fixtures::job(
                1001,
                "policy_refresh_continuous_aggregate",
                Some("b"),
                2,
                true,
            ),
            fixtures::job(1002, "policy_reorder", Some("c"), 0, true),
            fixtures::job(1003, "policy_retention", Some("d"), 0, true),
        ];
        jobs[1].last_error =
            Some("function not supported under the current \"apache\" license".into());
        let found = find(
            &server_and_jobs(&summary, &jobs),
            &Thresholds::default(),
            now(),
        );
        assert_eq!(found[0].kind, ProblemKind::License, "{found:#?}");
        assert!(
            found[0]
                .message
                .starts_with("apache: 3 compression, refresh or reorder jobs"),
            "{}",
            found[0].message
        );
        let refresh = found
            .iter()
            .find(|p| p.subject == Subject::Job(1001))
            .expect("the refresh job's failure");
        assert_eq!(
            refresh.chain[0],
            "job 1001 is a cagg refresh job: it needs the community license, and timescaledb.license is apache"
        );
        assert_eq!(
            refresh.root.as_ref().map(|r| r.kind),
            Some(ProblemKind::License)
        );
    }

    #[test]
    fn restoring_mode_is_named_as_the_reason() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        summary.timescaledb_restoring = true;
        let jobs = [fixtures::job(
            1000,
            "policy_compression",
            Some("r"),
            0,
            true,
        )];
        let input = server_and_jobs(&summary, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert!(
            found[0].message.contains("timescaledb_post_restore"),
            "{found:?}"
        );
    }

    #[test]
    fn failing_jobs_are_critical_from_the_limit_and_paused_policies_warn() {
        let jobs = [
            fixtures::job(1000, "policy_compression", Some("a"), 2, true),
            fixtures::job(1001, "policy_compression", Some("b"), 3, true),
            fixtures::job(1002, "policy_retention", Some("c"), 0, false),
        ];
        let input = Inputs {
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "job failing", "job 1001 (telemetry.b)"),
                (Severity::Warning, "job failing", "job 1000 (telemetry.a)"),
                (Severity::Warning, "policy paused", "job 1002 (telemetry.c)"),
            ]
        );
        let strict = Thresholds {
            critical_failures: 2,
            ..Thresholds::default()
        };
        let found = find(&input, &strict, now());
        assert_eq!(found[1].severity, Severity::Critical, "{found:?}");
    }

    /// Failures alike from FOLD_FROM on are one problem that counts each job; fewer, another
    /// error, another severity, or a paused job stay on their own; a lag a folded job explains
    /// has the fold as its root.
    #[test]
    fn job_failures_alike_fold_into_one_problem_that_counts_them() {
        let failing = |id: i32, proc: &str, failures: i32, error: &str| {
            let mut j = fixtures::job(id, proc, Some("t"), failures, true);
            j.last_error = Some(error.into());
            j
        };
        let portal = "cannot drop portal \"\"";
        let mut jobs: Vec<Job> = (0..7)
            .map(|i| failing(2000 + i, "policy_compression", 1, portal))
            .chain((0..5).map(|i| failing(2100 + i, "policy_retention", 2, portal)))
            // the same error from the critical limit on: a fold of its own, had it enough
            .chain([failing(2200, "policy_retention", 3, portal)])
            // another error, fewer than FOLD_FROM: one by one
            .chain(
                (0..FOLD_FROM as i32 - 1)
                    .map(|i| failing(2300 + i, "policy_compression", 1, "disk full")),
            )
            .collect();
        // the cagg's refresh job fails alike, and explains its lag
        jobs.push(failing(
            1002,
            "policy_refresh_continuous_aggregate",
            1,
            portal,
        ));
        // paused as well as failing: its chain says so, of it alone
        let mut paused = failing(2500, "policy_compression", 1, portal);
        paused.scheduled = false;
        jobs.push(paused);
        let caggs = [fixtures::cagg(
            "hourly",
            None,
            "2026-11-21T07:30:00Z",
            18000.0,
        )];
        let input = Inputs {
            timescaledb: true,
            jobs: Some(&jobs),
            caggs: Some(&caggs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let folded: Vec<&Problem> = found
            .iter()
            .filter(|p| matches!(p.subject, Subject::Jobs { .. }))
            .collect();
        assert_eq!(folded.len(), 1, "{found:#?}");
        let fold = folded[0];
        assert_eq!(fold.severity, Severity::Warning);
        assert_eq!(fold.object, "13 jobs");
        assert_eq!(
            fold.message,
            "7 compression, 5 retention and 1 cagg refresh jobs failed 1–2 times in a row: cannot drop portal \"\""
        );
        let Subject::Jobs { ids, error, .. } = &fold.subject else {
            unreachable!()
        };
        let expected: Vec<i32> = [1002]
            .into_iter()
            .chain(2000..2007)
            .chain(2100..2105)
            .collect();
        assert_eq!(&ids[..], &expected[..]);
        assert_eq!(error.as_deref(), Some(portal));
        // each of the rest on its own
        let single = |id: i32| {
            found
                .iter()
                .any(|p| p.kind == ProblemKind::JobFailing && p.subject == Subject::Job(id))
        };
        assert!(single(2200) && single(2500) && !single(1002), "{found:#?}");
        assert!((2300..2300 + FOLD_FROM as i32 - 1).all(single));
        let lag = found
            .iter()
            .position(|p| p.kind == ProblemKind::CaggLag)
            .unwrap();
        assert_eq!(
            found[lag].root.as_ref().map(|r| &r.subject),
            Some(&fold.subject),
            "the lag's root is the fold"
        );
        // holding it, not a copy of its ids (a copy per root was 150 MB at 50k)
        match &found[lag].root.as_ref().unwrap().subject {
            Subject::Jobs { ids: held, .. } => assert!(std::sync::Arc::ptr_eq(held, ids)),
            other => panic!("{other:?}"),
        }
        assert!(
            found[lag].chain[0].starts_with("refresh policy (job 1002)"),
            "{:?}",
            found[lag].chain
        );
        assert_eq!(
            found.iter().position(|p| std::ptr::eq(p, fold)),
            Some(lag - 1),
            "the lag ranks right under the fold"
        );
        // what check, the fleet and the exporter count: every failing job
        let of = |s| count(found.iter().filter(|p| p.severity == s));
        assert_eq!(of(Severity::Warning), 13 + 9 + 1 + 1 + 1);
        assert_eq!(of(Severity::Critical), 1);
        // snapshot JSON lists a fold's jobs, and nothing more for the others
        let json = serde_json::to_value(fold).unwrap();
        assert_eq!(json["jobs"].as_array().map(Vec::len), Some(13));
        let one = found
            .iter()
            .find(|p| p.subject == Subject::Job(2200))
            .unwrap();
        assert!(serde_json::to_value(one).unwrap().get("jobs").is_none());
        // one more with the other error makes FOLD_FROM: they fold too
        let mut more = jobs.clone();
        more.push(failing(2399, "policy_compression", 1, "disk full"));
        let input = Inputs {
            jobs: Some(&more),
            ..input
        };
        let found = find(&input, &Thresholds::default(), now());
        assert!(
            found
                .iter()
                .any(|p| p.object == format!("{FOLD_FROM} jobs")
                    && p.message.ends_with(": disk full"))
        );
    }

    #[test]
    fn unused_needs_old_enough_statistics_and_spares_timescaledbs_own_indexes() {
        let mut own = fixtures::index(
            "readings_hourly",
            "_materialized_hypertable_3_bucket_idx",
            "bucket",
            0,
            true,
        );
        own.index_schema = "_timescaledb_internal".into();
        own.unique = false;
        own.category = Category::Unused;
        let indexes = vec![
            fixtures::index("readings", "readings_value_idx", "value", 0, true),
            own,
        ];
        let unused = |stats_reset: &str| {
            let mut summary = fixtures::summary();
            summary.stats_reset = Some(stats_reset.parse().unwrap());
            let input = Inputs {
                summary: Some(&summary),
                indexes: Some(&indexes),
                ..Inputs::default()
            };
            find(&input, &Thresholds::default(), now())
                .into_iter()
                .filter(|p| p.kind == ProblemKind::UnusedIndex)
                .map(|p| (p.object, p.message))
                .collect::<Vec<_>>()
        };
        // Reset an hour ago: too recent to call anything unused.
        assert!(unused("2026-11-21T11:30:00Z").is_empty());
        // Twenty days of statistics: the one that is never scanned, and not TimescaleDB's own.
        let found = unused("2026-11-01T12:30:00Z");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "telemetry.readings_value_idx");
        assert!(
            found[0].1.starts_with("never scanned in 20d of statistics"),
            "{found:?}"
        );
    }

    #[test]
    fn backlog_retention_indexes_and_lag_follow_their_limits() {
        let compression = [
            fixtures::compression("readings", 10),
            fixtures::compression("energy", 0),
        ];
        let mut indexes = vec![
            fixtures::index("readings", "readings_time_idx", "time", 98_000, true),
            fixtures::index("readings", "readings_value_idx", "value", 0, true),
            fixtures::index("readings", "readings_time_again", "time", 0, true),
            fixtures::index("readings", "readings_broken_idx", "site", 0, false),
        ];
        crate::model::indexes::mark_duplicates(&mut indexes);
        let mut never = fixtures::cagg("never", None, "2026-11-21T11:00:00Z", 0.0);
        never.watermark = None;
        never.lag_seconds = None;
        // Against their refresh policy (end offset 1 h + a 1 h bucket + every 30 min = 2 h 30 m):
        // 1.5 h is within it, 5 h is 2.5 h behind. Without a policy, against the 1 h limit.
        let mut no_policy = fixtures::cagg("adhoc", None, "2026-11-21T11:00:00Z", 5400.0);
        no_policy.refresh_policy = None;
        let caggs = [
            fixtures::cagg("hourly", None, "2026-11-21T11:00:00Z", 5400.0),
            fixtures::cagg("stale", None, "2026-11-21T07:30:00Z", 18000.0),
            fixtures::cagg("fresh", None, "2026-11-21T12:00:00Z", 1800.0),
            no_policy,
            never,
        ];
        // Statistics 20 days old: old enough to call an index unused.
        let summary = fixtures::summary();
        let input = Inputs {
            summary: Some(&summary),
            compression: Some(&compression),
            indexes: Some(&indexes),
            caggs: Some(&caggs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let k = kinds(&found);
        assert_eq!(
            k[0],
            (
                Severity::Critical,
                "invalid index",
                "telemetry.readings_broken_idx"
            )
        );
        // The never-refreshed aggregate ranks above the one 2.5 h behind its policy, which
        // ranks above the one 1.5 h old with no policy.
        assert_eq!(k[1], (Severity::Warning, "cagg lag", "telemetry.never"));
        assert_eq!(k[2], (Severity::Warning, "cagg lag", "telemetry.stale"));
        assert_eq!(k[3], (Severity::Warning, "cagg lag", "telemetry.adhoc"));
        let said = |object: &str| {
            found
                .iter()
                .find(|p| p.object == object)
                .map(|p| p.message.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            said("telemetry.stale"),
            "behind its refresh policy by 2h 30m: materialized data ends 5h ago, the policy keeps it within 2h 30m"
        );
        assert!(
            said("telemetry.adhoc").ends_with("it has no refresh policy"),
            "{}",
            said("telemetry.adhoc")
        );
        assert!(
            !k.iter().any(|(_, _, o)| *o == "telemetry.hourly"),
            "within its policy: {k:?}"
        );
        assert!(k.contains(&(
            Severity::Warning,
            "compression backlog",
            "telemetry.readings"
        )));
        assert!(k.contains(&(
            Severity::Warning,
            "duplicate index",
            "telemetry.readings_time_again"
        )));
        assert!(k.contains(&(
            Severity::Warning,
            "unused index",
            "telemetry.readings_value_idx"
        )));
        assert!(!k
            .iter()
            .any(|(_, _, o)| o.contains("fresh") || o.contains("energy")));
        // Looser limits: two hours of lag and ten chunks of backlog are fine; small indexes too.
        let loose = Thresholds {
            max_cagg_lag: std::time::Duration::from_secs(7200),
            max_backlog_chunks: 10,
            unused_index_bytes: i64::MAX,
            ..Thresholds::default()
        };
        // (`stale`, 5 h old and behind its policy, is over this limit too)
        let k2: Vec<_> = find(&input, &loose, now()).iter().map(|p| p.kind).collect();
        assert_eq!(
            k2,
            [
                ProblemKind::InvalidIndex,
                ProblemKind::CaggLag,
                ProblemKind::CaggLag,
                ProblemKind::DuplicateIndex
            ]
        );
    }
}

#[cfg(test)]
mod links {
    use super::*;
    use crate::model::fixtures;

    fn now() -> DateTime<Utc> {
        fixtures::t("2026-11-21T12:30:00Z")
    }

    /// Two sessions wait for the same holder — a psql session first, then a job's worker: the
    /// job's problem links to its own worker's wait (by the waiting pid, not by display text),
    /// and Enter on either wait goes to the holder.
    #[test]
    fn a_job_links_to_its_own_workers_lock_wait() {
        let summary = fixtures::summary();
        let mut job = fixtures::job(1000, "policy_compression", Some("readings"), 2, true);
        job.last_error = Some("canceling statement due to lock timeout".into());
        let jobs = [job];
        let holder = fixtures::session(4301, "client backend", "idle in transaction", 60, "LOCK t");
        let mut other = fixtures::session(4300, "psql", "active", 50, "SELECT 1 FROM t");
        other.blocked_by = vec![4301];
        let mut worker = fixtures::session(4302, "Compression Policy [1000]", "active", 40, "CALL");
        worker.blocked_by = vec![4301];
        worker.job_id = Some(1000);
        let sessions = [holder, other, worker];
        let input = Inputs {
            summary: Some(&summary),
            timescaledb: true,
            jobs: Some(&jobs),
            activity: Some(&sessions),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let failing = found
            .iter()
            .find(|p| p.kind == ProblemKind::JobFailing)
            .expect("the job fails");
        assert!(failing.root.is_none(), "a failure is its own cause");
        let waits: Vec<&Problem> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::Blocked)
            .collect();
        assert_eq!(waits.len(), 2);
        for w in &waits {
            assert_eq!(crate::screens::row_id::subject(&w.subject), "4301");
        }
        // a paused policy whose worker waits: the paused root wins; unpaused, overdue and
        // waiting: the worker's own wait
        let mut late = fixtures::job(1000, "policy_compression", Some("readings"), 0, true);
        late.schedule_seconds = Some(60.0);
        late.next_start = Some(now() - chrono::Duration::hours(1));
        let jobs = [late];
        let input = Inputs {
            jobs: Some(&jobs),
            ..input
        };
        let found = find(&input, &Thresholds::default(), now());
        let overdue = found
            .iter()
            .find(|p| p.kind == ProblemKind::JobOverdue)
            .expect("the job is late");
        let root = overdue.root.as_ref().expect("linked");
        assert_eq!(
            root.subject,
            Subject::LockWait {
                waiting: 4302,
                holder: 4301
            }
        );
        assert_eq!(
            overdue.chain[0],
            "job 1000's worker (pid 4302) waits for a lock"
        );
        assert!(overdue.chain[1].starts_with("pid 4302 (job 1000): waits"));
    }

    /// With both worker settings short, an overdue job links to TimescaleDB's background
    /// workers, whichever of the two problems is found first.
    #[test]
    fn an_overdue_job_links_to_the_background_workers_setting() {
        let mut summary = fixtures::summary();
        summary.max_background_workers = Some(2);
        summary.schedulers = 1;
        summary.job_workers = 1;
        summary.max_worker_processes = 4;
        let mut late = fixtures::job(1001, "policy_retention", Some("readings"), 0, true);
        late.schedule_seconds = Some(60.0);
        late.next_start = Some(now() - chrono::Duration::hours(1));
        let jobs = [late];
        let input = Inputs {
            summary: Some(&summary),
            timescaledb: true,
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let capacity: Vec<&Subject> = found
            .iter()
            .filter(|p| p.kind == ProblemKind::WorkerCapacity)
            .map(|p| &p.subject)
            .collect();
        assert_eq!(capacity.len(), 2, "{found:#?}");
        let overdue = found
            .iter()
            .find(|p| p.kind == ProblemKind::JobOverdue)
            .unwrap();
        assert_eq!(
            overdue.root.as_ref().map(|r| &r.subject),
            Some(&Subject::Setting("timescaledb.max_background_workers"))
        );
        assert_eq!(
            overdue.chain[0],
            "job 1001 is overdue: every background worker is in use"
        );
    }
}
