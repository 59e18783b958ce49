//! Drawing the palette and the action dialogs.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use crate::actions::Confirm;
use crate::app::modal::{ConfirmState, Modal, Palette, Running};
use crate::format;
use crate::theme::Theme;

fn block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.header))
}

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

pub fn draw(frame: &mut Frame, area: Rect, modal: &Modal, theme: &Theme, now: std::time::Instant) {
    match modal {
        Modal::None => {}
        Modal::Palette(p) => palette(frame, area, p, theme),
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
        }
        Modal::Confirm(c) => confirm(frame, area, c, theme),
        Modal::Running(r) => running(frame, area, r, theme, now),
        Modal::Message {
            title,
            lines,
            error,
        } => {
            let height = (lines.len() as u16 + 3).min(area.height);
            let r = centred(area, 100, height.max(4));
            let style = if *error { theme.critical } else { theme.value };
            frame.render_widget(Clear, r);
            frame.render_widget(
                Paragraph::new(
                    lines
                        .iter()
                        .map(|l| Line::from(Span::styled(l.clone(), style)))
                        .collect::<Vec<_>>(),
                )
                .wrap(Wrap { trim: false })
                .block(block(format!("{title} · any key closes"), theme)),
                r,
            );
        }
    }
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
            let style = if i == 0 { theme.selection } else { theme.value };
            Line::from(Span::styled(format!(" {s}"), style))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}

fn confirm(frame: &mut Frame, area: Rect, c: &ConfirmState, theme: &Theme) {
    let plan = &c.plan;
    let mut lines = vec![
        Line::from(Span::styled(plan.summary.clone(), theme.value)),
        Line::from(vec![
            Span::styled("Affects  ", theme.label),
            Span::styled(
                {
                    let shown: Vec<&str> =
                        plan.affects.iter().take(4).map(String::as_str).collect();
                    let more = plan.affects.len().saturating_sub(4);
                    format!(
                        "{}{}",
                        shown.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    )
                },
                theme.value,
            ),
        ]),
        Line::from(vec![
            Span::styled("Locks    ", theme.label),
            Span::styled(plan.locks.clone(), theme.value),
        ]),
    ];
    for w in &plan.warnings {
        lines.push(Line::from(Span::styled(
            format!("Warning: {w}"),
            theme.critical,
        )));
    }
    lines.push(Line::from(Span::styled("SQL", theme.label)));
    for s in plan.preview_sql(6) {
        lines.push(Line::from(Span::styled(format!("  {s}"), theme.ok)));
    }
    match (&plan.inverse, &plan.irreversible) {
        (Some(_), _) => lines.push(Line::from(Span::styled(
            "Reversible: the previous settings are journaled; `rollback` undoes it.",
            theme.muted,
        ))),
        (None, Some(why)) => lines.push(Line::from(Span::styled(
            format!("Irreversible: {why}"),
            theme.warn,
        ))),
        _ => {}
    }
    lines.push(Line::from(""));
    match &plan.confirm {
        Confirm::TypeName(name) => {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("Type {name} and Enter to execute (anything else cancels): "),
                    theme.warn,
                ),
                Span::styled(format!("{}█", c.typed), theme.value),
            ]));
        }
        Confirm::Choose => {
            let (cancel, exec) = if c.execute_selected {
                (theme.value, theme.selection)
            } else {
                (theme.selection, theme.value)
            };
            lines.push(Line::from(vec![
                Span::styled("[ Cancel ]", cancel),
                Span::raw("   "),
                Span::styled("[ Execute ]", exec),
                Span::styled("   ←→ choose · Enter · Esc cancels", theme.muted),
            ]));
        }
    }
    let height = (lines.len() as u16 + 4).min(area.height);
    let r = centred(area, 110, height);
    frame.render_widget(Clear, r);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(format!("Confirm: {}", plan.command), theme)),
        r,
    );
}

fn running(frame: &mut Frame, area: Rect, r: &Running, theme: &Theme, now: std::time::Instant) {
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
