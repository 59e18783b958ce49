//! Draws a replay: when the read was recorded, its sections as tabs, the section's text, keys.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::Replay;
use crate::grid::{fit, Align};
use crate::theme::Theme;

const KEYS: &str = ", . read  < > 10 min  [ ] 1 h  Tab section  ←↑↓→ scroll  q quit";

/// Lines of section text a `height`-row screen shows.
pub fn page(height: u16) -> usize {
    height.saturating_sub(3).max(1) as usize
}

pub fn draw(f: &mut Frame, r: &Replay, theme: &Theme) {
    let [head, tabs, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(f.area());
    let width = f.area().width;
    let loading = if r.loading { " · reading…" } else { "" };
    // when first: at 80 columns a long target is what is cut
    let header = format!(
        "recorded at {} (ages as of then){loading} · replay, read-only · {}",
        r.shown.at.format("%Y-%m-%d %H:%M:%S UTC"),
        r.target,
    );
    f.render_widget(
        Paragraph::new(fit(&header, width, Align::Left)).style(theme.header),
        head,
    );
    f.render_widget(Paragraph::new(tab_bar(r, theme)), tabs);
    draw_body(f, r, body);
    let status = match &r.note {
        Some(note) => format!("{note} · {}", r.position()),
        None => format!("{} · {KEYS}", r.position()),
    };
    f.render_widget(
        Paragraph::new(fit(&status, width, Align::Left)).style(theme.status),
        foot,
    );
}

fn tab_bar<'a>(r: &'a Replay, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, s) in r.shown.sections.iter().enumerate() {
        let style = if i == r.tab.min(r.shown.sections.len() - 1) {
            theme.tab_active
        } else {
            theme.tab
        };
        let label = if i < 9 {
            format!(" {} {} ", i + 1, s.name)
        } else {
            format!(" {} ", s.name)
        };
        spans.push(Span::styled(label, style));
    }
    Line::from(spans)
}

fn draw_body(f: &mut Frame, r: &Replay, area: Rect) {
    let lines: Vec<Line> = r
        .section()
        .lines
        .iter()
        .skip(r.top)
        .take(area.height as usize)
        .map(|l| {
            let moved: String = l.chars().skip(r.left).collect();
            Line::raw(fit(&moved, area.width, Align::Left).trim_end().to_string())
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
