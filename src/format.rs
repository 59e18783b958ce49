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

/// Text from the database made safe for a terminal: control characters (ESC, BEL, CR, C1 …),
/// bidirectional overrides and marks, and characters a reader cannot see or tells from a
/// space no better (zero-width, soft hyphen, no-break and other spaces, line separators) are
/// shown as `\x1b` / `\u{202e}` escapes, so a hostile name can neither move the cursor,
/// retitle the terminal, reorder what is shown nor pass for another name. The one routine for
/// the screen, text output, `check`, files and the exporter's label values.
pub fn printable(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
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

pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // spaces other than the space, and line and paragraph separators
            '\u{a0}' | '\u{1680}' | '\u{2000}'..='\u{200a}' | '\u{2028}' | '\u{2029}'
            | '\u{202f}' | '\u{205f}' | '\u{3000}'
            // format characters: soft hyphen, zero-width ones, bidirectional marks, overrides
            // and isolates, word joiners, the byte order mark, interlinear annotations, tags
            | '\u{ad}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
            | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}' | '\u{e0001}' | '\u{e0020}'..='\u{e007f}'
            // blank fillers, the grapheme joiner and variation selectors: invisible
            | '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}' | '\u{34f}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{e0100}'..='\u{e01ef}')
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
    if !name.chars().any(needs_escape) {
        return ident(name);
    }
    let mut out = String::from("U&\"");
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\\\"),
            c if needs_escape(c) && (c as u32) <= 0xffff => {
                out.push_str(&format!("\\{:04X}", c as u32))
            }
            c if needs_escape(c) => out.push_str(&format!("\\+{:06X}", c as u32)),
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
