//! Why a command line is refused: one variant per reason, each said as the palette shows it.

use std::fmt;

/// Why a command line (or one of its words) does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing typed.
    Empty,
    /// The line starts with a literal, not a command name.
    NameNotFirst,
    /// No command of that name; `close` are those it may have meant.
    UnknownCommand {
        name: String,
        close: Vec<&'static str>,
    },
    /// A `'…'` literal that does not end.
    UnterminatedLiteral,
    /// A `"…"` identifier that does not end.
    UnterminatedIdentifier,
    /// A quote in an object name that does not end.
    UnterminatedQuote { word: String },
    /// `""` as a name part.
    EmptyQuoted { word: String },
    /// A word with an empty name part.
    NotAnObjectName { word: String },
    /// A character where a `.` or the end was expected.
    UnexpectedCharacter { found: char, word: String },
    /// A name part longer than PostgreSQL's 63 bytes.
    NameTooLong { word: String },
    /// More than `schema.name`.
    TooManyParts { word: String },
    /// A `\` escape of a `U&"…"` identifier that is not one.
    BrokenEscape { word: String },
    /// An empty interval.
    MissingInterval,
    /// A bare number where an interval is meant (PostgreSQL would read seconds).
    NoUnit { number: String },
    /// Not an interval.
    BadInterval { text: String },
    /// Not a positive job id.
    BadJobId { word: String },
    /// No job id.
    MissingJobId,
    /// An object named as a `'…'` literal.
    QuotedObject { literal: String, what: &'static str },
    /// No object where one is needed.
    MissingObject { what: &'static str },
    /// No value for an argument that needs one (an interval).
    MissingArgument { what: &'static str },
    /// A word after the last argument.
    Unexpected { word: String, usage: String },
    /// A compression setting given as a literal.
    SettingIsLiteral { text: String, usage: String },
    /// A compression setting without `=`.
    SettingWithoutValue { word: String, usage: String },
    /// Not `segmentby` or `orderby`.
    UnknownSetting { key: String, usage: String },
    /// A compression setting given twice.
    SettingTwice { key: String },
    /// A compression setting with a control character.
    ControlCharacter { key: String },
    /// Neither compression setting.
    NoSettings { usage: String },
    /// One end of a refresh window.
    HalfWindow { usage: String },
    /// Another keyword than the one expected.
    ExpectedKeyword {
        expected: &'static str,
        found: String,
        usage: String,
    },
    /// `drop-chunks` without `older-than`.
    MissingOlderThan { usage: String },
    /// Not a positive process id.
    BadPid { word: String },
    /// No process id.
    MissingPid { usage: String },
    /// A command of the table the parser does not handle (a bug).
    Unhandled { name: String },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseError::*;
        match self {
            Empty => write!(f, "type a command (Tab completes; ? lists them)"),
            NameNotFirst => write!(
                f,
                "a command name comes first (try: compress, pause-job, history…)"
            ),
            UnknownCommand { name, close } if close.is_empty() => {
                write!(f, "unknown command \"{name}\"")
            }
            UnknownCommand { name, close } => write!(
                f,
                "unknown command \"{name}\" (did you mean {}?)",
                close.join(", ")
            ),
            UnterminatedLiteral => write!(f, "unterminated '…' literal"),
            UnterminatedIdentifier => write!(f, "unterminated \"…\" identifier"),
            UnterminatedQuote { word } => write!(f, "unterminated quote in {word}"),
            EmptyQuoted { word } => write!(f, "empty quoted identifier in {word}"),
            NotAnObjectName { word } => write!(f, "\"{word}\" is not an object name"),
            UnexpectedCharacter { found, word } => write!(f, "unexpected '{found}' in {word}"),
            NameTooLong { word } => write!(f, "a name part of {word} is longer than 63 bytes"),
            TooManyParts { word } => write!(f, "{word}: use name or schema.name"),
            BrokenEscape { word } => write!(
                f,
                "a broken \\ escape in {word} (U&\"…\" takes \\XXXX, \\+XXXXXX or \\\\)"
            ),
            MissingInterval => write!(f, "an interval is required (e.g. 6h, 7days, '1 day')"),
            NoUnit { number: t } => write!(
                f,
                "\"{t}\" has no unit (PostgreSQL would read it as {t} seconds): write {t}d, {t}h, {t}m or '{t} days'"
            ),
            BadInterval { text } => write!(
                f,
                "\"{text}\" is not an interval (examples: 6h, 7days, 30m, '1 day 2 hours')"
            ),
            BadJobId { word } => write!(
                f,
                "\"{word}\" is not a job id (a positive number, see the Jobs tab)"
            ),
            MissingJobId => write!(f, "a job id is required"),
            QuotedObject { literal, what } => write!(
                f,
                "'{literal}' is a literal; name the {what} without single quotes"
            ),
            MissingObject { what } => {
                let article = match what.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    true => "an",
                    false => "a",
                };
                write!(f, "{article} {what} is required")
            }
            MissingArgument { what } => write!(f, "{what} is required (e.g. 7days)"),
            Unexpected { word, usage } => write!(f, "unexpected \"{word}\" (usage: {usage})"),
            // the usage names the settings the command takes
            SettingIsLiteral { text, usage } => write!(
                f,
                "'{text}': write it as a setting's value, name='…' (usage: {usage})"
            ),
            SettingWithoutValue { word, usage } => write!(
                f,
                "\"{word}\": write a setting as name='…' (usage: {usage})"
            ),
            UnknownSetting { key, usage } => write!(
                f,
                "\"{key}\" is not a setting of this command (usage: {usage})"
            ),
            SettingTwice { key } => write!(f, "{key} is given twice"),
            ControlCharacter { key } => write!(f, "{key} has a control character"),
            NoSettings { usage } => write!(
                f,
                "give segmentby='…', orderby='…' or both (usage: {usage})"
            ),
            HalfWindow { usage } => write!(f, "give both ends of the window (usage: {usage})"),
            ExpectedKeyword {
                expected,
                found,
                usage,
            } => write!(f, "expected {expected}, not \"{found}\" (usage: {usage})"),
            MissingOlderThan { usage } => {
                write!(f, "older-than <interval> is required (usage: {usage})")
            }
            BadPid { word } => write!(
                f,
                "\"{word}\" is not a process id (a positive number, see the Activity tab)"
            ),
            MissingPid { usage } => write!(f, "a process id is required (usage: {usage})"),
            Unhandled { name } => write!(f, "{name}: not handled by the parser (a bug)"),
        }
    }
}

impl std::error::Error for ParseError {}
