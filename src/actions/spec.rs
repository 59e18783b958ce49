//! The palette's commands, spelled once: names, synopsis, a help line and what each argument is.
//! Parsing, completion, the hint line, the help overlay and `run --help` all read this table.

/// What an argument is: completion offers names of this kind, the hint shows the synopsis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    Cagg,
    Hypertable,
    HypertableOrCagg,
    /// A hypertable, or the word `chunk` followed by a chunk.
    HypertableOrChunk,
    /// An index, a table or a hypertable.
    Reindexable,
    Index,
    Chunk,
    Job,
    /// A server process id.
    Session,
    /// A fixed word (`older-than`).
    Keyword(&'static str),
    Interval,
    /// A refresh window's end: a time, an integer or NULL.
    Bound,
    /// A journal entry id.
    Entry,
    /// A `name='…'` setting (`segmentby`, `orderby`).
    Setting(&'static str),
}

/// One command of the palette (and of `hypertop run`).
#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    pub synopsis: &'static str,
    pub help: &'static str,
    /// Its arguments in order (the `chunk <chunk>` form of compress/decompress aside).
    pub args: &'static [Arg],
    /// Changes the database (refused under --read-only).
    pub mutating: bool,
}

const fn spec(
    name: &'static str,
    synopsis: &'static str,
    help: &'static str,
    args: &'static [Arg],
) -> Spec {
    Spec {
        name,
        synopsis,
        help,
        args,
        mutating: true,
    }
}

pub const COMMANDS: &[Spec] = &[
    spec(
        "refresh",
        "<cagg> [<from> <to>]",
        "refresh a continuous aggregate over its policy's window, or the one given",
        &[Arg::Cagg, Arg::Bound, Arg::Bound],
    ),
    spec(
        "compress",
        "<hypertable> [older-than <interval>] | chunk <chunk>",
        "compress a hypertable's chunks (one transaction each), or one chunk",
        &[
            Arg::HypertableOrChunk,
            Arg::Keyword("older-than"),
            Arg::Interval,
        ],
    ),
    spec(
        "decompress",
        "<hypertable> [newer-than <interval>] | chunk <chunk>",
        "decompress a hypertable's chunks, or one chunk",
        &[
            Arg::HypertableOrChunk,
            Arg::Keyword("newer-than"),
            Arg::Interval,
        ],
    ),
    spec(
        "reindex",
        "<index | table | hypertable>",
        "REINDEX CONCURRENTLY (a hypertable chunk by chunk)",
        &[Arg::Reindexable],
    ),
    spec("run-job", "<job id>", "run a job now", &[Arg::Job]),
    spec("pause-job", "<job id>", "pause a job", &[Arg::Job]),
    spec("resume-job", "<job id>", "resume a paused job", &[Arg::Job]),
    spec(
        "set-schedule",
        "<job id> <interval>",
        "change how often a job runs",
        &[Arg::Job, Arg::Interval],
    ),
    spec(
        "set-compress-after",
        "<hypertable> <interval>",
        "change (or add) a compression policy's threshold",
        &[Arg::Hypertable, Arg::Interval],
    ),
    spec(
        "set-chunk-interval",
        "<hypertable> <interval>",
        "change a hypertable's chunk interval (new chunks only)",
        &[Arg::Hypertable, Arg::Interval],
    ),
    spec(
        "set-compression",
        "<hypertable> segmentby='<columns>' orderby='<columns>'",
        "change (or turn on) a hypertable's compression settings",
        &[
            Arg::Hypertable,
            Arg::Setting("segmentby"),
            Arg::Setting("orderby"),
        ],
    ),
    spec(
        "remove-compression-policy",
        "<hypertable>",
        "remove a compression policy",
        &[Arg::Hypertable],
    ),
    spec(
        "set-retention",
        "<hypertable | cagg> <interval>",
        "change (or add) a retention policy's drop_after",
        &[Arg::HypertableOrCagg, Arg::Interval],
    ),
    spec(
        "remove-retention-policy",
        "<hypertable | cagg>",
        "remove a retention policy",
        &[Arg::HypertableOrCagg],
    ),
    spec(
        "set-refresh-policy",
        "<cagg> <start-offset> <end-offset> <schedule>",
        "change (or add) a continuous aggregate's refresh policy",
        &[Arg::Cagg, Arg::Interval, Arg::Interval, Arg::Interval],
    ),
    spec(
        "remove-refresh-policy",
        "<cagg>",
        "remove a refresh policy",
        &[Arg::Cagg],
    ),
    spec(
        "drop-index",
        "<index>",
        "drop an index (irreversible; its definition is journaled)",
        &[Arg::Index],
    ),
    spec(
        "drop-chunks",
        "<hypertable | cagg> older-than <interval>",
        "drop chunks entirely older than the interval (irreversible)",
        &[
            Arg::HypertableOrCagg,
            Arg::Keyword("older-than"),
            Arg::Interval,
        ],
    ),
    spec(
        "merge-chunks",
        "<hypertable> [older-than <interval>]",
        "merge runs of small adjacent chunks (TimescaleDB 2.18+; irreversible)",
        &[Arg::Hypertable, Arg::Keyword("older-than"), Arg::Interval],
    ),
    spec(
        "compact",
        "<hypertable>",
        "compact the compressed chunks holding batches out of order (TimescaleDB 2.29+)",
        &[Arg::Hypertable],
    ),
    spec(
        "cancel-backend",
        "<pid>",
        "cancel a session's running query (pg_cancel_backend)",
        &[Arg::Session],
    ),
    spec(
        "terminate-backend",
        "<pid>",
        "end a session; its open transaction rolls back (pg_terminate_backend)",
        &[Arg::Session],
    ),
    Spec {
        mutating: false,
        ..spec("history", "", "the journal of this database", &[])
    },
    spec(
        "rollback",
        "[<entry id>]",
        "undo the latest (or the given) journaled change",
        &[Arg::Entry],
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
    /// What the argument at `position` (0-based, after the name) is; `first` is the first
    /// argument typed (`chunk` switches compress/decompress to their one-chunk form).
    pub fn arg(&self, position: usize, first: Option<&str>) -> Option<Arg> {
        if self.args.first() == Some(&Arg::HypertableOrChunk)
            && first.is_some_and(|w| w.eq_ignore_ascii_case("chunk"))
        {
            return (position == 1).then_some(Arg::Chunk);
        }
        self.args.get(position).copied()
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
    use crate::actions::parse::parse;

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
                .chain(spec.args.iter().map(|a| sample(*a)))
                .collect::<Vec<_>>()
                .join(" ");
            let cmd = parse(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(cmd.name(), spec.name, "{line}");
            assert_eq!(cmd.is_mutating(), spec.mutating, "{line}");
            assert!(parse(&format!("{line} extra")).is_err(), "{line} extra");
            // Placeholders of the main form (before `| chunk <chunk>`) and literal keywords.
            let main = spec.synopsis.split(" | chunk").next().unwrap_or_default();
            let placeholders = main.matches('<').count();
            let keywords: Vec<&str> = spec
                .args
                .iter()
                .filter_map(|a| match a {
                    Arg::Keyword(w) => Some(*w),
                    _ => None,
                })
                .collect();
            assert_eq!(
                placeholders + keywords.len(),
                spec.args.len(),
                "{}: synopsis {:?} against {:?}",
                spec.name,
                spec.synopsis,
                spec.args
            );
            for w in keywords {
                assert!(main.contains(w), "{}: {w} not in the synopsis", spec.name);
            }
        }
    }
}
