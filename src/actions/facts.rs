//! What a command acts on, as read from the catalog: the relation a name resolved to, a job's
//! settings, the chunks and impact under a threshold, and what each family needs besides.
//! Read by `resolve` and the families' `facts` hooks, planned from by `plan` (pure): below both.

use crate::command::spec::family;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr};

use super::parse;
use super::{Confirm, Object, Template};
use crate::policy::Part;

/// What kind of relation a name resolved to (`queries/actions/resolve.sql` decides).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, IntoStaticStr, Display, EnumString,
)]
#[strum(serialize_all = "lowercase")]
pub enum RelationKind {
    Hypertable,
    /// A continuous aggregate.
    Cagg,
    Chunk,
    /// An index on a hypertable (each chunk has its own copy).
    #[strum(serialize = "hypertable index")]
    HypertableIndex,
    Index,
    /// A table, partitioned table or materialized view.
    Table,
    Other,
}

impl RelationKind {
    /// From the `kind` column of resolve.sql.
    pub fn from_sql(kind: &str) -> RelationKind {
        kind.parse().unwrap_or(RelationKind::Other)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What an object name resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub kind: RelationKind,
}

impl Relation {
    /// The confirmation for what drops its data: its name typed.
    pub fn confirm_by_name(&self) -> Confirm {
        Confirm::TypeRelation {
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    /// The parameter that names it in a statement: its oid (`$n::text::oid::regclass`).
    pub fn regclass(&self) -> String {
        self.oid.to_string()
    }

    pub fn target(&self) -> Object {
        Object {
            oid: self.oid,
            schema: self.schema.clone(),
            name: self.name.clone(),
        }
    }

    pub fn shown(&self) -> String {
        crate::format::qualified(&self.schema, &self.name)
    }

    /// Its name as a command writes it.
    pub fn object_name(&self) -> parse::ObjectName {
        parse::ObjectName::qualified(&self.schema, &self.name)
    }
}

/// A job's settings as the catalog has them (captured before a change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSettings {
    pub job_id: i32,
    pub proc_name: String,
    #[serde(default)]
    pub proc_schema: String,
    #[serde(default)]
    pub owner: Option<String>,
    pub scheduled: bool,
    pub schedule_interval: String,
    pub max_runtime: String,
    pub max_retries: i32,
    pub retry_period: String,
    pub config: Option<serde_json::Value>,
    /// When it next runs (as the server prints it), if scheduled.
    #[serde(default)]
    pub next_start: Option<String>,
    /// It runs at fixed times from `initial_start` (in `timezone`), not each interval after
    /// its last run ended.
    #[serde(default)]
    pub fixed_schedule: bool,
    #[serde(default)]
    pub initial_start: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Its owner's role name as the catalog has it (the job runs with that role's rights).
    #[serde(default)]
    pub owner_role: Option<String>,
}

/// Everything `plan` needs to know about the database, read by `resolve`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    pub relation: Option<Relation>,
    /// The job named by id, or the relation's policy of the kind the command is about.
    pub job: Option<JobSettings>,
    /// Chunks (or chunk indexes) the command will act on.
    pub items: Vec<Object>,
    /// The relation's time is an integer (a refresh's window, a threshold are numbers), and,
    /// for a refresh, the policy's window when none was given.
    pub integer_time: bool,
    /// Integer time: its "now" from its integer_now function, when monitoring may call it.
    pub integer_now: Option<i64>,
    /// Drop-index: the definition (kept in the journal) and whether it backs a constraint.
    pub index_definition: Option<String>,
    pub index_backs_constraint: bool,
    /// TimescaleDB's schema, quoted: its functions are called schema-qualified.
    pub ts: String,
    /// What dropping or compressing under the command's threshold would touch.
    pub impact: Option<Impact>,
    /// The same under the policy's threshold as it is now (what its next run does anyway).
    pub impact_now: Option<Impact>,
    /// The session a cancel or terminate is about.
    pub session: Option<SessionFacts>,
    /// set-chunk-interval: the time dimension as it is.
    pub chunk_interval: Option<ChunkInterval>,
    /// set-compression: the settings as they are.
    pub compression: Option<CompressionNow>,
    /// set-compression: the hypertable's columns, as its catalog names them.
    pub columns: Vec<String>,
    /// refresh: the aggregate as it stands and what its window reads.
    pub refresh: Option<RefreshFacts>,
    /// compress, decompress: what the chunks weigh, and what was left out and why.
    pub chunk_work: Option<ChunkWork>,
    /// The server has the columnstore's procedures and words (TimescaleDB 2.18+).
    pub columnstore: Columnstore,
    /// merge-chunks: the hypertable's chunks along its time.
    pub merge: Option<MergeFacts>,
    /// compress-chunk: the chunk is being written (its range reaches now, or it is the newest).
    pub chunk_live: bool,
    /// The server's alter_job clears a job's time zone it is not given (2.12+).
    pub alter_job_clears_timezone: bool,
    /// The server has compaction policies (2.29+).
    pub compaction_policy: bool,
}

