//! The words of a command line: tokens, object names as PostgreSQL reads them, intervals,
//! and each argument checked as its command expects.

use std::fmt;

use super::error::ParseError;

/// An object name as written: `name`, `schema.name`, with SQL double-quoting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName {
    pub schema: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // a control or bidirectional character as PostgreSQL's U&"…" escape: the text stays
        // one line the palette reads back as the same name
        match &self.schema {
            Some(s) => write!(f, "{}", crate::format::qualified_escaped(s, &self.name)),
            None => write!(f, "{}", crate::format::ident_escaped(&self.name)),
        }
    }
}

impl ObjectName {
    /// `schema.name`, as a command names a relation the catalog has.
    pub fn qualified(schema: &str, name: &str) -> ObjectName {
        ObjectName {
            schema: Some(schema.into()),
            name: name.into(),
        }
    }
}

/// A PostgreSQL interval literal, normalised from humantime where possible (`6h` → `6 hours`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval(pub String);

/// A time or integer bound of a refresh window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowBound {
    /// `NULL`: open-ended.
    Open,
    Int(i64),
    /// A timestamp literal, checked by the server.
    Time(String),
}

impl fmt::Display for Interval {
    /// As a literal (`'6 hours'`), which the palette reads back as the same interval.
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "'{}'", self.0.replace('\'', "''"))
    }
}

impl fmt::Display for WindowBound {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            WindowBound::Open => f.write_str("NULL"),
            WindowBound::Int(n) => write!(f, "{n}"),
            WindowBound::Time(t) => write!(f, "'{}'", t.replace('\'', "''")),
        }
    }
}

/// A word of input: bare, `"quoted"` (an identifier part) or `'quoted'` (a literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word(String),
    Literal(String),
}

pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, ParseError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '\'' {
            chars.next();
            let mut s = String::new();
            loop {
                match chars.next() {
                    Some('\'') if chars.peek() == Some(&'\'') => {
                        chars.next();
                        s.push('\'');
                    }
                    Some('\'') => break,
                    Some(ch) => s.push(ch),
                    None => return Err(ParseError::UnterminatedLiteral),
                }
            }
            out.push(Token::Literal(s));
            continue;
        }
        // A word may mix bare parts and "quoted" parts (schema."Name").
        let mut word = String::new();
        while let Some(&ch) = chars.peek() {
            if ch.is_whitespace() {
                break;
            }
            chars.next();
            word.push(ch);
            // `segmentby='a, b'`: the literal after `=` is a token of its own
            if ch == '=' && chars.peek() == Some(&'\'') {
                break;
            }
            if ch == '"' {
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            word.push_str("\"\"");
                        }
                        Some('"') => {
                            word.push('"');
                            break;
                        }
                        Some(c2) => word.push(c2),
                        None => return Err(ParseError::UnterminatedIdentifier),
                    }
                }
            }
        }
        out.push(Token::Word(word));
    }
    Ok(out)
}

/// `schema.name`, `"Ops ""Team"""."x; y"`, `name`: SQL identifier rules (bare parts fold ASCII
/// letters to lower case, quoted parts are exact).
pub fn object_name(word: &str) -> Result<ObjectName, ParseError> {
    let word_ = || word.to_string();
    let mut parts = Vec::new();
    let mut chars = word.chars().peekable();
    loop {
        let mut part = String::new();
        // PostgreSQL's U&"…": escapes \XXXX, \+XXXXXX and \\ (what completion writes for a
        // name with a control or bidirectional character, which a terminal cannot show).
        let unicode = {
            let mut ahead = chars.clone();
            matches!(
                (ahead.next(), ahead.next(), ahead.next()),
                (Some('U' | 'u'), Some('&'), Some('"'))
            )
        };
        if unicode {
            chars.next();
            chars.next();
        }
        match chars.peek() {
            Some('"') => {
                chars.next();
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            part.push('"');
                        }
                        Some('"') => break,
                        Some('\\') if unicode => part.push(unicode_escape(&mut chars, word)?),
                        Some(c) => part.push(c),
                        None => return Err(ParseError::UnterminatedQuote { word: word_() }),
                    }
                }
                if part.is_empty() {
                    return Err(ParseError::EmptyQuoted { word: word_() });
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c == '.' || c == '"' {
                        break;
                    }
                    // PostgreSQL folds ASCII letters only: `Éidx` is `Éidx`.
                    part.push(c.to_ascii_lowercase());
                    chars.next();
                }
                if part.is_empty() {
                    return Err(ParseError::NotAnObjectName { word: word_() });
                }
            }
        }
        parts.push(part);
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(c) => {
                return Err(ParseError::UnexpectedCharacter {
                    found: c,
                    word: word_(),
                })
            }
        }
    }
    if parts.iter().any(|p| p.len() > 63) {
        return Err(ParseError::NameTooLong { word: word_() });
    }
    match parts.len() {
        1 => Ok(ObjectName {
            schema: None,
            name: parts.remove(0),
        }),
        2 => Ok(ObjectName {
            schema: Some(parts.remove(0)),
            name: parts.remove(0),
        }),
        _ => Err(ParseError::TooManyParts { word: word_() }),
    }
}

