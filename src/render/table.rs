//! A tab's table: its rows fitted to the width, the selected row's detail below them.

use super::*;

/// The pulse's sparklines to a line: three at 80 columns still leave each a dozen.
pub(super) const PULSE_PER_LINE: usize = 3;

/// `text`'s lines once wrapped to `width` columns.
pub(super) fn wrapped_lines(text: &str, width: u16) -> usize {
    let width = width.max(1) as usize;
    text.lines()
        .map(|l| l.chars().count().div_ceil(width).max(1))
        .sum()
}

/// The height of a detail pane (borders included) in a tab `height` lines tall: set by the
/// terminal, not by the selected row's text, so the rows above it do not jump as the selection
/// moves (two lines at 80x24, up to eight on a tall terminal); 0 for a table without details.
pub(super) fn detail_height<D: Clone>(table: &crate::grid::Grid<D>, height: u16) -> u16 {
    match table.selected_row().is_some_and(|r| r.detail().is_some()) {
        true => detail_rows(height),
        false => 0,
    }
}

pub(super) fn detail_rows(height: u16) -> u16 {
    (height / 8).clamp(4, 10)
}

/// The problem rows the overview keeps on the smallest terminal, under its panel.
pub(super) const MIN_ROWS: u16 = 5;

/// `text` wrapped at `width` in at most `lines` rows. What does not fit: its first line's head
/// and the rest's last rows (a problem's root cause), each cut short marked with `…`.
pub(super) fn fit_lines(text: &str, width: u16, lines: u16) -> String {
    let (width, lines) = (usize::from(width.max(1)), usize::from(lines));
    let rows = |line: &str| -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        match chars.is_empty() {
            true => vec![String::new()],
            false => chars.chunks(width).map(|c| c.iter().collect()).collect(),
        }
    };
    let cut = |row: &str| -> String {
        let keep = row.chars().count().min(width.saturating_sub(1));
        row.chars().take(keep).chain(std::iter::once('…')).collect()
    };
    let all: Vec<Vec<String>> = text.lines().map(rows).collect();
    if all.iter().map(Vec::len).sum::<usize>() <= lines {
        return all.concat().join("\n");
    }
    let Some((first, rest)) = all.split_first() else {
        return String::new();
    };
    if lines < 2 || rest.is_empty() {
        let mut out: Vec<String> = all.concat().into_iter().take(lines.max(1)).collect();
        if let Some(last) = out.last_mut() {
            *last = cut(last);
        }
        return out.join("\n");
    }
    // the first line's first row; then the rest's last lines, each its first rows
    let mut out = vec![match first.len() {
        1 => first[0].clone(),
        _ => cut(&first[0]),
    }];
    let mut tail: Vec<String> = Vec::new();
    for line in rest.iter().rev() {
        let room = lines - 1 - tail.len();
        if room == 0 {
            break;
        }
        let mut taken: Vec<String> = line.iter().take(room).cloned().collect();
        if line.len() > room {
            if let Some(last) = taken.last_mut() {
                *last = cut(last);
            }
        }
        for row in taken.into_iter().rev() {
            tail.push(row);
        }
    }
    out.extend(tail.into_iter().rev());
    out.join("\n")
}