impl Facts {
    /// The time zone a change to `job` must give back after altering it, if any.
    pub fn timezone_to_keep<'a>(&self, job: &'a JobSettings) -> Option<&'a str> {
        timezone_kept(self.alter_job_clears_timezone, job)
    }
}

/// The time zone of `job`'s fixed schedule where `clears`: alter_job clears it there.
pub fn timezone_kept(clears: bool, job: &JobSettings) -> Option<&str> {
    job.timezone.as_deref().filter(|_| clears)
}

/// merge-chunks: the hypertable's chunks along its time, and how the server merges them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergeFacts {
    pub chunks: Vec<MergeCandidate>,
    /// The hypertable's dimensions (merging along time only: one).
    pub dimensions: i32,
    /// merge_chunks_concurrently exists (2.24+): reads and writes go on but for the swap.
    pub concurrently: bool,
    /// Known bugs of the installed release in merging (`releases::KNOWN_BUGS`), in words.
    pub known_bugs: Vec<String>,
    /// The installed release merges compressed chunks concurrently wrongly: why, in words
    /// (they are merged with the blocking merge_chunks).
    pub compressed_blocking: Option<String>,
}

/// A chunk as merge-chunks weighs it: its range in TimescaleDB's internal numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeCandidate {
    pub object: Object,
    pub start: i64,
    pub end: i64,
    pub compressed: bool,
    /// Inside the bound given (every chunk without one).
    pub selected: bool,
    /// Being written: its range reaches now, or it is the newest.
    pub live: bool,
    pub bytes: i64,
}

/// Which of TimescaleDB's statements compression takes here: the columnstore's (2.18+, where the
/// old names are deprecated "to be removed with the next major release") or the old ones, told
/// from the catalog ([`crate::capabilities::TimescaleFeatures::columnstore`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Columnstore(pub bool);

impl Columnstore {
    fn pick<T>(self, old: T, new: T) -> T {
        if self.0 {
            new
        } else {
            old
        }
    }

    pub fn compress_chunk(self) -> Template {
        self.pick(Template::CompressChunk, Template::ConvertToColumnstore)
    }

    pub fn decompress_chunk(self) -> Template {
        self.pick(Template::DecompressChunk, Template::ConvertToRowstore)
    }

    pub fn add_policy(self) -> Template {
        self.pick(
            Template::AddCompressionPolicy,
            Template::AddColumnstorePolicy,
        )
    }

    pub fn remove_policy(self) -> Template {
        self.pick(
            Template::RemoveCompressionPolicy,
            Template::RemoveColumnstorePolicy,
        )
    }

    pub fn set(self) -> Template {
        self.pick(Template::SetCompression, Template::SetColumnstore)
    }

    pub fn set_segmentby(self) -> Template {
        self.pick(
            Template::SetCompressionSegmentby,
            Template::SetColumnstoreSegmentby,
        )
    }

    pub fn reset_orderby(self) -> Template {
        self.pick(
            Template::ResetCompressionOrderby,
            Template::ResetColumnstoreOrderby,
        )
    }

    pub fn unset(self) -> Template {
        self.pick(Template::UnsetCompression, Template::UnsetColumnstore)
    }

    /// Converting `what` (`3 chunks`, a chunk's name) as the server calls it: to the
    /// columnstore or back with the old word beside it, or compress / decompress.
    pub fn converting(self, compress: bool, what: &str) -> String {
        match (self.0, compress) {
            (true, true) => format!("convert {what} to the columnstore (compress)"),
            (true, false) => format!("convert {what} to the rowstore (decompress)"),
            (false, true) => format!("compress {what}"),
            (false, false) => format!("decompress {what}"),
        }
    }

    /// The feature's name here.
    pub fn noun(self) -> &'static str {
        self.pick("compression", "columnstore")
    }
}

