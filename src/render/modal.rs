//! Drawing the palette and the action dialogs.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::block;
use crate::actions::Confirm;
use crate::app::modal::{ConfirmState, Modal, Palette, RunProgress, Scroll, ScrollBounds};
use crate::format;
use crate::theme::Theme;

/// A box of `height` rows centred in `area`, as wide as it allows up to `width`.
fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Draws the modal; the bounds of its body's scroll, for one that scrolls.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    modal: &Modal,
    theme: &Theme,
    now: std::time::Instant,
) -> Option<ScrollBounds> {
    match modal {
        Modal::None => None,
        Modal::Palette(p) => {
            palette(frame, area, p, theme);
            None
        }
        Modal::Planning(line) => {
            let r = centred(area, 70, 3);
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("Reading the catalog for: {line}"),
                    theme.muted,
                ))
                .block(block("Planning · Esc closes".into(), theme)),
                r,
            );
            None
        }
        Modal::Confirm(c) => confirm(frame, area, c, theme),
        Modal::Running(r) => {
            running(frame, area, r, theme, now);
            None
        }
        Modal::Message(m) => {
            let style = if m.error { theme.critical } else { theme.value };
            let body = m
                .lines
                .iter()
                .map(|l| Line::from(Span::styled(crate::format::printable(l), style)))
                .collect();
            let footer = match &m.then {
                Some(then) => vec![
                    Line::from(Span::styled(
                        format!("Enter: {}", crate::format::printable(&then.what)),
                        theme.label,
                    )),
                    Line::from(Span::styled("any other key closes", theme.muted)),
                ],
                None => vec![Line::from(Span::styled(
                    "any other key closes",
                    theme.muted,
                ))],
            };
            dialog(frame, area, &m.title, body, footer, 110, &m.scroll, theme)
        }
    }
}

/// The smallest area a dialog is drawn in; below it, the dialog says the terminal is too small.
pub const MIN_DIALOG: (u16, u16) = (30, 7);

/// A dialog: a body that wraps and scrolls (↑↓ PgUp PgDn Home End) above a footer — buttons or
/// a prompt — that is always shown. Sized by the body's wrapped rows, up to `area`; returns how
/// far its body scrolls and a page's rows (none where the terminal is too small for it).
#[allow(clippy::too_many_arguments)]
pub fn dialog(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    body: Vec<Line>,
    footer: Vec<Line>,
    max_width: u16,
    scroll: &Scroll,
    theme: &Theme,
) -> Option<ScrollBounds> {
    if area.width < MIN_DIALOG.0 || area.height < MIN_DIALOG.1 {
        too_small(frame, area, theme);
        return None;
    }
    let width = max_width.min(area.width);
    let inner_width = width.saturating_sub(2).max(1);
    let body = Paragraph::new(body).wrap(Wrap { trim: false });
    let footer = Paragraph::new(footer).wrap(Wrap { trim: false });
    let body_rows = body.line_count(inner_width) as u16;
    let footer_rows = (footer.line_count(inner_width) as u16).min(area.height - 3);
    let height = (body_rows + footer_rows + 2).min(area.height);
    let visible = height - 2 - footer_rows;
    let max = body_rows.saturating_sub(visible);
    let bounds = ScrollBounds {
        max,
        page: visible.saturating_sub(1).max(1),
    };
    let offset = scroll.offset.min(max);
    let title = if max > 0 {
        format!(
            "{title} · {}–{} of {} ↑↓ PgUp PgDn",
            offset + 1,
            offset + visible,
            body_rows
        )
    } else {
        title.to_string()
    };
    let r = centred(area, width, height);
    frame.render_widget(Clear, r);
    let outer = block(title, theme);
    let inner = outer.inner(r);
    frame.render_widget(outer, r);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(visible), Constraint::Length(footer_rows)])
            .areas(inner);
    frame.render_widget(body.scroll((offset, 0)), top);
    frame.render_widget(footer, bottom);
    Some(bounds)
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(format!(
            "Terminal too small for this dialog ({}x{}; needs {}x{}). Enlarge it, or Esc.",
            area.width, area.height, MIN_DIALOG.0, MIN_DIALOG.1
        ))
        .style(theme.warn)
        .wrap(Wrap { trim: true }),
        area,
    );
}