pub(super) fn draw_table<D: Clone>(
    frame: &mut Frame,
    area: Rect,
    heading: String,
    table: &crate::grid::Grid<D>,
    picture: Option<&Picture>,
    theme: &Theme,
) {
    let detail = table
        .selected_row()
        .and_then(|r| r.detail().map(str::to_string))
        .or_else(|| picture.map(|_| String::new()));
    let picture_lines = picture.map_or(0, Picture::height);
    let (table_area, detail_area) = match &detail {
        Some(_) if area.height > 10 => {
            // As tall as the terminal allows, whatever the row: the rows above do not jump.
            let most = area.height.saturating_sub(3 + MIN_ROWS).clamp(4, 10);
            let height = match picture {
                Some(_) => picture_lines.saturating_add(4).clamp(4, most),
                // and the room a short table leaves (the same whichever row is selected)
                None => detail_rows(frame.area().height.saturating_sub(3))
                    .max(area.height.saturating_sub(3 + table.len().min(99) as u16))
                    .min(most),
            };
            let [t, d] =
                Layout::vertical([Constraint::Min(5), Constraint::Length(height)]).areas(area);
            (t, Some(d))
        }
        _ => (area, None),
    };
    // Inside the borders: the columns that fit, and the rows under the header.
    let layout = table.layout(table_area.width.saturating_sub(2));
    let height = table_area.height.saturating_sub(3) as usize;
    let offset = table.scroll_offset(height);
    let mut heading = heading;
    if table.len() > height && height > 0 {
        heading.push_str(&format!(
            " · {}–{} of {}",
            offset + 1,
            (offset + height).min(table.len()),
            table.len()
        ));
    }
    let (left, right) = table.hidden_sides(&layout);
    let hidden = left + right;
    if hidden > 0 && !table.is_empty() {
        let cols = if hidden == 1 { "col" } else { "cols" };
        let keys = match (left, right) {
            (0, _) => "→",
            (_, 0) => "←",
            _ => "←→",
        };
        heading.push_str(&format!(" · {hidden} {cols} hidden {keys}"));
    }
    let outer = block(heading, theme);
    let inner = outer.inner(table_area);
    frame.render_widget(outer, table_area);
    if table.is_empty() {
        let text = if table.total() == 0 {
            "Nothing here.".to_string()
        } else {
            format!(
                "No rows match /{} (Esc clears the filter)",
                format::printable(table.filter())
            )
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
    } else {
        let sort = table.sort();
        let header = Row::new(layout.iter().map(|&(c, w)| {
            let col = &table.columns[c];
            let arrow = match sort {
                Some((s, true)) if s == c => "▼",
                Some((s, false)) if s == c => "▲",
                _ => "",
            };
            Line::from(fit(&format!("{}{arrow}", col.title), w, col.align)).style(theme.label)
        }));
        let selected = table.selected();
        let shown = offset..(offset + height).min(table.len());
        // in each column, the names cut there: each cut where it is like its nearest, and
        // told apart from all
        let cut: Vec<std::collections::HashMap<String, String>> = layout
            .iter()
            .map(|&(c, w)| {
                let long: Vec<String> = shown
                    .clone()
                    .filter_map(|pos| table.row_at(pos))
                    .filter_map(|row| row.cell(c).map(|x| crate::format::printable(x.text)))
                    .filter(|t| t.chars().count() > usize::from(w))
                    .collect();
                let fitted = crate::grid::fit_all_alike(&long, w, table.columns[c].align);
                long.into_iter().zip(fitted).collect()
            })
            .collect();
        let rows = shown.filter_map(|pos| {
            let row = table.row_at(pos)?;
            let cells = layout.iter().enumerate().map(|(i, &(c, w))| {
                let col = &table.columns[c];
                let cell = row.cell(c);
                // Escaped, not dropped: a name with a newline must not read as another name.
                let text = crate::format::printable(cell.map_or("", |x| x.text));
                let style = cell.map_or(theme.value, |x| tone(theme, x.tone));
                Line::from(Span::styled(
                    cut[i]
                        .get(text.as_str())
                        .cloned()
                        .unwrap_or_else(|| crate::grid::fit(&text, w, col.align)),
                    style,
                ))
            });
            let r = Row::new(cells);
            Some(if pos == selected {
                r.style(theme.selection)
            } else {
                r
            })
        });
        let widths: Vec<Constraint> = layout.iter().map(|&(_, w)| Constraint::Length(w)).collect();
        frame.render_widget(
            TableWidget::new(rows, widths)
                .header(header)
                .column_spacing(1),
            inner,
        );
    }
    if let (Some(text), Some(area)) = (detail, detail_area) {
        // Line by line: its own line breaks are layout, anything else from a name is escaped.
        let text = text
            .lines()
            .map(crate::format::printable)
            .collect::<Vec<_>>()
            .join("\n");
        let outer = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border);
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        // The picture at the pane's foot, the text above it; when both do not fit, the text
        // (a job's error, a problem's causes) and no picture.
        let text_lines = wrapped_lines(&text, inner.width);
        let (text_area, picture_area) = match picture {
            Some(_) if text.is_empty() => (Rect::default(), Some(inner)),
            Some(p) if inner.height as usize >= text_lines + p.height() as usize => {
                let [t, p] = Layout::vertical([Constraint::Min(1), Constraint::Length(p.height())])
                    .areas(inner);
                (t, Some(p))
            }
            _ => (inner, None),
        };
        let text = fit_lines(&text, text_area.width, text_area.height);
        frame.render_widget(
            Paragraph::new(ratatui::text::Text::styled(text, theme.value)),
            text_area,
        );
        if let (Some(p), Some(at)) = (picture, picture_area) {
            pictures::draw(frame, at, p, theme);
        }
    }
}