/// What compressing or decompressing the chosen chunks involves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkWork {
    /// Why these chunks, when the command gave no bound: its default, in words.
    pub default: Option<String>,
    /// Chosen chunks that are being written (their range reaches now, or the newest).
    pub live: Vec<String>,
    /// Chunks in the same state left out, and whether the one being written is among them.
    pub spared: i64,
    pub spared_live: bool,
    /// What the chosen chunks weigh now, and before compression (equal when uncompressed).
    pub bytes: i64,
    pub bytes_before: i64,
    /// The table's compression ratio so far (bytes before over after), where it has any.
    pub ratio: Option<f64>,
    /// Bytes per second of the same work on this table before, and over how many runs
    /// (hypertop's journal).
    pub rate: Option<(f64, usize)>,
    /// The continuous aggregate the command named, whose materialization this is.
    pub cagg: Option<Relation>,
}

/// A continuous aggregate about to be refreshed, in TimescaleDB's internal units (µs since the
/// epoch for time, the integer for integer time).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RefreshFacts {
    pub integer_time: bool,
    /// The server's now (integer time: its integer_now; None when that cannot be called).
    pub now: Option<i64>,
    /// The end of materialized data; None when never refreshed.
    pub watermark: Option<i64>,
    /// Its refresh policy's start and end offsets (None: open).
    pub policy: Option<(Option<i64>, Option<i64>)>,
    /// The refresh policy's runs so far and their mean length (seconds).
    pub policy_runs: Option<(i64, f64)>,
    /// One bucket, where its width is fixed.
    pub bucket: Option<i64>,
    /// The chunk interval of what it reads.
    pub chunk_interval: Option<i64>,
    /// The command's own window, read as internal units.
    pub given: Option<(Option<i64>, Option<i64>)>,
    /// Where the data it reads starts (its first chunk).
    pub data_start: Option<i64>,
    /// What the window about to be refreshed reads, and how many chunks with data lie between
    /// the watermark and the window's start.
    pub chunks: i64,
    pub rows: i64,
    pub bytes: i64,
    pub gap_chunks: i64,
    /// `schema.name` of what it reads.
    pub source: String,
}

/// A hypertable's time dimension as `queries/actions/chunk_interval.sql` reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChunkInterval {
    pub column: String,
    pub integer_time: bool,
    /// The interval as the server prints its microseconds (`168:00:00`), or integer units.
    pub interval: String,
    /// Where the newest chunk ends (a time, or an integer): the next chunk starts there.
    pub newest_end: Option<String>,
}

/// A hypertable's compression as `queries/actions/compression_now.sql` reads it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CompressionNow {
    pub enabled: bool,
    pub segmentby: String,
    pub orderby: String,
    pub compressed_chunks: i64,
    /// The catalog keeps settings per chunk (2.14+): compressed chunks keep theirs, and a
    /// change is allowed while chunks are compressed.
    pub per_chunk: bool,
}

/// A server process as `pg_stat_activity` showed it when the plan was made.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionFacts {
    pub pid: i32,
    pub backend_type: String,
    pub username: Option<String>,
    pub application: Option<String>,
    pub database: Option<String>,
    pub state: Option<String>,
    pub query: Option<String>,
    pub state_seconds: Option<f64>,
    /// hypertop's own planning session.
    pub is_self: bool,
    /// What tells it from a later session given the same pid: its start (as the server
    /// prints it) and its role's oid.
    #[serde(default)]
    pub backend_start: Option<String>,
    #[serde(default)]
    pub role_oid: Option<i64>,
}

/// The chunks a threshold reaches on one hypertable or cagg, against all of its chunks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Impact {
    pub chunks: i64,
    pub bytes: i64,
    pub total_chunks: i64,
    pub total_bytes: i64,
    /// The time range of those chunks (start of the oldest, end of the newest).
    pub first: Option<String>,
    pub last: Option<String>,
    /// Integer time: an interval threshold does not apply, so there is nothing to count.
    pub integer_time: bool,
}

impl Impact {
    /// `36 of 120 chunks (13 MiB, 42% of the data), 2026-10-01 00:00 → 2026-10-05 00:00`.
    pub fn describe(&self) -> String {
        let share = if self.total_bytes > 0 {
            format!(
                ", {:.0}% of the data",
                100.0 * self.bytes as f64 / self.total_bytes as f64
            )
        } else {
            String::new()
        };
        let range = match (&self.first, &self.last) {
            (Some(a), Some(b)) => format!(", {a} → {b}"),
            _ => String::new(),
        };
        format!(
            "{} of {} chunks ({}{share}){range}",
            self.chunks,
            self.total_chunks,
            crate::format::bytes(self.bytes)
        )
    }
}

/// The three kinds of policy job the palette manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    Compression,
    Retention,
    Refresh,
    /// 2.29+: compact_chunk by policy.
    Compaction,
}

