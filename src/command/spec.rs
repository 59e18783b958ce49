//! The palette's commands, spelled once: each `Command` variant and its row — name, synopsis,
//! help, its arguments' grammar, whether it changes the database, and how its values become
//! the command and back. Parsing, `Display`, completion, the hint line, the help overlay,
//! `run --help` and which family resolves and plans it all read this table.

use super::error::ParseError;
pub use super::grammar::Arg;
use super::grammar::{Field, Param, Value, Values};
use super::words::{Interval, ObjectName, WindowBound};

/// A parsed command; its name (kebab-case, as typed) is the table's key. Grouped by the family
/// whose file under `actions/plan/` reads its facts and plans it: a family's plan matches its own
/// commands only, with no catch-all, so a new command does not compile until it is planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// refresh.
    Refresh(family::Refresh),
    /// compress, decompress, drop-chunks.
    Chunks(family::Chunks),
    /// reindex, drop-index.
    Indexes(family::Indexes),
    /// run-job, start-job, pause-job, resume-job, set-schedule.
    Jobs(family::Jobs),
    /// the policies' thresholds, schedules and removal.
    Policies(family::Policies),
    /// set-chunk-interval, set-compression.
    Settings(family::Settings),
    /// merge-chunks, compact.
    Merge(family::Merge),
    /// cancel-backend, terminate-backend.
    Sessions(family::Sessions),
    /// history, rollback: planned from the journal.
    Journal(family::Journal),
}

/// Each family's commands (see [`Command`]).
pub mod family {
    use super::{Interval, ObjectName, WindowBound};
    use strum::IntoStaticStr;

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Refresh {
        Refresh {
            cagg: ObjectName,
            window: Option<(WindowBound, WindowBound)>,
            /// TimescaleDB's incremental refresh (2.28+), as typed; None: not asked.
            buckets_per_batch: Option<String>,
            max_batches_per_execution: Option<String>,
            refresh_newest_first: Option<String>,
        },
    }

