//! What the recording saw of an action's object around it — a refreshed aggregate's lag, a
//! hypertable's size — so that the journal's history shows what an action did, not only that
//! it ran: `lag 21h 4m at 10:31 → 2m 10s at 10:33`.

use crate::actions::journal::{Contents, Entry};
use crate::command::parse::{parse, Command, ObjectName};
use crate::command::spec::family;
use crate::history::Series;
use crate::recording::store::Store;

/// The number of an object a command moves, as the recording keeps it.
fn series_of(cmd: &Command) -> Option<Series> {
    let key = |o: &ObjectName| -> Option<Box<str>> {
        // the recording's keys are schema-qualified, as the journal's commands are
        Some(crate::format::qualified(o.schema.as_deref()?, &o.name).into())
    };
    Some(match cmd {
        Command::Refresh(family::Refresh::Refresh { cagg, .. })
        | Command::Policies(family::Policies::SetRefreshPolicy { cagg, .. })
        | Command::Policies(family::Policies::RemoveRefreshPolicy { cagg }) => {
            Series::CaggLag(key(cagg)?)
        }
        Command::Chunks(family::Chunks::Compress { hypertable, .. })
        | Command::Chunks(family::Chunks::Decompress { hypertable, .. })
        | Command::Settings(family::Settings::SetCompression { hypertable, .. })
        | Command::Merge(family::Merge::MergeChunks { hypertable, .. })
        | Command::Merge(family::Merge::Compact { hypertable, .. }) => {
            Series::HypertableBytes(key(hypertable)?)
        }
        Command::Chunks(family::Chunks::DropChunks { relation, .. }) => {
            Series::HypertableBytes(key(relation)?)
        }
        _ => return None,
    })
}

fn shown(series: &Series, value: f64) -> String {
    match series {
        Series::CaggLag(_) => crate::format::seconds(value),
        _ => crate::format::bytes(value as i64),
    }
}

/// The line under `entry` saying what the recording saw of its object before it started and
/// first after it ended; None when the command moves no recorded number, or none was recorded.
pub fn seen(entry: &Entry, store: &Store, utc: bool) -> Option<String> {
    let cmd = parse(&entry.intent.command).ok()?;
    let series = series_of(&cmd)?;
    let seconds = |t: chrono::DateTime<chrono::Utc>| u32::try_from(t.timestamp()).ok();
    let started = seconds(entry.intent.time)?;
    let ended = entry
        .outcome
        .as_ref()
        .and_then(|o| seconds(o.time))
        .unwrap_or(started);
    let before = store.sample_at_or_before(&series, started).ok()?;
    let after = store.sample_after(&series, ended).ok()?;
    let at = |s: u32| {
        let t = chrono::DateTime::from_timestamp(s.into(), 0).unwrap_or_default();
        crate::format::clock(t, utc)
    };
    let what = match series {
        Series::CaggLag(_) => "lag",
        _ => "size",
    };
    Some(match (before, after) {
        (None, None) => return None,
        (Some(b), Some(a)) => format!(
            "    recorded: {what} {} at {} → {} at {}",
            shown(&series, b.value),
            at(b.at),
            shown(&series, a.value),
            at(a.at)
        ),
        (Some(b), None) => format!(
            "    recorded: {what} {} at {}, nothing recorded after",
            shown(&series, b.value),
            at(b.at)
        ),
        (None, Some(a)) => format!(
            "    recorded: {what} {} at {}, nothing recorded before",
            shown(&series, a.value),
            at(a.at)
        ),
    })
}

/// The history's `lines` (one per entry of `contents`, then any notes) with, under each
/// entry, what the recording saw of its object.
pub fn interleaved(
    contents: &Contents,
    lines: Vec<String>,
    store: &Store,
    utc: bool,
) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut lines = lines.into_iter();
    for (entry, line) in contents.entries.iter().zip(lines.by_ref()) {
        out.push(line);
        out.extend(seen(entry, store, utc).map(|l| crate::format::printable(&l)));
    }
    out.extend(lines);
    out
}