/// The character after a `\\` in a `U&"…"` identifier: `\\`, `XXXX` or `+XXXXXX` (hex).
pub(super) fn unicode_escape(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    word: &str,
) -> Result<char, ParseError> {
    if chars.peek() == Some(&'\\') {
        chars.next();
        return Ok('\\');
    }
    let digits = if chars.peek() == Some(&'+') {
        chars.next();
        6
    } else {
        4
    };
    let hex: String = chars.by_ref().take(digits).collect();
    u32::from_str_radix(&hex, 16)
        .ok()
        .filter(|_| hex.len() == digits && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .and_then(char::from_u32)
        .filter(|&c| c != '\0')
        .ok_or_else(|| ParseError::BrokenEscape {
            word: word.to_string(),
        })
}

/// `6h`, `7days`, `1h30m`, `2 weeks` (humantime-like) → `6 hours`…; anything else that looks
/// like a PostgreSQL interval (`'6 hours'`, `01:00:00`, `1 day 2 hours`) is passed on as is
/// and checked by the server when the plan is made. A whole number is kept as it is: a
/// threshold on an integer-time hypertable (in its units), refused with [`no_unit`] wherever an
/// interval is meant, once the plan knows which.
pub fn interval(text: &str) -> Result<Interval, ParseError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ParseError::MissingInterval);
    }
    if t.parse::<i64>().is_ok() {
        return Ok(Interval(t.to_string()));
    }
    // PostgreSQL reads a bare number as seconds: `set-retention x 1.5` would keep 1.5 seconds.
    if t.parse::<f64>().is_ok() {
        return Err(no_unit(t));
    }
    if let Some(n) = humanish(t) {
        return Ok(Interval(n));
    }
    let plausible = t
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " :.-+".contains(c))
        && t.chars().any(|c| c.is_ascii_digit());
    if plausible {
        Ok(Interval(t.to_string()))
    } else {
        Err(ParseError::BadInterval {
            text: t.to_string(),
        })
    }
}

/// Why a bare number is no interval (PostgreSQL would read it as seconds).
pub fn no_unit(t: &str) -> ParseError {
    ParseError::NoUnit {
        number: t.to_string(),
    }
}

impl Interval {
    /// The whole number it is, when it is one (a threshold in an integer time column's units).
    pub fn integer(&self) -> Option<i64> {
        self.0.trim().parse().ok()
    }
}

pub(super) fn humanish(t: &str) -> Option<String> {
    let units: &[(&[&str], &str)] = &[
        (&["s", "sec", "secs", "second", "seconds"], "seconds"),
        (&["m", "min", "mins", "minute", "minutes"], "minutes"),
        (&["h", "hr", "hrs", "hour", "hours"], "hours"),
        (&["d", "day", "days"], "days"),
        (&["w", "week", "weeks"], "weeks"),
        (&["mo", "mon", "month", "months"], "months"),
        (&["y", "year", "years"], "years"),
    ];
    let mut out = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let end = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..end];
        let (_, pg) = units.iter().find(|(names, _)| names.contains(&unit))?;
        out.push(format!("{n} {pg}"));
        rest = &rest[end..];
    }
    (!out.is_empty()).then(|| out.join(" "))
}

pub(super) fn job_id(word: Option<&Token>) -> Result<i32, ParseError> {
    match word {
        Some(Token::Word(w)) => {
            w.parse::<i32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| ParseError::BadJobId {
                    word: w.to_string(),
                })
        }
        _ => Err(ParseError::MissingJobId),
    }
}

pub(super) fn text(t: &Token) -> &str {
    match t {
        Token::Word(w) | Token::Literal(w) => w,
    }
}

pub(super) fn object(
    args: &[Token],
    i: usize,
    what: &'static str,
) -> Result<ObjectName, ParseError> {
    match args.get(i) {
        Some(Token::Word(w)) => object_name(w),
        Some(Token::Literal(l)) => Err(ParseError::QuotedObject {
            literal: l.clone(),
            what,
        }),
        None => Err(ParseError::MissingObject { what }),
    }
}