fn palette(frame: &mut Frame, area: Rect, p: &Palette, theme: &Theme) {
    let height = (p.suggestions.len() as u16 + 4).min(area.height);
    let r = Rect {
        x: area.x,
        y: area.y + area.height.saturating_sub(height),
        width: area.width,
        height,
    };
    frame.render_widget(Clear, r);
    let outer = block(
        "Command · Enter plans · Tab completes · ↑↓ history · Esc closes".into(),
        theme,
    );
    let inner = outer.inner(r);
    frame.render_widget(outer, r);
    let [input, hint, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let [prompt, field] =
        Layout::horizontal([Constraint::Length(2), Constraint::Min(1)]).areas(input);
    frame.render_widget(Span::styled(": ", theme.header), prompt);
    frame.render_widget(&p.input, field);
    let hint_line = match (&p.error, p.submitted_error) {
        (Some(e), true) => Span::styled(e.clone(), theme.critical),
        (Some(e), false) => Span::styled(
            p.hint()
                .map(|h| format!("{h}  ·  {e}"))
                .unwrap_or_else(|| e.clone()),
            theme.muted,
        ),
        (None, _) => Span::styled(p.hint().unwrap_or_default(), theme.muted),
    };
    frame.render_widget(Line::from(hint_line), hint);
    let lines: Vec<Line> = p
        .suggestions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let style = if i == p.selected {
                theme.selection
            } else {
                theme.value
            };
            Line::from(Span::styled(format!(" {s}"), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

fn confirm(frame: &mut Frame, area: Rect, c: &ConfirmState, theme: &Theme) -> Option<ScrollBounds> {
    let plan = &c.plan;
    let label = |name: &'static str, text: String, style| {
        Line::from(vec![
            Span::styled(format!("{name:<13}"), theme.label),
            Span::styled(crate::format::printable(&text), style),
        ])
    };
    let mut lines = vec![Line::from(Span::styled(plan.summary.clone(), theme.value))];
    for c in plan.consequences(4) {
        use crate::actions::Emphasis;
        let style = match c.emphasis {
            Emphasis::Plain => theme.value,
            Emphasis::Caution => theme.warn,
            Emphasis::Danger => theme.critical,
            Emphasis::Quiet => theme.muted,
        };
        lines.push(label(c.label, c.text, style));
    }
    lines.push(Line::from(Span::styled("SQL", theme.label)));
    for s in plan.preview_sql(6) {
        lines.push(Line::from(Span::styled(format!("  {s}"), theme.ok)));
    }
    let footer = match &plan.confirm {
        Confirm::TypeName(_) | Confirm::TypeRelation { .. } => {
            let asked = plan.confirm.asked().unwrap_or_default();
            let mut v = vec![Line::from(Span::styled(
                format!("Type {asked} and Enter to execute (Esc cancels):"),
                theme.warn,
            ))];
            if let Some(m) = &c.mismatch {
                v.push(Line::from(Span::styled(
                    format!("'{}' is not it: type it again", crate::format::printable(m)),
                    theme.critical,
                )));
            }
            v.push(Line::from(Span::styled(
                format!("> {}█", crate::format::printable(&c.typed)),
                theme.value,
            )));
            v
        }
        Confirm::Choose => {
            let (cancel, exec) = if c.execute_selected {
                (theme.value, theme.selection)
            } else {
                (theme.selection, theme.value)
            };
            vec![Line::from(vec![
                Span::styled("[ Cancel ]", cancel),
                Span::raw("   "),
                Span::styled("[ Execute ]", exec),
                Span::styled("   ←→ choose · Enter · Esc cancels", theme.muted),
            ])]
        }
    };
    let title = format!("Confirm: {}", plan.command);
    dialog(frame, area, &title, lines, footer, 110, &c.scroll, theme)
}

fn running(frame: &mut Frame, area: Rect, r: &RunProgress, theme: &Theme, now: std::time::Instant) {
    let rect = centred(area, 80, 6);
    frame.render_widget(Clear, rect);
    let outer = block(
        format!(
            "Running: {} · {}",
            r.command,
            if r.cancelling {
                "cancelling…"
            } else {
                "Esc cancels"
            }
        ),
        theme,
    );
    let inner = outer.inner(rect);
    frame.render_widget(outer, rect);
    let [label, gauge, time] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    frame.render_widget(Span::styled(r.label.clone(), theme.value), label);
    let ratio = if r.total == 0 {
        0.0
    } else {
        r.step as f64 / r.total as f64
    };
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.ok)
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!("{}/{}", r.step, r.total)),
        gauge,
    );
    frame.render_widget(
        Span::styled(
            format!(
                "elapsed {}",
                format::elapsed(now.saturating_duration_since(r.started))
            ),
            theme.muted,
        ),
        time,
    );
}
