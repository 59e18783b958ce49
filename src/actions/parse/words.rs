//! The words of a command line: tokens, object names as PostgreSQL reads them, intervals,
//! and each argument checked as its command expects.

use super::*;

/// A word of input: bare, `"quoted"` (an identifier part) or `'quoted'` (a literal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Token {
    Word(String),
    Literal(String),
}

pub(super) fn tokenize(input: &str) -> Result<Vec<Token>, String> {
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
                    None => return Err("unterminated '…' literal".into()),
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
                        None => return Err("unterminated \"…\" identifier".into()),
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
pub fn object_name(word: &str) -> Result<ObjectName, String> {
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
                        None => return Err(format!("unterminated quote in {word}")),
                    }
                }
                if part.is_empty() {
                    return Err(format!("empty quoted identifier in {word}"));
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
                    return Err(format!("\"{word}\" is not an object name"));
                }
            }
        }
        parts.push(part);
        match chars.next() {
            None => break,
            Some('.') => continue,
            Some(c) => return Err(format!("unexpected '{c}' in {word}")),
        }
    }
    if parts.iter().any(|p| p.len() > 63) {
        return Err(format!("a name part of {word} is longer than 63 bytes"));
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
        _ => Err(format!("{word}: use name or schema.name")),
    }
}

/// The character after a `\\` in a `U&"…"` identifier: `\\`, `XXXX` or `+XXXXXX` (hex).
pub(super) fn unicode_escape(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    word: &str,
) -> Result<char, String> {
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
        .ok_or_else(|| {
            format!("a broken \\ escape in {word} (U&\"…\" takes \\XXXX, \\+XXXXXX or \\\\)")
        })
}

/// `6h`, `7days`, `1h30m`, `2 weeks` (humantime-like) → `6 hours`…; anything else that looks
/// like a PostgreSQL interval (`'6 hours'`, `01:00:00`, `1 day 2 hours`) is passed on as is
/// and checked by the server when the plan is made. A whole number is kept as it is: a
/// threshold on an integer-time hypertable (in its units), refused with [`no_unit`] wherever an
/// interval is meant, once the plan knows which.
pub fn interval(text: &str) -> Result<Interval, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an interval is required (e.g. 6h, 7days, '1 day')".into());
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
        Err(format!(
            "\"{t}\" is not an interval (examples: 6h, 7days, 30m, '1 day 2 hours')"
        ))
    }
}

/// Why a bare number is no interval (PostgreSQL would read it as seconds).
pub fn no_unit(t: &str) -> String {
    format!(
        "\"{t}\" has no unit (PostgreSQL would read it as {t} seconds): write {t}d, {t}h, {t}m or '{t} days'"
    )
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

pub(super) fn job_id(word: Option<&Token>) -> Result<i32, String> {
    match word {
        Some(Token::Word(w)) => w.parse::<i32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("\"{w}\" is not a job id (a positive number, see the Jobs tab)")
        }),
        _ => Err("a job id is required".into()),
    }
}

pub(super) fn text(t: &Token) -> &str {
    match t {
        Token::Word(w) | Token::Literal(w) => w,
    }
}

pub(super) fn object(args: &[Token], i: usize, what: &str) -> Result<ObjectName, String> {
    match args.get(i) {
        Some(Token::Word(w)) => object_name(w),
        Some(Token::Literal(l)) => Err(format!(
            "'{l}' is a literal; name the {what} without single quotes"
        )),
        None => Err(format!("a {what} is required")),
    }
}

pub(super) fn interval_arg(args: &[Token], i: usize, what: &str) -> Result<Interval, String> {
    match args.get(i) {
        Some(t) => interval(text(t)),
        None => Err(format!("{what} is required (e.g. 7days)")),
    }
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

pub(super) fn no_more(args: &[Token], n: usize, usage: &str) -> Result<(), String> {
    match args.get(n) {
        Some(t) => Err(format!("unexpected \"{}\" (usage: {usage})", text(t))),
        None => Ok(()),
    }
}

/// `segmentby=device orderby='"ts" DESC'`: each setting once, at least one. A value is the
/// rest of its word or the literal after `=`; an empty one (`segmentby=''`) means none.
pub(super) fn compression_settings(
    args: &[Token],
    usage: &str,
) -> Result<(Option<String>, Option<String>), String> {
    let mut settings: [(&str, Option<String>); 2] = [("segmentby", None), ("orderby", None)];
    let mut rest = args.iter();
    while let Some(token) = rest.next() {
        let Token::Word(word) = token else {
            return Err(format!(
                "'{}': write segmentby='…' or orderby='…' (usage: {usage})",
                text(token)
            ));
        };
        let Some((key, value)) = word.split_once('=') else {
            return Err(format!(
                "\"{word}\": write segmentby='…' or orderby='…' (usage: {usage})"
            ));
        };
        let key = key.to_lowercase();
        let Some(slot) = settings.iter_mut().find(|(k, _)| *k == key) else {
            return Err(format!(
                "\"{key}\" is not a compression setting: segmentby or orderby (usage: {usage})"
            ));
        };
        if slot.1.is_some() {
            return Err(format!("{key} is given twice"));
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
            return Err(format!("{key} has a control character"));
        }
        slot.1 = Some(value.trim().to_string());
    }
    let [(_, segmentby), (_, orderby)] = settings;
    if segmentby.is_none() && orderby.is_none() {
        return Err(format!(
            "give segmentby='…', orderby='…' or both (usage: {usage})"
        ));
    }
    Ok((segmentby, orderby))
}
