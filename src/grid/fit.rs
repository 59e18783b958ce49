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
    let head = (shared - drop).min(4);
    text.chars()
        .take(head)
        .chain(std::iter::once('…'))
        .chain(text.chars().skip(head + drop))
        .collect()
}

/// How many first characters all of `texts` share.
pub fn shared_prefix<'a>(texts: impl IntoIterator<Item = &'a str>) -> usize {
    let mut texts = texts.into_iter();
    let Some(first) = texts.next() else { return 0 };
    let mut shared = first.chars().count();
    for t in texts {
        shared = first
            .chars()
            .zip(t.chars())
            .take(shared)
            .take_while(|(a, b)| a == b)
            .count();
    }
    shared
}

/// Like [`fit`], and left-aligned text padded to `width` too (for plain-text tables).
pub fn pad(text: &str, width: u16, align: Align) -> String {
    let w = width as usize;
    format!("{:<w$}", fit(text, width, align))
}
