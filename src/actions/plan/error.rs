//! Why a command is not planned: one variant per reason, each said as before. An object is
//! named as the plan shows it (`Relation::shown`).

use std::fmt;

use super::RelationKind;
use crate::actions::columns::ColumnsError;
use crate::actions::parse::Command;

/// Why there is no plan for a command.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanError {
    /// The command's object was not resolved (`what` it should have been).
    Unresolved { what: &'static str },
    /// The object is of another kind than the command takes.
    WrongKind {
        object: String,
        kind: RelationKind,
        wanted: &'static str,
    },
    /// `history` and `rollback`, which the journal answers.
    FromJournal,
    /// The command would change nothing.
    NothingToDo(Nothing),
    /// Apply can do none of the drift; the warnings say why.
    NothingApplyCanDo { warnings: Vec<String> },
    /// A part of what the command needs was not read.
    NotRead { part: Unread, object: String },
    /// Integer time whose `integer_now` cannot be called: which chunks are older is unknown.
    IntegerNowUnknown { object: String, older_than: i64 },
    /// Integer time, and the threshold is not a number.
    IntegerTime { object: String },
    /// A hypertable partitioned by more than time (merge-chunks).
    Dimensions { object: String, dimensions: i32 },
    /// A hypertable (or its index) with no chunks to reindex.
    NoChunksToReindex { object: String },
    /// Reindex of something that is not an index, a table or a hypertable.
    NotReindexable { object: String, kind: RelationKind },
    /// An index that backs a constraint.
    BacksConstraint { object: String },
    /// No job of that id.
    NoSuchJob { job_id: i32 },
    /// A job already paused (`paused`) or scheduled.
    JobAlready { job_id: i32, paused: bool },
    /// start-job of a paused job: the scheduler does not start it.
    JobPaused { job_id: i32 },
    /// No session of that pid.
    NoSuchSession { pid: i32 },
    /// hypertop's own planning session.
    OwnSession { pid: i32 },
    /// A session whose start this role cannot see.
    StartHidden { pid: i32 },
    /// A server process that is not a session, a job worker or autovacuum.
    NotSignalable { pid: i32, backend_type: String },
    /// No policy of that kind (`noun`) to remove.
    NoPolicy { object: String, noun: &'static str },
    /// A `key=value` setting whose value is not what the key takes (`expected`, in words).
    BadSetting {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    /// A policy of which an object has one at most, there already.
    PolicyExists {
        object: String,
        noun: &'static str,
        job_id: i32,
    },
    /// A chunk interval under a minute (`seconds` of it, when known).
    ChunkIntervalTooSmall { wanted: String, seconds: f64 },
    /// A chunk interval over ten years.
    ChunkIntervalTooLarge { wanted: String, seconds: f64 },
    /// The chunk interval it has (`shown` as the plan says it).
    ChunkIntervalAlready { object: String, shown: String },
    /// The compression settings it has.
    CompressionAlready {
        object: String,
        segmentby: String,
        orderby: String,
    },
    /// Compressed chunks where the server keeps one set of settings for all.
    CompressedChunks {
        object: String,
        chunks: i64,
        /// The command that decompresses them.
        decompress: Box<Command>,
    },
    /// The compression settings asked for do not read or name no column of the table.
    Columns(ColumnsError),
    /// The compression settings the table has do not read.
    ColumnsAsTheyAre(ColumnsError),
    /// A policy file's compression settings for `relation` do not read.
    FileColumns {
        relation: String,
        error: ColumnsError,
    },
    /// The compression settings `relation` has now (what a rollback restores) do not read.
    CurrentColumns {
        relation: String,
        error: ColumnsError,
    },
}

/// What a command would find nothing to do about.
#[derive(Debug, Clone, PartialEq)]
pub enum Nothing {
    /// No chunks to compress (`compress`) or decompress, beyond `limit` when given.
    NoChunks {
        object: String,
        compress: bool,
        limit: Option<String>,
    },
    /// No chunk entirely older than the threshold.
    NoneOlder {
        object: String,
        total_chunks: i64,
        older_than: String,
    },
    /// No compressed chunk with batches out of order.
    NothingToCompact { object: String },
    /// No two chunks to merge.
    NothingToMerge {
        object: String,
        older_than: Option<String>,
        target_bytes: i64,
    },
    /// The database has the policy file's policies.
    PoliciesAsInFile,
}

/// A part of a plan's facts that was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    Chunks,
    ContinuousAggregate,
    ChunkInterval,
    CompressionSettings,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PlanError::*;
        match self {
            Unresolved { what } => write!(f, "no {what} resolved"),
            WrongKind {
                object,
                kind,
                wanted,
            } => write!(f, "{object} is a {kind}, not a {wanted}"),
            FromJournal => write!(f, "history and rollback are answered from the journal"),
            NothingToDo(n) => n.fmt(f),
            NothingApplyCanDo { warnings } => {
                write!(f, "nothing apply can do: {}", warnings.join("; "))
            }
            NotRead { part, object } => match part {
                Unread::Chunks => write!(f, "the chunks of {object} were not read"),
                Unread::ContinuousAggregate => {
                    write!(f, "the continuous aggregate {object} was not read")
                }
                Unread::ChunkInterval => write!(f, "the chunk interval of {object} was not read"),
                Unread::CompressionSettings => {
                    write!(f, "the compression settings of {object} were not read")
                }
            },
            IntegerNowUnknown { object, older_than } => write!(
                f,
                "{object} has integer time and its integer_now function cannot be called here: which chunks are older than {older_than} is unknown"
            ),
            IntegerTime { object } => write!(f, "{object} has integer time: give a number"),
            Dimensions { object, dimensions } => write!(
                f,
                "{object} is partitioned by {dimensions} dimensions: merge-chunks merges along time only, and chunks of different space partitions cannot be merged"
            ),
            NoChunksToReindex { object } => write!(f, "{object} has no chunks to reindex"),
            NotReindexable { object, kind } => write!(
                f,
                "{object} is a {kind}; reindex takes an index, a table or a hypertable"
            ),
            BacksConstraint { object } => write!(
                f,
                "{object} backs a constraint (primary key, unique or exclusion): drop the constraint instead"
            ),
            NoSuchJob { job_id } => write!(f, "job {job_id} does not exist"),
            JobAlready { job_id, paused } => write!(
                f,
                "job {job_id} is already {}",
                if *paused { "paused" } else { "scheduled" }
            ),
            JobPaused { job_id } => write!(
                f,
                "job {job_id} is paused: the scheduler does not start it (resume-job {job_id} first, or run-job {job_id} to run it in this session)"
            ),
            NoSuchSession { pid } => write!(
                f,
                "no session with pid {pid} (it ended, or is on another server)"
            ),
            OwnSession { pid } => write!(f, "pid {pid} is hypertop's own planning session"),
            StartHidden { pid } => write!(
                f,
                "pid {pid}'s start is not visible to this role: hypertop signals only a session it can tell from a later one given the same pid"
            ),
            NotSignalable { pid, backend_type } => write!(
                f,
                "pid {pid} is PostgreSQL's or TimescaleDB's {}: hypertop signals sessions, job workers and autovacuum only",
                if backend_type.is_empty() {
                    "process"
                } else {
                    backend_type
                }
            ),
            NoPolicy { object, noun } => write!(f, "{object} has no {noun} policy"),
            BadSetting {
                key,
                value,
                expected,
            } => write!(
                f,
                "{key}={}: {key} takes {expected}",
                crate::format::printable(value)
            ),
            PolicyExists {
                object,
                noun,
                job_id,
            } => write!(
                f,
                "{object} has a {noun} policy already (job {job_id}): change its schedule with set-schedule {job_id}, or remove it first"
            ),
            ChunkIntervalTooSmall { wanted, seconds } => write!(
                f,
                "a chunk interval of {wanted} makes a chunk every {}: give at least a minute (chunks are sized so the ones being written fit a quarter of memory: hours or days, usually)",
                if *seconds < 1.0 {
                    "fraction of a second".to_string()
                } else {
                    crate::format::seconds(*seconds)
                }
            ),
            ChunkIntervalTooLarge { wanted, seconds } => write!(
                f,
                "a chunk interval of {wanted} ({}) puts years of data in one chunk, which retention and compression then treat as one: give at most 10 years",
                crate::format::seconds(*seconds)
            ),
            ChunkIntervalAlready { object, shown } => {
                write!(f, "the chunk interval of {object} is {shown} already")
            }
            CompressionAlready {
                object,
                segmentby,
                orderby,
            } => write!(
                f,
                "{object} is compressed with segmentby {segmentby} and orderby {orderby} already"
            ),
            CompressedChunks {
                object,
                chunks,
                decompress,
            } => write!(
                f,
                "this TimescaleDB keeps one set of compression settings for every chunk and refuses a change while {chunks} chunks of {object} are compressed: {decompress} first, then set-compression, then compress it again"
            ),
            Columns(e) => e.fmt(f),
            ColumnsAsTheyAre(e) => write!(f, "the compression settings as they are: {e}"),
            FileColumns { relation, error } => write!(f, "{relation}: compression: {error}"),
            CurrentColumns { relation, error } => {
                write!(f, "{relation}: compression now: {error}")
            }
        }
    }
}