/// The interval at word `i` and how many words it took: one (`30d`, `'30 days'`), or two
/// when a bare number is followed by a bare unit (`30 days`, `1.5 hours`), as PostgreSQL
/// reads them. One pair only: `1 day 2 hours` unquoted would be two intervals where a command
/// takes several in a row, so a longer one is quoted.
pub(super) fn interval_arg(
    args: &[Token],
    i: usize,
    what: &'static str,
) -> Result<(Interval, usize), ParseError> {
    match (args.get(i), args.get(i + 1)) {
        (Some(Token::Word(n)), Some(Token::Word(unit)))
            if n.parse::<f64>().is_ok_and(f64::is_finite) && is_unit(unit) =>
        {
            Ok((interval(&format!("{n} {}", unit.to_lowercase()))?, 2))
        }
        (Some(t), _) => Ok((interval(text(t))?, 1)),
        (None, _) => Err(ParseError::MissingArgument { what }),
    }
}

/// A unit PostgreSQL's interval input reads after a number.
fn is_unit(word: &str) -> bool {
    const UNITS: &[&str] = &[
        "microsecond",
        "microseconds",
        "us",
        "millisecond",
        "milliseconds",
        "ms",
        "second",
        "seconds",
        "sec",
        "secs",
        "s",
        "minute",
        "minutes",
        "min",
        "mins",
        "m",
        "hour",
        "hours",
        "hr",
        "hrs",
        "h",
        "day",
        "days",
        "d",
        "week",
        "weeks",
        "w",
        "month",
        "months",
        "mon",
        "mons",
        "year",
        "years",
        "yr",
        "yrs",
        "y",
        "decade",
        "decades",
        "century",
        "centuries",
        "millennium",
        "millennia",
    ];
    UNITS.contains(&word.to_lowercase().as_str())
}

pub(super) fn bound(t: &Token) -> WindowBound {
    let s = text(t);
    if s.eq_ignore_ascii_case("null") {
        WindowBound::Open
    } else if let Ok(n) = s.parse::<i64>() {
        WindowBound::Int(n)
    } else {
        WindowBound::Time(s.to_string())
    }
}

pub(super) fn no_more(args: &[Token], n: usize, usage: &str) -> Result<(), ParseError> {
    match args.get(n) {
        Some(t) => Err(ParseError::Unexpected {
            word: text(t).to_string(),
            usage: usage.to_string(),
        }),
        None => Ok(()),
    }
}

/// `segmentby=device orderby='"ts" DESC'`: each of `keys` once, in any order, at least one where
/// `required`. A value is the rest of its word or the literal after `=`; an empty one
/// (`segmentby=''`) means none. The values come back in the order of `keys`.
pub(super) fn settings(
    args: &[Token],
    keys: &[&'static str],
    required: bool,
    usage: &str,
) -> Result<Vec<Option<String>>, ParseError> {
    let mut settings: Vec<(&str, Option<String>)> = keys.iter().map(|k| (*k, None)).collect();
    let mut rest = args.iter();
    while let Some(token) = rest.next() {
        let Token::Word(word) = token else {
            return Err(ParseError::SettingIsLiteral {
                text: text(token).to_string(),
                usage: usage.to_string(),
            });
        };
        let Some((key, value)) = word.split_once('=') else {
            return Err(ParseError::SettingWithoutValue {
                word: word.clone(),
                usage: usage.to_string(),
            });
        };
        let key = key.to_lowercase();
        let Some(slot) = settings.iter_mut().find(|(k, _)| *k == key) else {
            return Err(ParseError::UnknownSetting {
                key,
                usage: usage.to_string(),
            });
        };
        if slot.1.is_some() {
            return Err(ParseError::SettingTwice { key });
        }
        let value = match (value.is_empty(), rest.clone().next()) {
            (true, Some(Token::Literal(next))) => {
                rest.next();
                next.clone()
            }
            (true, Some(Token::Word(next))) if !next.contains('=') => {
                rest.next();
                next.clone()
            }
            _ => value.to_string(),
        };
        if value.chars().any(char::is_control) {
            return Err(ParseError::ControlCharacter { key });
        }
        slot.1 = Some(value.trim().to_string());
    }
    if required && settings.iter().all(|(_, v)| v.is_none()) {
        return Err(ParseError::NoSettings {
            usage: usage.to_string(),
        });
    }
    Ok(settings.into_iter().map(|(_, v)| v).collect())
}