    impl Refresh {
        /// A refresh of `cagg` over `window` (its policy's where None), in hypertop's batches.
        pub fn over(cagg: ObjectName, window: Option<(WindowBound, WindowBound)>) -> Refresh {
            Refresh::Refresh {
                cagg,
                window,
                buckets_per_batch: None,
                max_batches_per_execution: None,
                refresh_newest_first: None,
            }
        }
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Chunks {
        Compress {
            hypertable: ObjectName,
            older_than: Option<Interval>,
        },
        #[strum(serialize = "compress")]
        CompressChunk { chunk: ObjectName },
        Decompress {
            hypertable: ObjectName,
            newer_than: Option<Interval>,
        },
        #[strum(serialize = "decompress")]
        DecompressChunk { chunk: ObjectName },
        DropChunks {
            relation: ObjectName,
            older_than: Interval,
        },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Indexes {
        Reindex { target: ObjectName },
        DropIndex { index: ObjectName },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Jobs {
        RunJob { job_id: i32 },
        StartJob { job_id: i32 },
        PauseJob { job_id: i32 },
        ResumeJob { job_id: i32 },
        SetSchedule { job_id: i32, every: Interval },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Policies {
        SetCompressAfter {
            hypertable: ObjectName,
            after: Interval,
        },
        RemoveCompressionPolicy {
            hypertable: ObjectName,
        },
        SetRetention {
            relation: ObjectName,
            after: Interval,
        },
        RemoveRetentionPolicy {
            relation: ObjectName,
        },
        SetRefreshPolicy {
            cagg: ObjectName,
            start_offset: Interval,
            end_offset: Interval,
            every: Interval,
            /// Its batching (TimescaleDB 2.19+), as typed; None: left as it is.
            buckets_per_batch: Option<String>,
            max_batches_per_execution: Option<String>,
            refresh_newest_first: Option<String>,
        },
        RemoveRefreshPolicy {
            cagg: ObjectName,
        },
        AddCompactionPolicy {
            hypertable: ObjectName,
            /// Its limits (TimescaleDB's `max_chunks`, `max_batches`, `inactive_for`), as typed;
            /// None: TimescaleDB's default.
            max_chunks: Option<String>,
            max_batches: Option<String>,
            inactive_for: Option<String>,
        },
        RemoveCompactionPolicy {
            hypertable: ObjectName,
        },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Settings {
        SetChunkInterval {
            hypertable: ObjectName,
            interval: Interval,
        },
        /// Compression settings: each list as SQL (`device, site`; `"ts" DESC`); None keeps it.
        SetCompression {
            hypertable: ObjectName,
            segmentby: Option<String>,
            orderby: Option<String>,
        },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Merge {
        MergeChunks {
            hypertable: ObjectName,
            older_than: Option<Interval>,
        },
        Compact {
            hypertable: ObjectName,
            /// At most this many batches a chunk (TimescaleDB's `max_batches`), as typed; None:
            /// every one.
            max_batches: Option<String>,
        },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Sessions {
        CancelBackend { pid: i32 },
        TerminateBackend { pid: i32 },
    }

    #[derive(Debug, Clone, PartialEq, Eq, IntoStaticStr)]
    #[strum(serialize_all = "kebab-case")]
    pub enum Journal {
        History,
        Rollback { entry: Option<String> },
    }
}

/// Builds a `Command` from its values (a row's `build`).
pub type Build = fn(&mut Values) -> Result<Command, ParseError>;
/// A `Command`'s values, when it is this row's (a row's `values`).
pub type Take = fn(&Command) -> Option<Vec<Value>>;

/// Another form of a command: `compress chunk <chunk>` beside `compress <hypertable> …`.
#[derive(Debug)]
pub struct Form {
    /// The word that chooses it (`chunk`), then one object of this kind.
    pub word: &'static str,
    pub object: Param,
    pub build: Build,
    pub values: Take,
}

impl Command {
    /// The command's name, as in the table.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Refresh(c) => c.into(),
            Command::Chunks(c) => c.into(),
            Command::Indexes(c) => c.into(),
            Command::Jobs(c) => c.into(),
            Command::Policies(c) => c.into(),
            Command::Settings(c) => c.into(),
            Command::Merge(c) => c.into(),
            Command::Sessions(c) => c.into(),
            Command::Journal(c) => c.into(),
        }
    }

    /// Changes the database (refused under --read-only).
    pub fn is_mutating(&self) -> bool {
        find(self.name()).is_none_or(|s| s.mutating)
    }

    /// Which family resolves and plans it.
    pub fn family(&self) -> Family {
        match self {
            Command::Refresh(_) => Family::Refresh,
            Command::Chunks(_) => Family::Chunks,
            Command::Indexes(_) => Family::Indexes,
            Command::Jobs(_) => Family::Jobs,
            Command::Policies(_) => Family::Policies,
            Command::Settings(_) => Family::Settings,
            Command::Merge(_) => Family::Merge,
            Command::Sessions(_) => Family::Sessions,
            Command::Journal(_) => Family::Journal,
        }
    }
}

/// A family of commands: one file under `actions/plan/` reads what its commands act on (I/O)
/// and plans them (pure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// refresh.
    Refresh,
    /// compress, decompress, drop-chunks.
    Chunks,
    /// merge-chunks, compact.
    Merge,
    /// reindex, drop-index.
    Indexes,
    /// run-job, start-job, pause-job, resume-job, set-schedule.
    Jobs,
    /// the policies' thresholds, schedules and removal.
    Policies,
    /// cancel-backend, terminate-backend.
    Sessions,
    /// set-chunk-interval, set-compression.
    Settings,
    /// history, rollback: planned from the journal.
    Journal,
}

impl Family {
    /// Its commands need TimescaleDB (reindex, drop-index and the sessions' do not).
    pub fn needs_timescaledb(self) -> bool {
        !matches!(self, Family::Indexes | Family::Sessions)
    }
}

/// One command of the palette (and of `hypertop run`).
#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    pub synopsis: &'static str,
    pub help: &'static str,
    /// Its arguments in order, one per field of its variant.
    pub params: &'static [Param],
    /// Changes the database (refused under --read-only).
    pub mutating: bool,
    /// The family whose file reads its facts and makes its plan.
    pub family: Family,
    /// Its variant from the values its params read.
    pub build: Build,
    /// Its variant's values, for `Display` (None for another command).
    pub values: Take,
    /// Its `chunk <chunk>` form (compress, decompress).
    pub chunk: Option<Form>,
}

/// A row: the command `$name` is the variant `$variant`, each field read by its param.
macro_rules! row {
    ($name:literal, $family:ident, $variant:ident { $($field:ident: $param:expr),* $(,)? },
     $synopsis:literal, $help:literal $(,)?) => {
        Spec {
            name: $name,
            synopsis: $synopsis,
            help: $help,
            params: &[$($param),*],
            mutating: true,
            family: Family::$family,
            build: |_v: &mut Values| Ok(Command::$family(family::$family::$variant { $($field: _v.take()?),* })),
            values: |cmd| match cmd {
                Command::$family(family::$family::$variant { $($field),* }) => Some(vec![$(Field::value($field)),*]),
                _ => None,
            },
            chunk: None,
        }
    };
}

/// The `chunk <chunk>` form (of a chunk command): the variant `$variant` with its one field.
macro_rules! chunk_form {
    ($variant:ident { $field:ident }) => {
        Some(Form {
            word: "chunk",
            object: P::Object(Arg::Chunk, "chunk"),
            build: |v: &mut Values| {
                Ok(Command::Chunks(family::Chunks::$variant {
                    $field: v.take()?,
                }))
            },
            values: |cmd| match cmd {
                Command::Chunks(family::Chunks::$variant { $field }) => {
                    Some(vec![Field::value($field)])
                }
                _ => None,
            },
        })
    };
}

use Param as P;

const CAGG: Param = P::Object(Arg::Cagg, "continuous aggregate");
const HYPERTABLE: Param = P::Object(Arg::Hypertable, "hypertable");
const HYPERTABLE_OR_CAGG: Param =
    P::Object(Arg::HypertableOrCagg, "hypertable or continuous aggregate");

pub const COMMANDS: &[Spec] = &[
    row!(
        "refresh",
        Refresh,
        Refresh {
            cagg: CAGG,
            window: P::Window,
            buckets_per_batch: P::Option("buckets_per_batch"),
            max_batches_per_execution: P::Option("max_batches_per_execution"),
            refresh_newest_first: P::Option("refresh_newest_first"),
        },
        "<cagg> [<from> <to>] [buckets_per_batch=<n>] [max_batches_per_execution=<n>] [refresh_newest_first=<true|false>]",
        "refresh a continuous aggregate over its policy's window, or the one given (in TimescaleDB's batches where asked)",
    ),
    Spec {
        chunk: chunk_form!(CompressChunk { chunk }),
        ..row!(
            "compress",
            Chunks,
            Compress {
                hypertable: P::Object(Arg::HypertableOrChunk, "hypertable"),
                older_than: P::Tail("older-than"),
            },
            "<hypertable> [older-than <interval>] | chunk <chunk>",
            "compress a hypertable's chunks (one transaction each), or one chunk",
        )
    },
    Spec {
        chunk: chunk_form!(DecompressChunk { chunk }),
        ..row!(
            "decompress",
            Chunks,
            Decompress {
                hypertable: P::Object(Arg::HypertableOrChunk, "hypertable"),
                newer_than: P::Tail("newer-than"),
            },
            "<hypertable> [newer-than <interval>] | chunk <chunk>",
            "decompress a hypertable's chunks, or one chunk",
        )
    },
    row!(
        "reindex",
        Indexes,
        Reindex {
            target: P::Object(Arg::Reindexable, "index, table or hypertable")
        },
        "<index | table | hypertable>",
        "REINDEX CONCURRENTLY (a hypertable chunk by chunk)",
    ),
    row!(
        "run-job",
        Jobs,
        RunJob { job_id: P::Job },
        "<job id>",
        "run a job now"
    ),
    row!(
        "start-job",
        Jobs,
        StartJob { job_id: P::Job },
        "<job id>",
        "have the scheduler start a job now, as its owner (next start set to now)"
    ),
    row!(
        "pause-job",
        Jobs,
        PauseJob { job_id: P::Job },
        "<job id>",
        "pause a job"
    ),
    row!(
        "resume-job",
        Jobs,
        ResumeJob { job_id: P::Job },
        "<job id>",
        "resume a paused job"
    ),
    row!(
        "set-schedule",
        Jobs,
        SetSchedule {
            job_id: P::Job,
            every: P::Interval("the schedule interval")
        },
        "<job id> <interval>",
        "change how often a job runs",
    ),
    row!(
        "set-compress-after",
        Policies,
        SetCompressAfter {
            hypertable: HYPERTABLE,
            after: P::Interval("compress_after")
        },
        "<hypertable> <interval>",
        "change (or add) a compression policy's threshold",
    ),
    row!(
        "set-chunk-interval",
        Settings,
        SetChunkInterval {
            hypertable: HYPERTABLE,
            interval: P::Interval("the chunk interval")
        },
        "<hypertable> <interval>",
        "change a hypertable's chunk interval (new chunks only)",
    ),
    row!(
        "set-compression",
        Settings,
        SetCompression {
            hypertable: HYPERTABLE,
            segmentby: P::Setting("segmentby"),
            orderby: P::Setting("orderby"),
        },
        "<hypertable> segmentby='<columns>' orderby='<columns>'",
        "change (or turn on) a hypertable's compression settings",
    ),
    row!(
        "remove-compression-policy",
        Policies,
        RemoveCompressionPolicy {
            hypertable: HYPERTABLE
        },
        "<hypertable>",
        "remove a compression policy",
    ),
    row!(
        "set-retention",
        Policies,
        SetRetention {
            relation: HYPERTABLE_OR_CAGG,
            after: P::Interval("drop_after")
        },
        "<hypertable | cagg> <interval>",
        "change (or add) a retention policy's drop_after",
    ),
    row!(
        "remove-retention-policy",
        Policies,
        RemoveRetentionPolicy {
            relation: HYPERTABLE_OR_CAGG
        },
        "<hypertable | cagg>",
        "remove a retention policy",
    ),
    row!(
        "set-refresh-policy",
        Policies,
        SetRefreshPolicy {
            cagg: CAGG,
            start_offset: P::Interval("the start offset"),
            end_offset: P::Interval("the end offset"),
            every: P::Interval("the schedule interval"),
            buckets_per_batch: P::Option("buckets_per_batch"),
            max_batches_per_execution: P::Option("max_batches_per_execution"),
            refresh_newest_first: P::Option("refresh_newest_first"),
        },
        "<cagg> <start-offset> <end-offset> <schedule> [buckets_per_batch=<n>] [max_batches_per_execution=<n>] [refresh_newest_first=<true|false>]",
        "change (or add) a continuous aggregate's refresh policy, and its batching",
    ),
    row!(
        "remove-refresh-policy",
        Policies,
        RemoveRefreshPolicy { cagg: CAGG },
        "<cagg>",
        "remove a refresh policy",
    ),
    row!(
        "add-compaction-policy",
        Policies,
        AddCompactionPolicy {
            hypertable: HYPERTABLE,
            max_chunks: P::Option("max_chunks"),
            max_batches: P::Option("max_batches"),
            inactive_for: P::Option("inactive_for")
        },
        "<hypertable> [max_chunks=<n>] [max_batches=<n>] [inactive_for=<interval>]",
        "compact partly compressed chunks by policy (TimescaleDB 2.29+)",
    ),
    row!(
        "remove-compaction-policy",
        Policies,
        RemoveCompactionPolicy {
            hypertable: HYPERTABLE
        },
        "<hypertable>",
        "remove a compaction policy",
    ),
    row!(
        "drop-index",
        Indexes,
        DropIndex {
            index: P::Object(Arg::Index, "index")
        },
        "<index>",
        "drop an index (irreversible; its definition is journaled)",
    ),
    row!(
        "drop-chunks",
        Chunks,
        DropChunks {
            relation: HYPERTABLE_OR_CAGG,
            older_than: P::Keyword("older-than")
        },
        "<hypertable | cagg> older-than <interval>",
        "drop chunks entirely older than the interval (irreversible)",
    ),
    row!(
        "merge-chunks",
        Merge,
        MergeChunks {
            hypertable: HYPERTABLE,
            older_than: P::Tail("older-than")
        },
        "<hypertable> [older-than <interval>]",
        "merge runs of small adjacent chunks (TimescaleDB 2.18+; irreversible)",
    ),
    row!(
        "compact",
        Merge,
        Compact {
            hypertable: HYPERTABLE,
            max_batches: P::Option("max_batches")
        },
        "<hypertable> [max_batches=<n>]",
        "compact the compressed chunks holding batches out of order (TimescaleDB 2.29+)",
    ),
    row!(
        "cancel-backend",
        Sessions,
        CancelBackend { pid: P::Pid },
        "<pid>",
        "cancel a session's running query (pg_cancel_backend)",
    ),
    row!(
        "terminate-backend",
        Sessions,
        TerminateBackend { pid: P::Pid },
        "<pid>",
        "end a session; its open transaction rolls back (pg_terminate_backend)",
    ),
    Spec {
        mutating: false,
        ..row!(
            "history",
            Journal,
            History {},
            "",
            "the journal of this database"
        )
    },
    row!(
        "rollback",
        Journal,
        Rollback { entry: P::Entry },
        "[<entry id>]",
        "undo the latest (or the given) journaled change",
    ),
];

/// The command named `name` (case-insensitive).
pub fn find(name: &str) -> Option<&'static Spec> {
    let name = ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        .map_or(name, |(_, of)| of);
    COMMANDS.iter().find(|s| s.name.eq_ignore_ascii_case(name))
}

/// Other names of commands: the columnstore's, as TimescaleDB 2.18+ and its docs call them. A
/// command typed either way is the same command (and runs the server's own functions).
pub const ALIASES: &[(&str, &str)] = &[
    ("convert-to-columnstore", "compress"),
    ("convert-to-rowstore", "decompress"),
    ("set-columnstore-after", "set-compress-after"),
    ("remove-columnstore-policy", "remove-compression-policy"),
    ("set-columnstore", "set-compression"),
];

impl Spec {
    /// What each word after the name is, in order (the `chunk <chunk>` form aside).
    pub fn args(&self) -> Vec<Arg> {
        self.params.iter().flat_map(|p| p.args()).collect()
    }

