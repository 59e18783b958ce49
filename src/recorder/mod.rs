//! The flight recorder's frames: what each read saw, kept in the database's recording
//! (`crate::recording`), and printed back as `snapshot` printed it then (`snapshot --at`).
//! `daemon` is `hypertop record`.
//!
//! A frame holds the `snapshot --json` document's top-level sections, each as the compact JSON
//! that `snapshot` serialized (so what is printed back is those very values), and the text
//! form's blocks as `snapshot --format text --utc` printed them then (ages included, which are
//! relative to the time of the read).

pub mod daemon;

use chrono::{DateTime, Utc};

use crate::recording::error::RecordError;
use crate::recording::source::Source;
use crate::recording::stamp;
use crate::recording::store::Frame;
use crate::snapshot::Snapshot;

use crate::recording::{JSON_SECTION as JSON, TEXT_SECTION as TEXT};

pub use crate::recording::is_text;

/// The frame of `snap`, read at `at`.
pub fn frame_of(snap: &Snapshot, at: DateTime<Utc>) -> Result<Frame, RecordError> {
    let compact = serde_json::to_string(&snap.document()).map_err(RecordError::Serialize)?;
    let mut sections: Vec<(String, String)> = top_level(&compact)
        .ok_or(RecordError::NotAnObject)?
        .into_iter()
        .map(|(k, v)| (format!("{JSON}{k}"), v))
        .collect();
    let text = snap.to_text(true, u16::MAX);
    sections.extend(
        blocks(&text)
            .enumerate()
            .map(|(i, b)| (format!("{TEXT}{i:03}"), b.to_string())),
    );
    Ok(Frame { at, sections })
}

/// The text split before each `== ` heading (where a split falls changes only what is stored
/// once; the blocks put together are the text).
fn blocks(text: &str) -> impl Iterator<Item = &str> {
    let mut starts: Vec<usize> = text.match_indices("\n== ").map(|(i, _)| i + 1).collect();
    starts.insert(0, 0);
    starts.push(text.len());
    starts
        .windows(2)
        .map(|w| &text[w[0]..w[1]])
        .filter(|b| !b.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// The frame as `snapshot --format json` printed it, with `recorded_at` first.
pub fn replay_json(frame: &Frame) -> String {
    let mut compact = format!("{{\"recorded_at\":\"{}\"", stamp(frame.at));
    for (name, value) in &frame.sections {
        if let Some(key) = name.strip_prefix(JSON) {
            // the key as JSON (it was one before it was stored)
            let key = serde_json::to_string(key).unwrap_or_default();
            compact.push(',');
            compact.push_str(&key);
            compact.push(':');
            compact.push_str(value);
        }
    }
    compact.push('}');
    pretty(&compact)
}

/// The frame as `snapshot --format text --utc` printed it, each line cut to `width`, under a
/// line saying when it was recorded.
pub fn replay_text(frame: &Frame, width: u16) -> String {
    let mut text = format!(
        "recorded at {} (times below are UTC)\n\n",
        frame.at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    for (name, value) in &frame.sections {
        if is_text(name) {
            text.push_str(value);
        }
    }
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        // what a frame holds came from a database (and, from a team store, from its writers)
        let line = crate::format::printable(line);
        if width == u16::MAX {
            out.push_str(&line);
            out.push('\n');
            continue;
        }
        let cut = crate::grid::fit(&line, width, crate::grid::Align::Left);
        out.push_str(cut.trim_end());
        out.push('\n');
    }
    out
}

/// What `snapshot --at` prints: the frame of the recording at `path` recorded at `at` or last
/// before it, as JSON or as text `width` wide; or what to say when there is none.
pub fn replay_at(
    store: &Source,
    target: &str,
    at: DateTime<Utc>,
    json: bool,
    width: u16,
) -> Result<String, RecordError> {
    // which server the frames are of, said with them (a recording older than that note says so)
    let server = store.server()?;
    match store.at_or_before(at)? {
        Some(frame) if json => {
            let mut out = replay_json(&frame);
            let key = serde_json::to_string(server.as_deref().unwrap_or("not noted"));
            // after the line of `recorded_at`, the first member
            let second = out.match_indices('\n').nth(1).map_or(out.len(), |(i, _)| i);
            out.insert_str(
                second,
                &format!("\n  \"recorded_server\": {},", key.unwrap_or_default()),
            );
            Ok(out + "\n")
        }
        Some(frame) => {
            let text = replay_text(&frame, width);
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            let server = server
                .as_deref()
                .unwrap_or("not noted (an older recording)");
            let line = crate::grid::fit(
                &format!("server: {server}"),
                width,
                crate::grid::Align::Left,
            );
            Ok(format!("{first}\n{}\n{rest}", line.trim_end()))
        }
        None => {
            let first = store.times()?.first().copied();
            Err(match first {
                Some(first) => RecordError::BeforeStart {
                    target: target.to_string(),
                    at,
                    first,
                },
                None => RecordError::Empty {
                    target: target.to_string(),
                    place: store.place(),
                },
            })
        }
    }
}

/// The members of a compact JSON object (`serde_json::to_string`'s output): each key and its
/// value's text. None if it is not an object.
fn top_level(compact: &str) -> Option<Vec<(String, String)>> {
    let inner = compact.strip_prefix('{')?.strip_suffix('}')?;
    let mut out = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    let mut start = 0;
    let mut split = |end: usize, out: &mut Vec<(String, String)>| -> Option<()> {
        let member = &inner[start..end];
        start = end + 1;
        if member.is_empty() {
            return Some(());
        }
        // the key is a string: its end is the first `":` outside an escape
        let mut d = serde_json::Deserializer::from_str(member).into_iter::<String>();
        let key = d.next()?.ok()?;
        let rest = member[d.byte_offset()..].strip_prefix(':')?;
        out.push((key, rest.to_string()));
        Some(())
    };
    for (i, c) in inner.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            _ if in_string => {}
            '{' | '[' => depth += 1,
            '}' | ']' => depth -= 1,
            ',' if depth == 0 => split(i, &mut out)?,
            _ => {}
        }
    }
    split(inner.len(), &mut out)?;
    Some(out)
}

/// Compact JSON laid out as `serde_json::to_string_pretty` lays it out.
fn pretty(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let mut chars = compact.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let close = if c == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(close);
                    chars.next();
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(',');
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
