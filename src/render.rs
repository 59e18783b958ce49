//! Drawing. Reads the state and the theme only; never does I/O. Only the visible rows of a
//! table are turned into widgets, so frame time does not grow with the row count.

use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table as TableWidget, Wrap};
use ratatui::Frame;

use crate::app::state::{AppState, TabView, KEYS};
use crate::format;
use crate::grid::{Align, Tone};
use crate::screens::{caption, Tab, Table};
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, now: Instant) {
    let [header, tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, state, theme);
    draw_tabs(frame, tabs, state, theme);
    if state.tab == Tab::Overview {
        draw_overview(frame, body, state, theme);
    } else {
        draw_tab(frame, body, state, state.current(), theme);
    }
    draw_status(frame, status, state, theme, now);
    if state.show_help {
        draw_help(frame, body, theme);
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let server = state
        .caps
        .as_ref()
        .map(|c| c.describe())
        .unwrap_or_else(|| "…".into());
    let mut spans = vec![
        Span::styled(" hypertop ", theme.header),
        Span::styled(format!(" {} ", state.target_short), theme.label),
        Span::styled(format!(" {server}"), theme.value),
    ];
    if state.read_only {
        spans.push(Span::styled("  [read-only]", theme.warn));
    }
    frame.render_widget(Line::from(spans), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let ts = state.timescaledb();
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == state.tab {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(format!(" {} {}", i + 1, tab.title(ts)), style));
    }
    frame.render_widget(Line::from(spans), area);
}

fn tone(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Normal => theme.value,
        Tone::Muted => theme.muted,
        Tone::Ok => theme.ok,
        Tone::Warn => theme.warn,
        Tone::Critical => theme.critical,
    }
}

fn block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(format!(" {title} "), theme.header))
}

fn message(frame: &mut Frame, area: Rect, title: String, text: &str, style: Style, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(Span::styled(text.to_string(), style))
            .wrap(Wrap { trim: true })
            .block(block(title, theme)),
        area,
    );
}

/// A tab: its table (or drill-down), or why there is nothing to show.
fn draw_tab(frame: &mut Frame, area: Rect, state: &AppState, view: &TabView, theme: &Theme) {
    let title = state.tab.title(state.timescaledb());
    if let Some(d) = &view.drill {
        let heading = format!("{} · Esc back", caption(&d.title, &d.table));
        match (&d.error, d.loaded) {
            (Some(e), _) => message(frame, area, heading, &format!("Cannot read: {e}"), theme.critical, theme),
            (None, false) => message(frame, area, heading, "Loading…", theme.muted, theme),
            (None, true) => draw_table(frame, area, heading, &d.table, theme),
        }
        return;
    }
    let heading = match (state.tab, &state.data.summary) {
        (Tab::Indexes, Some(s)) => format!(
            "{} · statistics since {}",
            caption(title, &view.table),
            s.stats_reset
                .or(s.started_at)
                .map(|t| format::timestamp(t, state.utc))
                .unwrap_or_else(|| "?".into())
        ),
        (Tab::Caggs, _) if !state.timescaledb() => format!(
            "{} · PostgreSQL records no refresh time for materialized views",
            caption(title, &view.table)
        ),
        _ => caption(title, &view.table),
    };
    if let Some(why) = &view.unavailable {
        return message(frame, area, title.to_string(), why, theme.muted, theme);
    }
    if let Some(e) = &view.error {
        if !view.loaded {
            return message(frame, area, heading, &format!("Cannot read: {e}"), theme.critical, theme);
        }
    }
    if !view.loaded {
        let text = if state.is_disconnected() {
            "Not connected. hypertop keeps retrying; press r to retry now."
        } else {
            "Loading…"
        };
        return message(frame, area, heading, text, theme.muted, theme);
    }
    draw_table(frame, area, heading, &view.table, theme);
}