    /// What the argument at `position` (0-based, after the name) is; `first` is the first
    /// argument typed (`chunk` switches compress/decompress to their one-chunk form).
    pub fn arg(&self, position: usize, first: Option<&str>) -> Option<Arg> {
        if let Some(form) = &self.chunk {
            if first.is_some_and(|w| w.eq_ignore_ascii_case(form.word)) {
                return (position == 1)
                    .then(|| form.object.args())
                    .and_then(|a| a.first().copied());
            }
        }
        self.args().get(position).copied()
    }

    /// Its forms as the docs write them: the main one, then `chunk <chunk>` where it has that.
    pub fn forms(&self) -> Vec<&'static str> {
        match self.synopsis.split_once(" | ") {
            Some((main, other)) if self.chunk.is_some() => vec![main, other],
            _ => vec![self.synopsis],
        }
    }

    /// `name synopsis`, for hints and errors.
    pub fn usage(&self) -> String {
        format!("{} {}", self.name, self.synopsis)
            .trim_end()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::grammar::Value;
    use crate::command::parse::parse;

    /// A value the parser takes for `arg`.
    fn sample(arg: Arg) -> &'static str {
        match arg {
            Arg::Job => "1000",
            Arg::Session => "4242",
            Arg::Interval => "7d",
            Arg::Bound => "NULL",
            Arg::Entry => "20261121-1",
            Arg::Keyword(word) => word,
            Arg::Setting("segmentby") => "segmentby=device",
            Arg::Setting("buckets_per_batch") => "buckets_per_batch=5",
            Arg::Setting("max_batches_per_execution") => "max_batches_per_execution=0",
            Arg::Setting("refresh_newest_first") => "refresh_newest_first=false",
            Arg::Setting("max_batches") => "max_batches=10",
            Arg::Setting("max_chunks") => "max_chunks=5",
            Arg::Setting("inactive_for") => "inactive_for='2 hours'",
            Arg::Setting(_) => "orderby='ts DESC'",
            _ => "scn.x",
        }
    }