impl fmt::Display for Nothing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Nothing::NoChunks {
                object,
                compress,
                limit,
            } => write!(
                f,
                "nothing to do: {object} has no {} chunks{}",
                if *compress {
                    "uncompressed"
                } else {
                    "compressed"
                },
                limit
                    .as_ref()
                    .map(|i| format!(
                        " {} than {i}",
                        if *compress { "older" } else { "newer" }
                    ))
                    .unwrap_or_default()
            ),
            Nothing::NoneOlder {
                object,
                total_chunks,
                older_than,
            } => write!(
                f,
                "nothing to do: none of the {total_chunks} chunks of {object} is entirely older than {older_than}"
            ),
            Nothing::NothingToCompact { object } => write!(
                f,
                "nothing to do: no compressed chunk of {object} holds batches out of order (a chunk written into since is compressed again by compress, not compacted)"
            ),
            Nothing::NothingToMerge {
                object,
                older_than,
                target_bytes,
            } => write!(
                f,
                "nothing to do: no two chunks of {object}{} are next to each other in time, alike compressed, not being written and together under {}",
                older_than
                    .as_ref()
                    .map(|i| format!(" entirely older than {i}"))
                    .unwrap_or_default(),
                crate::format::bytes(*target_bytes)
            ),
            Nothing::PoliciesAsInFile => {
                write!(f, "nothing to do: the database has the file's policies")
            }
        }
    }
}

impl std::error::Error for PlanError {}

impl From<ColumnsError> for PlanError {
    fn from(e: ColumnsError) -> Self {
        PlanError::Columns(e)
    }
}
