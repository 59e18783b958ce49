//! A command's arguments as its table row spells them: each [`Param`] reads its words into a
//! typed [`Value`], and writes that value back as the canonical text. The row's `build` turns
//! the values into its `Command` and its `values` takes one apart again, so parsing and
//! `Display` are one loop over the row for every command.

use std::fmt;

use super::error::ParseError;
use super::words::{bound, interval_arg, job_id, object, text, Token};
use super::words::{Interval, ObjectName, WindowBound};

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

/// One argument of a command's grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// An object name: what completion offers, and what errors call it.
    Object(Arg, &'static str),
    /// An interval; the text names it when it is missing.
    Interval(&'static str),
    /// A job id.
    Job,
    /// A server process id.
    Pid,
    /// A refresh window: both ends or neither.
    Window,
    /// An optional `keyword <interval>`.
    Tail(&'static str),
    /// A required `keyword <interval>`.
    Keyword(&'static str),
    /// A `name='…'` setting; settings in a row come in any order, at least one of them.
    Setting(&'static str),
    /// An optional `name=value` setting; those in a row come in any order, none needed.
    Option(&'static str),
    /// An optional journal entry id.
    Entry,
}

/// What a [`Param`] read: one field of a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Object(ObjectName),
    Interval(Interval),
    MaybeInterval(Option<Interval>),
    Id(i32),
    Window(Option<(WindowBound, WindowBound)>),
    Text(Option<String>),
}

/// A command's field's type, as a [`Value`] and back.
pub trait Field: Sized {
    fn from_value(value: Value) -> Option<Self>;
    fn value(&self) -> Value;
}

macro_rules! field {
    ($t:ty, $variant:ident) => {
        impl Field for $t {
            fn from_value(value: Value) -> Option<Self> {
                match value {
                    Value::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn value(&self) -> Value {
                Value::$variant(self.clone())
            }
        }
    };
}

field!(ObjectName, Object);
field!(Interval, Interval);
field!(Option<Interval>, MaybeInterval);
field!(i32, Id);
field!(Option<(WindowBound, WindowBound)>, Window);
field!(Option<String>, Text);

/// The values read for one command, handed to its row's `build` in order.
pub struct Values {
    name: &'static str,
    values: std::vec::IntoIter<Value>,
}

impl Values {
    /// The values of the command `name`, in its row's order.
    pub fn new(name: &'static str, values: Vec<Value>) -> Values {
        Values {
            name,
            values: values.into_iter(),
        }
    }

    /// The next field: a row whose `build` does not match its params is a bug, said as one.
    pub fn take<T: Field>(&mut self) -> Result<T, ParseError> {
        self.values
            .next()
            .and_then(T::from_value)
            .ok_or_else(|| ParseError::Unhandled {
                name: self.name.to_string(),
            })
    }
}

/// The lower-case text of the word at `i`.
pub(super) fn word(args: &[Token], i: usize) -> Option<String> {
    args.get(i).map(|t| text(t).to_lowercase())
}

impl Param {
    /// What completion offers for each word this reads.
    pub fn args(self) -> Vec<Arg> {
        match self {
            Param::Object(arg, _) => vec![arg],
            Param::Interval(_) => vec![Arg::Interval],
            Param::Job => vec![Arg::Job],
            Param::Pid => vec![Arg::Session],
            Param::Window => vec![Arg::Bound, Arg::Bound],
            Param::Tail(k) | Param::Keyword(k) => vec![Arg::Keyword(k), Arg::Interval],
            Param::Setting(k) | Param::Option(k) => vec![Arg::Setting(k)],
            Param::Entry => vec![Arg::Entry],
        }
    }

    /// Reads this argument at `at`: its value and how many words it took.
    pub(super) fn read(
        self,
        args: &[Token],
        at: usize,
        usage: &str,
    ) -> Result<(Value, usize), ParseError> {
        let usage_ = || usage.to_string();
        Ok(match self {
            Param::Object(_, what) => (Value::Object(object(args, at, what)?), 1),
            Param::Interval(what) => {
                let (i, used) = interval_arg(args, at, what)?;
                (Value::Interval(i), used)
            }
            Param::Job => (Value::Id(job_id(args.get(at))?), 1),
            Param::Pid => match args.get(at) {
                Some(Token::Word(w)) => {
                    let pid = w.parse::<i32>().ok().filter(|n| *n > 0);
                    let pid = pid.ok_or_else(|| ParseError::BadPid { word: w.clone() })?;
                    (Value::Id(pid), 1)
                }
                _ => return Err(ParseError::MissingPid { usage: usage_() }),
            },
            Param::Window => match (args.get(at), args.get(at + 1)) {
                // no window, settings after it (no bound is a word with `=`)
                (None, _) => (Value::Window(None), 0),
                (Some(Token::Word(w)), _) if w.contains('=') => (Value::Window(None), 0),
                // one end, then a setting
                (Some(_), Some(Token::Word(w))) if w.contains('=') => {
                    return Err(ParseError::HalfWindow { usage: usage_() })
                }
                (Some(a), Some(b)) => (Value::Window(Some((bound(a), bound(b)))), 2),
                (Some(_), None) => return Err(ParseError::HalfWindow { usage: usage_() }),
            },
            Param::Tail(keyword) => match word(args, at) {
                None => (Value::MaybeInterval(None), 0),
                Some(k) if k == keyword => {
                    let (i, used) = interval_arg(args, at + 1, keyword)?;
                    (Value::MaybeInterval(Some(i)), 1 + used)
                }
                Some(found) => return Err(expected(keyword, found, usage)),
            },
            Param::Keyword(keyword) => match word(args, at) {
                Some(k) if k == keyword => {
                    let (i, used) = interval_arg(args, at + 1, keyword)?;
                    (Value::Interval(i), 1 + used)
                }
                Some(found) => return Err(expected(keyword, found, usage)),
                None => return Err(ParseError::MissingOlderThan { usage: usage_() }),
            },
            Param::Entry => match args.get(at) {
                Some(t) => (Value::Text(Some(text(t).to_string())), 1),
                None => (Value::Text(None), 0),
            },
            // read as a group by `read_all`
            Param::Setting(_) | Param::Option(_) => (Value::Text(None), 0),
        })
    }

    /// Writes `value` as this argument, with the space before it (nothing when absent).
    pub(super) fn write(self, value: &Value, f: &mut fmt::Formatter) -> fmt::Result {
        let quoted = |s: &str| format!("'{}'", s.replace('\'', "''"));
        match (self, value) {
            (_, Value::Object(o)) => write!(f, " {o}"),
            (Param::Keyword(k), Value::Interval(i)) => write!(f, " {k} {i}"),
            (Param::Tail(k), Value::MaybeInterval(Some(i))) => write!(f, " {k} {i}"),
            (_, Value::Interval(i) | Value::MaybeInterval(Some(i))) => write!(f, " {i}"),
            (_, Value::Id(n)) => write!(f, " {n}"),
            (_, Value::Window(Some((a, b)))) => write!(f, " {a} {b}"),
            (Param::Setting(k), Value::Text(Some(v))) => write!(f, " {k}={}", quoted(v)),
            // a number or a word as typed, anything else quoted
            (Param::Option(k), Value::Text(Some(v)))
                if !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                write!(f, " {k}={v}")
            }
            (Param::Option(k), Value::Text(Some(v))) => write!(f, " {k}={}", quoted(v)),
            // an entry id as typed (`20261121-1`), quoted only where it must be
            (Param::Entry, Value::Text(Some(v)))
                if !v.is_empty()
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c)) =>
            {
                write!(f, " {v}")
            }
            (_, Value::Text(Some(v))) => write!(f, " {}", quoted(v)),
            (_, Value::MaybeInterval(None) | Value::Window(None) | Value::Text(None)) => Ok(()),
        }
    }
}

fn expected(keyword: &'static str, found: String, usage: &str) -> ParseError {
    ParseError::ExpectedKeyword {
        expected: keyword,
        found,
        usage: usage.to_string(),
    }
}