    /// The table, the parser and the help agree: each command with every argument the table
    /// lists parses to that command (and one more argument is refused), says whether it
    /// changes the database as the table does, and its synopsis shows each argument.
    #[test]
    fn the_table_the_parser_and_the_synopsis_agree() {
        for spec in COMMANDS {
            let line = std::iter::once(spec.name)
                .chain(spec.args().into_iter().map(sample))
                .collect::<Vec<_>>()
                .join(" ");
            let cmd = parse(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(cmd.name(), spec.name, "{line}");
            assert_eq!(cmd.is_mutating(), spec.mutating, "{line}");
            assert!(parse(&format!("{line} extra")).is_err(), "{line} extra");
            // Placeholders of the main form (before `| chunk <chunk>`) and literal keywords.
            let main = spec.synopsis.split(" | chunk").next().unwrap_or_default();
            let placeholders = main.matches('<').count();
            let args = spec.args();
            let keywords: Vec<&str> = args
                .iter()
                .filter_map(|a| match a {
                    Arg::Keyword(w) => Some(*w),
                    _ => None,
                })
                .collect();
            assert_eq!(
                placeholders + keywords.len(),
                args.len(),
                "{}: synopsis {:?} against {:?}",
                spec.name,
                spec.synopsis,
                args
            );
            for w in keywords {
                assert!(main.contains(w), "{}: {w} not in the synopsis", spec.name);
            }
        }
    }

    /// A value of `param`, picked by `pick(n)` (below n): names SQL must quote, a newline,
    /// intervals as the parser normalises them, both window forms, settings with quotes.
    fn generated(param: Param, pick: &mut impl FnMut(usize) -> usize) -> Value {
        let names = [
            ObjectName {
                schema: None,
                name: "metrics".into(),
            },
            ObjectName {
                schema: Some("scn".into()),
                name: "hourly".into(),
            },
            ObjectName {
                schema: Some("Ops \"Team\"".into()),
                name: "events; drop table x".into(),
            },
            ObjectName {
                schema: None,
                name: "two\nlines".into(),
            },
            ObjectName {
                schema: Some("low".into()),
                name: "température".into(),
            },
        ];
        let intervals = [
            "7 days",
            "6 hours",
            "1 day 02:00:00",
            "90",
            "1 hours 30 minutes",
        ];
        let interval = |i: usize| Interval(intervals[i].into());
        let texts = ["device", "device, site", "\"ts\" DESC, id", "it's", ""];
        let bounds = |i: usize| match i {
            0 => WindowBound::Open,
            1 => WindowBound::Int(-1000),
            2 => WindowBound::Time("2026-01-01 00:00".into()),
            _ => WindowBound::Time("now".into()),
        };
        match param {
            P::Object(..) => Value::Object(names[pick(names.len())].clone()),
            P::Interval(_) | P::Keyword(_) => Value::Interval(interval(pick(intervals.len()))),
            P::Tail(_) => {
                Value::MaybeInterval((pick(2) == 0).then(|| interval(pick(intervals.len()))))
            }
            P::Job | P::Pid => Value::Id([1, 1000, i32::MAX][pick(3)]),
            P::Window => Value::Window((pick(2) == 0).then(|| (bounds(pick(4)), bounds(pick(4))))),
            P::Setting(_) | P::Option(_) => {
                Value::Text((pick(3) > 0).then(|| texts[pick(texts.len())].into()))
            }
            P::Entry => Value::Text((pick(2) == 0).then(|| "20261121-1".into())),
        }
    }

    /// Every row, with values of every kind its params take: its `Display` parses back to the
    /// same command (typed by its name or an alias), and so does its `chunk <chunk>` form.
    #[test]
    fn every_row_prints_a_command_that_parses_back_to_itself() {
        let mut rng = crate::testing::Xorshift(0x2545_f491_4f6c_dd1d);
        let mut pick = |n: usize| rng.below(n as u64) as usize;
        for spec in COMMANDS {
            for _ in 0..200 {
                let mut values: Vec<Value> = spec
                    .params
                    .iter()
                    .map(|p| generated(*p, &mut pick))
                    .collect();
                // at least one setting where a command takes them
                let first_setting = spec.params.iter().position(|p| matches!(p, P::Setting(_)));
                let some = spec
                    .params
                    .iter()
                    .zip(&values)
                    .any(|(p, v)| matches!((p, v), (P::Setting(_), Value::Text(Some(_)))));
                if let (Some(at), false) = (first_setting, some) {
                    values[at] = Value::Text(Some("device".into()));
                }
                let cmd = (spec.build)(&mut Values::new(spec.name, values)).unwrap();
                assert_eq!(cmd.name(), spec.name);
                let text = cmd.to_string();
                assert_eq!(parse(&text), Ok(cmd.clone()), "{text}");
                for (alias, _) in ALIASES.iter().filter(|(_, of)| *of == spec.name) {
                    let aliased = text.replacen(spec.name, alias, 1);
                    assert_eq!(parse(&aliased), Ok(cmd.clone()), "{aliased}");
                }
            }
            if let Some(form) = &spec.chunk {
                let value = generated(form.object, &mut pick);
                let cmd = (form.build)(&mut Values::new(spec.name, vec![value])).unwrap();
                let text = cmd.to_string();
                assert!(text.starts_with(&format!("{} chunk ", spec.name)), "{text}");
                assert_eq!(parse(&text), Ok(cmd), "{text}");
            }
        }
    }

    /// docs/actions.md's table of commands writes each one's synopsis as this table does (each
    /// form of it), and leaves none out.
    #[test]
    fn the_docs_write_each_synopsis_as_the_table_does() {
        let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/actions.md"));
        let mut seen = Vec::new();
        for line in doc.lines().filter(|l| l.starts_with("| `")) {
            // the first cell: up to the first ` | ` after a code span
            let cell = line.find("` | ").map_or(line, |end| &line[..=end]);
            for span in cell.split('`').skip(1).step_by(2) {
                let span = span.replace("\\|", "|");
                let (name, rest) = span.split_once(' ').unwrap_or((&span, ""));
                let Some(spec) = COMMANDS.iter().find(|s| s.name == name) else {
                    continue;
                };
                assert!(
                    spec.forms().contains(&rest),
                    "docs/actions.md writes `{span}`; the table: {} {:?}",
                    spec.name,
                    spec.forms()
                );
                seen.push(spec.name);
            }
        }
        for spec in COMMANDS {
            assert!(
                seen.contains(&spec.name),
                "{} is not in docs/actions.md",
                spec.name
            );
        }
    }
}
