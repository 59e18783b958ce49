//! Text fitted to a column's width.

use super::*;

/// Text cut to `width` columns (with `…`) and aligned. A name (text without spaces) is cut in
/// the middle when there is room for both ends: names that share a long prefix
/// (`telemetry_machine_time_idx`, `telemetry_machine_time_idx_again`) stay told apart by their
/// ends; prose keeps its beginning.
pub fn fit(text: &str, width: u16, align: Align) -> String {
    let width = width as usize;
    let n = text.chars().count();
    let cut: String = if n > width {
        if width == 0 {
            String::new()
        } else if width >= 16 && !text.contains(char::is_whitespace) {
            let tail = (width - 1) / 3;
            let head = width - 1 - tail;
            text.chars()
                .take(head)
                .chain(std::iter::once('…'))
                .chain(text.chars().skip(n - tail))
                .collect()
        } else {
            text.chars()
                .take(width - 1)
                .chain(std::iter::once('…'))
                .collect()
        }
    } else {
        text.to_string()
    };
    match align {
        Align::Left => cut,
        Align::Right => format!("{cut:>width$}"),
    }
}

/// Like [`fit`], for a name that shares its first `shared` characters with the other names it
/// is shown among (`factory_telemetry.metrics_hist_1min`, `…_1hour`): cut there, where they are
/// alike, so the part that tells them apart stays whole; else as [`fit`] cuts it.
pub fn fit_alike(text: &str, width: u16, align: Align, shared: usize) -> String {
    fit_alike_keeping(text, width, align, shared, 4)
}

/// Each of `texts` cut to `width` as [`fit_alike`] cuts it beside the others; those whose cuts
/// would still read the same give up the schema's first characters for more of their end.
pub fn fit_all_alike(texts: &[String], width: u16, align: Align) -> Vec<String> {
    let cut = |head: usize| -> Vec<String> {
        texts
            .iter()
            .map(|t| fit_alike_keeping(t, width, align, shared_with_others(t, texts), head))
            .collect()
    };
    let (mut out, longer) = (cut(4), cut(0));
    let alike: Vec<bool> = (0..out.len())
        .map(|i| (0..out.len()).any(|j| j != i && out[j] == out[i] && texts[j] != texts[i]))
        .collect();
    for (i, alike) in alike.into_iter().enumerate() {
        if alike {
            out[i] = longer[i].clone();
        }
    }
    out
}

fn fit_alike_keeping(text: &str, width: u16, align: Align, shared: usize, keep: usize) -> String {
    let n = text.chars().count();
    let w = usize::from(width);
    if n <= w || w < 8 || text.contains(char::is_whitespace) {
        return fit(text, width, align);
    }
    let drop = n - w + 1;
    if drop > shared {
        return fit(text, width, align);
    }
    // a few of its first characters (the schema's start), then the rest from past the cut
    let head = (shared - drop).min(keep);
    text.chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(text.chars().skip(head + drop))
        .collect()
}

/// How many first characters `text` shares with the one of `others` most like it (itself
/// among them left out): where `text` is cut so that what tells it from its nearest neighbour
/// stays (eight `_timescaledb_internal._materialized_hypertable_N_bucket_idx` beside
/// `plant.telemetry_…` names: what all of them share is nothing, what each shares with its
/// like is all but its number).
pub fn shared_with_others(text: &str, others: &[String]) -> usize {
    others
        .iter()
        .filter(|o| o.as_str() != text)
        .map(|o| {
            text.chars()
                .zip(o.chars())
                .take_while(|(a, b)| a == b)
                .count()
        })
        .max()
        .unwrap_or(0)
}

/// Like [`fit`], and left-aligned text padded to `width` too (for plain-text tables).
pub fn pad(text: &str, width: u16, align: Align) -> String {
    let w = width as usize;
    format!("{:<w$}", fit(text, width, align))
}