fn draw_table(frame: &mut Frame, area: Rect, heading: String, table: &Table, theme: &Theme) {
    let detail = table.selected_row().and_then(|r| r.detail.clone());
    let (table_area, detail_area) = match &detail {
        Some(_) if area.height > 10 => {
            let [t, d] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
            (t, Some(d))
        }
        _ => (area, None),
    };
    let outer = block(heading, theme);
    let inner = outer.inner(table_area);
    frame.render_widget(outer, table_area);
    if table.is_empty() {
        let text = if table.total() == 0 {
            "Nothing here.".to_string()
        } else {
            format!("No rows match /{} (Esc clears the filter)", table.filter())
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.muted)), inner);
    } else {
        let layout = table.layout(inner.width);
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
        let height = inner.height.saturating_sub(1) as usize;
        let offset = table.scroll_offset(height);
        let selected = table.selected();
        let rows = (offset..(offset + height).min(table.len())).filter_map(|pos| {
            let row = table.row_at(pos)?;
            let cells = layout.iter().map(|&(c, w)| {
                let col = &table.columns[c];
                let cell = row.cells.get(c);
                let text = cell.map_or("", |x| x.text.as_str());
                let style = cell.map_or(theme.value, |x| tone(theme, x.tone));
                Line::from(Span::styled(fit(text, w, col.align), style))
            });
            let r = Row::new(cells);
            Some(if pos == selected { r.style(theme.selection) } else { r })
        });
        let widths: Vec<Constraint> = layout.iter().map(|&(_, w)| Constraint::Length(w)).collect();
        frame.render_widget(
            TableWidget::new(rows, widths).header(header).column_spacing(1),
            inner,
        );
    }
    if let (Some(text), Some(area)) = (detail, detail_area) {
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.value))
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).border_style(theme.border)),
            area,
        );
    }
}

/// Text cut to `width` columns (with `…`) and aligned.
fn fit(text: &str, width: u16, align: Align) -> String {
    let width = width as usize;
    let n = text.chars().count();
    let cut: String = if n > width {
        if width == 0 {
            String::new()
        } else {
            text.chars().take(width - 1).chain(std::iter::once('…')).collect()
        }
    } else {
        text.to_string()
    };
    match align {
        Align::Left => cut,
        Align::Right => format!("{cut:>width$}"),
    }
}

