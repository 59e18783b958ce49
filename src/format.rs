//! Numbers and times formatted for people.

use chrono::{DateTime, Local, Utc};

/// `1.5 GiB`, `812 KiB`, `0 B`.
pub fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n.max(0) as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{} B", n.max(0))
    } else if v < 10.0 {
        format!("{v:.1} {}", UNITS[unit])
    } else {
        format!("{v:.0} {}", UNITS[unit])
    }
}

/// The two most significant units: `3d 4h`, `5m 10s`, `42s`, `0s`.
pub fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    let parts = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let mut out = Vec::new();
    let mut rest = secs;
    for (size, unit) in parts {
        if rest >= size || (unit == "s" && out.is_empty()) {
            out.push(format!("{}{unit}", rest / size));
            rest %= size;
        }
        if out.len() == 2 {
            break;
        }
    }
    out.join(" ")
}

/// A signed chrono duration (negative clamps to zero).
pub fn chrono_duration(d: chrono::Duration) -> String {
    duration(d.to_std().unwrap_or_default())
}

/// A wall-clock time, local unless `utc`.
pub fn clock(t: DateTime<Utc>, utc: bool) -> String {
    if utc {
        t.format("%H:%M:%S UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%H:%M:%S").to_string()
    }
}

/// Milliseconds for query timings: `12 ms`, `1.2 s`.
pub fn elapsed(d: std::time::Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// A statement on one line (its layout folded to single spaces), for a table cell.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A message of several lines (a TOML error points at its column on the next lines) made safe
/// line by line, its line breaks kept, joined by `sep`.
pub fn printable_lines(s: &str, sep: &str) -> String {
    // joined on one line, a blank line would be an empty piece between separators
    let one_line = !sep.contains('\n');
    s.trim_end()
        .lines()
        .filter(|l| !(one_line && l.trim().is_empty()))
        .map(printable)
        .collect::<Vec<_>>()
        .join(sep)
}

/// Text from the database made safe for a terminal: what [`needs_escape`] names is shown as a
/// `\x1b` / `\u{202e}` escape, so a hostile name can neither move the cursor, retitle the
/// terminal, reorder what is shown nor pass for another name. The one routine for the screen,
/// text output, `check`, files and the exporter's label values.
pub fn printable(s: &str) -> String {
    if !escapes_any(s) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.chars().enumerate() {
        if escaped_at(i == 0, c) {
            if (c as u32) < 0x100 {
                out.push_str(&format!("\\x{:02x}", c as u32));
            } else {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether [`printable`] escapes any character of `s`.
fn escapes_any(s: &str) -> bool {
    s.chars().enumerate().any(|(i, c)| escaped_at(i == 0, c))
}

/// [`needs_escape`], and at a text's start a combining mark too: with nothing before it, it
/// would sit on whatever the terminal drew there (a border, the last cell's letter).
fn escaped_at(first: bool, c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    needs_escape(c)
        || first
            && matches!(
                c.general_category(),
                G::NonspacingMark | G::EnclosingMark | G::SpacingMark
            )
}

/// Whether a character is one a reader cannot see, or tells from a space or from nothing no
/// better, decided by its Unicode properties rather than a list of examples: controls (Cc),
/// format characters (Cf: zero-width ones, bidirectional marks, overrides and isolates,
/// interlinear annotations, tags), every separator but the space (Zs, Zl, Zp), private-use
/// and unassigned code points (Co, Cn: no font says what they are), the Default_Ignorable_Code_Point
/// property (variation selectors, fillers, ignorable vowels), and the blank Braille pattern.
pub fn needs_escape(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    c != ' '
        && (matches!(
            c.general_category(),
            G::Control
                | G::Format
                | G::SpaceSeparator
                | G::LineSeparator
                | G::ParagraphSeparator
                | G::PrivateUse
                | G::Unassigned
                | G::Surrogate
        ) || default_ignorable(c)
            || c == '\u{2800}')
}

/// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): characters a renderer
/// shows as nothing when it does not support them.
fn default_ignorable(c: char) -> bool {
    matches!(c,
        '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}'..='\u{1160}' | '\u{17b4}'..='\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fff8}' | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// An identifier as SQL needs it: bare when it is a plain lower-case name, else double-quoted
/// with embedded quotes doubled (so names with spaces, quotes or `;` stay unambiguous).
pub fn ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// An identifier for generated SQL: always double-quoted, so keywords and odd names are safe.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn quote_qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// `schema.name`, each part quoted as SQL needs it.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// [`ident`], but a name holding a control or bidirectional character — which a line of a
/// terminal, a palette input or a file would show as something else — in PostgreSQL's
/// `U&"…"` form, those characters (and `\`) as `\XXXX` / `\+XXXXXX` escapes: what the palette
/// completes and a policy file keys, read back by the palette's parser to the same name.
pub fn ident_escaped(name: &str) -> String {
    if !escapes_any(name) {
        return ident(name);
    }
    let mut out = String::from("U&\"");
    for (i, c) in name.chars().enumerate() {
        let escaped = escaped_at(i == 0, c);
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\\\"),
            c if escaped && (c as u32) <= 0xffff => out.push_str(&format!("\\{:04X}", c as u32)),
            c if escaped => out.push_str(&format!("\\+{:06X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `schema.name` as [`ident_escaped`] writes each.
pub fn qualified_escaped(schema: &str, name: &str) -> String {
    format!("{}.{}", ident_escaped(schema), ident_escaped(name))
}

/// `1 time`, `3 times`.
pub fn times(n: i64) -> String {
    match n {
        1 => "1 time".into(),
        n => format!("{n} times"),
    }
}

/// Seconds as a duration (`7d`, `1h 30m`); negative values clamp to zero.
pub fn seconds(s: f64) -> String {
    duration(std::time::Duration::from_secs_f64(s.max(0.0)))
}

/// A PostgreSQL interval as the server prints it (`3 days 01:00:00`, `12:00:00`, `1 mon`)
/// in the compact form every tab uses (`3d 1h`, `12h`, `1mo`); anything else (an integer
/// threshold, `created before …`) as it is.
pub fn interval(text: &str) -> String {
    let Some((months, secs)) = interval_parts(text) else {
        return text.to_string();
    };
    if secs < 0.0 || months < 0 {
        return text.to_string();
    }
    let mut out = Vec::new();
    if months >= 12 {
        out.push(format!("{}y", months / 12));
    }
    if months % 12 > 0 {
        out.push(format!("{}mo", months % 12));
    }
    if secs > 0.0 || out.is_empty() {
        out.push(seconds(secs));
    }
    out.join(" ")
}

/// A PostgreSQL interval as the server prints it, in seconds as `extract(epoch …)` counts them
/// (a month 30 days, a year 365.25); None when it is not one.
pub fn interval_seconds(text: &str) -> Option<f64> {
    let (months, secs) = interval_parts(text)?;
    let years = months / 12;
    Some(years as f64 * 31_557_600.0 + (months % 12) as f64 * 2_592_000.0 + secs)
}

/// A server-printed interval's fixed length in seconds: None for one in months or years (a
/// month has no fixed length) or not an interval.
pub fn fixed_interval_seconds(text: &str) -> Option<f64> {
    match interval_parts(text)? {
        (0, secs) => Some(secs),
        _ => None,
    }
}

/// Months and seconds of a server-printed interval (`1 year 2 mons 3 days 04:05:06`).
fn interval_parts(text: &str) -> Option<(i64, f64)> {
    let mut months = 0i64;
    let mut secs = 0f64;
    let mut words = text.split_whitespace().peekable();
    let mut any = false;
    while let Some(w) = words.next() {
        if w.contains(':') {
            let negative = w.starts_with('-');
            let parts: Vec<f64> = w
                .trim_start_matches(['-', '+'])
                .split(':')
                .map(|p| p.parse::<f64>())
                .collect::<Result<_, _>>()
                .ok()?;
            let [h, m, sec] = parts[..] else {
                return None;
            };
            let v = h * 3600.0 + m * 60.0 + sec;
            secs += if negative { -v } else { v };
            any = true;
            continue;
        }
        let (Ok(n), Some(unit)) = (w.parse::<i64>(), words.next()) else {
            return None;
        };
        match unit.trim_end_matches('s') {
            "year" => months += 12 * n,
            "mon" => months += n,
            "day" => secs += 86_400.0 * n as f64,
            _ => return None,
        }
        any = true;
    }
    any.then_some((months, secs))
}

/// How long ago `t` was, relative to `now`: `5m 3s ago`, or `in 2m` for the future.
pub fn ago(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = now - t;
    if d < chrono::Duration::zero() {
        format!("in {}", chrono_duration(-d))
    } else {
        format!("{} ago", chrono_duration(d))
    }
}

/// A timestamp for tables: `2024-01-03 00:00` in local time, or with ` UTC` when `utc`.
pub fn timestamp(t: DateTime<Utc>, utc: bool) -> String {
    if utc {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
    }
}

/// A ratio like `3.2x`.
pub fn ratio(r: f64) -> String {
    format!("{r:.1}x")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_width_in_months_has_no_fixed_length() {
        assert_eq!(fixed_interval_seconds("1 day 02:00:00"), Some(93_600.0));
        assert_eq!(fixed_interval_seconds("00:15:00"), Some(900.0));
        assert_eq!(fixed_interval_seconds("1 mon"), None);
        assert_eq!(fixed_interval_seconds("1 year 2 days"), None);
        assert_eq!(fixed_interval_seconds("monthly"), None);
    }

    #[test]
    fn names_that_look_alike_are_told_apart() {
        for c in [
            '\u{a0}',
            '\u{ad}',
            '\u{200b}',
            '\u{200f}',
            '\u{61c}',
            '\u{2028}',
            '\u{feff}',
            '\u{2060}',
            '\u{3000}',
            '\u{e0041}',
            '\u{fe0f}',
            '\u{1b}',
            '\u{7}',
            '\r',
        ] {
            let name = format!("metrics{c}");
            let shown = printable(&name);
            assert_ne!(shown, "metrics", "{c:?}");
            assert!(shown.starts_with("metrics\\"), "{c:?}: {shown}");
            assert!(!shown.chars().any(needs_escape), "{shown}");
            assert!(ident_escaped(&name).starts_with("U&\""), "{c:?}");
        }
        for fine in ["metrics", "métriques", "指标", "a b", "x→y"] {
            assert_eq!(printable(fine), fine);
        }
    }

    #[test]
    fn invisible_characters_are_escaped_by_their_properties_not_by_a_list() {
        // what a hand-written list had missed: format characters of other scripts, ignorable
        // vowels and selectors, the blank Braille pattern
        for c in [
            '\u{1d173}',
            '\u{13430}',
            '\u{1bca0}',
            '\u{890}',
            '\u{180b}',
            '\u{2800}',
            '\u{17b4}',
            '\u{110bd}',
        ] {
            let name = format!("mu{c}sic");
            assert_ne!(printable(&name), name, "{c:?}");
            assert!(ident_escaped(&name).starts_with("U&\""), "{c:?}");
        }
        // a combining mark with nothing before it sits on what the terminal drew there
        assert_eq!(printable("\u{301}x"), "\\u{301}x");
        assert_eq!(printable("e\u{301}"), "e\u{301}");
        // every code point: what the properties name is escaped, and nothing escaped is left
        use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
        let mut escaped = 0;
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let invisible = matches!(
                c.general_category(),
                G::Control
                    | G::Format
                    | G::LineSeparator
                    | G::ParagraphSeparator
                    | G::PrivateUse
                    | G::Unassigned
            ) || c.general_category() == G::SpaceSeparator && c != ' ';
            assert!(!invisible || needs_escape(c), "{:x}", c as u32);
            let text = format!("a{c}");
            let shown = printable(&text);
            if needs_escape(c) {
                escaped += 1;
                assert_eq!(shown, format!("a{}", printable(&c.to_string())));
                assert!(shown.is_ascii(), "{:x}: {shown}", c as u32);
            } else {
                assert_eq!(shown, text, "{:x}", c as u32);
            }
        }
        assert!(
            escaped > 900_000,
            "{escaped}: the unassigned and private-use planes among them"
        );
    }

    #[test]
    fn counts_say_time_or_times() {
        assert_eq!(times(1), "1 time");
        assert_eq!(times(3), "3 times");
        assert_eq!(times(0), "0 times");
    }

    use std::time::Duration;

    #[test]
    fn bytes_are_binary_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(8_880_655), "8.5 MiB");
        assert_eq!(bytes(50 * 1024 * 1024 * 1024), "50 GiB");
        assert_eq!(bytes(-5), "0 B");
    }

    #[test]
    fn durations_keep_two_units() {
        assert_eq!(duration(Duration::from_secs(0)), "0s");
        assert_eq!(duration(Duration::from_secs(42)), "42s");
        assert_eq!(duration(Duration::from_secs(310)), "5m 10s");
        assert_eq!(
            duration(Duration::from_secs(3 * 86_400 + 4 * 3600 + 59)),
            "3d 4h"
        );
        assert_eq!(duration(Duration::from_secs(3600)), "1h");
        assert_eq!(chrono_duration(chrono::Duration::seconds(-3)), "0s");
    }

    #[test]
    fn elapsed_switches_to_seconds() {
        assert_eq!(elapsed(Duration::from_millis(12)), "12 ms");
        assert_eq!(elapsed(Duration::from_millis(1234)), "1.2 s");
    }

    #[test]
    fn identifiers_are_quoted_like_sql() {
        assert_eq!(ident("metrics"), "metrics");
        assert_eq!(ident("Metrics"), "\"Metrics\"");
        assert_eq!(ident("events; drop table x"), "\"events; drop table x\"");
        assert_eq!(ident("Ops \"Team\""), "\"Ops \"\"Team\"\"\"");
        assert_eq!(ident("température"), "\"température\"");
        assert_eq!(qualified("scn", "a b"), "scn.\"a b\"");
    }

    #[test]
    fn relative_times() {
        let now = Utc::now();
        assert_eq!(ago(now - chrono::Duration::seconds(90), now), "1m 30s ago");
        assert_eq!(ago(now + chrono::Duration::seconds(120), now), "in 2m");
        assert_eq!(seconds(604_800.0), "7d");
    }

    #[test]
    fn intervals_read_the_same_on_every_tab() {
        for (pg, shown) in [
            ("12:00:00", "12h"),
            ("3 days 01:00:00", "3d 1h"),
            ("30 days", "30d"),
            ("00:30:00", "30m"),
            ("1 mon", "1mo"),
            ("1 year 2 mons 3 days", "1y 2mo 3d"),
            ("00:00:00", "0s"),
            ("1000", "1000"),
            ("created before 7 days", "created before 7 days"),
            ("-1 days", "-1 days"),
        ] {
            assert_eq!(interval(pg), shown, "{pg}");
        }
    }
}