impl PolicyKind {
    /// The policy a command sets or removes.
    pub fn of(cmd: &family::Policies) -> PolicyKind {
        match cmd {
            family::Policies::SetCompressAfter { .. }
            | family::Policies::RemoveCompressionPolicy { .. } => PolicyKind::Compression,
            family::Policies::SetRetention { .. }
            | family::Policies::RemoveRetentionPolicy { .. } => PolicyKind::Retention,
            family::Policies::SetRefreshPolicy { .. }
            | family::Policies::RemoveRefreshPolicy { .. } => PolicyKind::Refresh,
            family::Policies::AddCompactionPolicy { .. }
            | family::Policies::RemoveCompactionPolicy { .. } => PolicyKind::Compaction,
        }
    }

    /// The policy's name in words (`compression`, `retention`, `refresh`).
    pub fn noun(self) -> &'static str {
        match self {
            PolicyKind::Compression => "compression",
            PolicyKind::Retention => "retention",
            PolicyKind::Refresh => "refresh",
            PolicyKind::Compaction => "compaction",
        }
    }

    /// The job's procedure (`_timescaledb_functions.policy_compression`…).
    pub fn proc_name(self) -> &'static str {
        match self {
            PolicyKind::Compression => "policy_compression",
            PolicyKind::Retention => "policy_retention",
            PolicyKind::Refresh => "policy_refresh_continuous_aggregate",
            PolicyKind::Compaction => "policy_compaction",
        }
    }

    /// What it can be attached to.
    pub fn applies_to(self) -> &'static [RelationKind] {
        match self {
            PolicyKind::Compression => &[RelationKind::Hypertable],
            PolicyKind::Retention => &[RelationKind::Hypertable, RelationKind::Cagg],
            PolicyKind::Refresh => &[RelationKind::Cagg],
            PolicyKind::Compaction => &[RelationKind::Hypertable],
        }
    }

    /// The config key a threshold command sets (`compress_after`, `drop_after`).
    pub(crate) fn threshold_key(self) -> &'static str {
        match self {
            PolicyKind::Compression => "compress_after",
            PolicyKind::Retention => "drop_after",
            PolicyKind::Refresh => "start_offset",
            // no threshold: it compacts whatever is partly compressed
            PolicyKind::Compaction => "inactive_for",
        }
    }
}

/// What of the batching a refresh policy takes on this server, from
/// `add_continuous_aggregate_policy`'s arguments: buckets and batches (2.19+), the newest
/// first (2.20+).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct RefreshBatchingArgs {
    pub batches: bool,
    pub newest_first: bool,
}

impl RefreshBatchingArgs {
    pub fn of(caps: &crate::capabilities::Capabilities) -> RefreshBatchingArgs {
        let ts = caps.timescaledb.as_ref();
        RefreshBatchingArgs {
            batches: ts.is_some_and(|t| t.refresh_batching),
            newest_first: ts.is_some_and(|t| t.refresh_newest_first),
        }
    }
}

/// What planning an apply needs from the database besides the drift: each relation the file
/// names (resolved to its oid), the settings of every job it changes, and what a new or
/// shorter retention would drop.
#[derive(Debug, Clone, Default)]
pub struct ApplyFacts {
    pub ts: String,
    pub relations: BTreeMap<String, Relation>,
    pub jobs: BTreeMap<i32, JobSettings>,
    /// The job of each (relation, part) the database has.
    pub job_of: BTreeMap<(String, Part), i32>,
    /// What of a refresh policy's batching the server takes.
    pub refresh_batching: RefreshBatchingArgs,
    /// Every refresh policy of each cagg whose refresh policies drift (a cagg may have
    /// several): its job and the policy as the file writes it; the job's settings in `jobs`.
    pub refresh_jobs: BTreeMap<String, Vec<(i32, crate::policy::RefreshPolicy)>>,
    /// Compression settings as the database has them (to restore).
    pub compression: BTreeMap<String, Option<(String, String)>>,
    /// The columns of each relation whose compression settings change.
    pub columns: BTreeMap<String, Vec<String>>,
    pub impact: BTreeMap<String, Impact>,
    /// The policies the server can add by creation time (retention from 2.13).
    pub created_before: BTreeSet<Part>,
    /// Continuous aggregates on another one (by the file's names).
    pub hierarchical: BTreeSet<String>,
    /// The server's TimescaleDB version, for what it is known to refuse.
    pub version: String,
    /// The columnstore's statements, where the server has them.
    pub columnstore: Columnstore,
    /// The server's alter_job clears a job's time zone it is not given (2.12+).
    pub alter_job_clears_timezone: bool,
    /// The server has compaction policies (2.29+).
    pub compaction_policy: bool,
}