fn facts(state: &AppState) -> Vec<(&'static str, String)> {
    let Some(s) = &state.data.summary else {
        return Vec::new();
    };
    let caps = state.caps.as_ref();
    let mut out = Vec::new();
    let server = s.version.split(" on ").next().unwrap_or(&s.version).to_string();
    let ts = match (&s.timescaledb_version, caps.and_then(|c| c.timescaledb_available.clone())) {
        (Some(v), _) => format!("TimescaleDB {v}"),
        (None, Some(avail)) => format!("TimescaleDB not installed here ({avail} available)"),
        (None, None) => "no TimescaleDB".into(),
    };
    let up = s
        .uptime()
        .map(|u| format!(" · up {}", format::chrono_duration(u)))
        .unwrap_or_default();
    out.push(("Server", format!("{server} · {ts}{up}")));
    out.push((
        "Database",
        format!(
            "{} · connections {} / {}",
            format::bytes(s.database_bytes),
            s.connections,
            s.max_connections
        ),
    ));
    if s.timescaledb_version.is_some() {
        let scheduled = state
            .data
            .jobs
            .as_ref()
            .map(|j| j.iter().filter(|j| j.scheduled).count().to_string())
            .unwrap_or_else(|| "?".into());
        let workers = match s.max_background_workers {
            Some(n) => format!(" · max_background_workers {n}"),
            None => String::new(),
        };
        let running = if s.scheduler_running {
            "running".to_string()
        } else if s.timescaledb_restoring {
            "NOT RUNNING (timescaledb.restoring = on)".into()
        } else {
            "NOT RUNNING".into()
        };
        out.push((
            "Scheduler",
            format!(
                "{running} · {scheduled} scheduled jobs{workers} · max_worker_processes {}",
                s.max_worker_processes
            ),
        ));
    }
    let addr = match (&s.server_addr, s.server_port) {
        (Some(a), Some(p)) => format!("{a}:{p}"),
        _ => "local socket".into(),
    };
    out.push((
        "Session",
        format!(
            "{addr} · pid {} · {} · TLS {} · statement_timeout {}",
            s.backend_pid,
            if s.application_name.is_empty() { "—" } else { &s.application_name },
            match s.ssl {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            s.statement_timeout
        ),
    ));
    if let Some(c) = caps {
        let mut roles = vec![format!("role {}", c.role)];
        if c.is_superuser {
            roles.push("superuser".into());
        } else if c.has_pg_monitor {
            roles.push("pg_monitor".into());
        } else {
            roles.push("no pg_monitor: other sessions' details are hidden".into());
        }
        if c.in_recovery {
            roles.push("standby (read-only)".into());
        }
        out.push(("Privileges", roles.join(" · ")));
    }
    out.push((
        "Refresh",
        format!(
            "every {}{}",
            format::duration(state.refresh_every),
            if s.read_only { " · read-only session" } else { "" }
        ),
    ));
    out
}

fn draw_overview(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let facts = facts(state);
    let facts_height = if facts.is_empty() { 3 } else { facts.len() as u16 + 2 };
    let [top, bottom] =
        Layout::vertical([Constraint::Length(facts_height), Constraint::Min(3)]).areas(area);
    if facts.is_empty() {
        let text = if state.is_disconnected() {
            "Not connected. hypertop keeps retrying; press r to retry now."
        } else {
            "Loading…"
        };
        message(frame, top, "Server".into(), text, theme.muted, theme);
    } else {
        let lines: Vec<Line> = facts
            .into_iter()
            .map(|(k, v)| {
                let style = if v.starts_with("NOT RUNNING") { theme.critical } else { theme.value };
                Line::from(vec![
                    Span::styled(format!("{k:<11}"), theme.label),
                    Span::styled(v, style),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(lines).block(block("Server".into(), theme)), top);
    }
    let table = &state.view(Tab::Overview).table;
    let heading = format!("{} · Enter shows the row", caption("Problems", table));
    if state.data.summary.is_some() && table.total() == 0 && table.filter().is_empty() {
        let text = "No problems found in what has been read so far.";
        return message(frame, bottom, caption("Problems", table), text, theme.ok, theme);
    }
    draw_table(frame, bottom, heading, table, theme);
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: Instant) {
    if let Some(input) = &state.filter_input {
        let line = Line::from(vec![
            Span::styled(" /", theme.header),
            Span::styled(format!("{input}█"), theme.value),
            Span::styled("   Enter keep · Esc clear", theme.muted),
        ]);
        frame.render_widget(line, area);
        return;
    }
    let link = state.link_text(now);
    let link_style = if state.is_disconnected() {
        theme.critical
    } else {
        theme.ok
    };
    let mut spans = vec![Span::styled(format!(" {link} "), link_style)];
    let kind = state
        .current()
        .drill
        .as_ref()
        .map_or(state.tab.kind(), |d| d.kind);
    if let Some((at, took)) = state.last_refresh.get(&kind) {
        spans.push(Span::styled(
            format!(
                " refreshed {} ({})",
                format::clock(*at, state.utc),
                format::elapsed(*took)
            ),
            theme.label,
        ));
    }
    if let Some((at, err)) = &state.last_error {
        spans.push(Span::styled(
            format!("  last error {}: {err}", format::clock(*at, state.utc)),
            theme.warn,
        ));
    }
    let hint = Span::styled(" ? help  q quit ", theme.status);
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(hint.width() as u16)])
            .areas(area);
    frame.render_widget(Line::from(spans), left);
    frame.render_widget(Line::from(hint), right);
}

fn draw_help(frame: &mut Frame, area: Rect, theme: &Theme) {
    let width = 76.min(area.width);
    let height = (KEYS.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    let lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("{k:>9}  "), theme.header),
                Span::styled(*what, theme.value),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Keys (Esc closes)".into(), theme)),
        popup,
    );
}
