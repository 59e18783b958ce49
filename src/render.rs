//! Drawing. Reads the state and the theme only; never does I/O.

use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::app::state::{AppState, KEYS};
use crate::format;
use crate::theme::Theme;

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, now: Instant) {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, state, theme);
    draw_summary(frame, body, state, theme);
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

fn kv<'a>(label: &'a str, value: String, theme: &Theme) -> Row<'a> {
    Row::new(vec![
        Span::styled(label, theme.label),
        Span::styled(value, theme.value),
    ])
}

fn draw_summary(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(" Server ", theme.header));
    let Some(s) = &state.summary else {
        let text = if state.is_disconnected() {
            "Not connected. hypertop keeps retrying; press r to retry now."
        } else {
            "Loading…"
        };
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.muted)).block(block),
            area,
        );
        return;
    };
    let mut rows = vec![kv(
        "Server",
        s.version
            .split(" on ")
            .next()
            .unwrap_or(&s.version)
            .to_string(),
        theme,
    )];
    let ts = match (
        &s.timescaledb_version,
        state
            .caps
            .as_ref()
            .and_then(|c| c.timescaledb_available.clone()),
    ) {
        (Some(v), _) => v.clone(),
        (None, Some(avail)) => format!("not installed in this database ({avail} available)"),
        (None, None) => "not installed".into(),
    };
    rows.push(kv("TimescaleDB", ts, theme));
    if let Some(up) = s.uptime() {
        rows.push(kv("Uptime", format::chrono_duration(up), theme));
    }
    rows.push(kv("Database size", format::bytes(s.database_bytes), theme));
    rows.push(kv(
        "Connections",
        format!("{} / {}", s.connections, s.max_connections),
        theme,
    ));
    let addr = match (&s.server_addr, s.server_port) {
        (Some(a), Some(p)) => format!("{a}:{p}"),
        _ => "local socket".into(),
    };
    rows.push(kv("Server address", addr, theme));
    rows.push(kv(
        "Session",
        format!(
            "pid {} · {} · TLS {} · statement_timeout {}",
            s.backend_pid,
            if s.application_name.is_empty() {
                "—"
            } else {
                &s.application_name
            },
            match s.ssl {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            s.statement_timeout
        ),
        theme,
    ));
    if let Some(c) = &state.caps {
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
        rows.push(kv("Privileges", roles.join(" · "), theme));
    }
    rows.push(kv(
        "Refresh",
        format!(
            "every {}{}",
            format::duration(state.refresh_every),
            if s.read_only {
                " · read-only session"
            } else {
                ""
            }
        ),
        theme,
    ));
    let table = Table::new(rows, [Constraint::Length(15), Constraint::Min(10)]).block(block);
    frame.render_widget(table, area);
}

fn draw_status(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme, now: Instant) {
    let link = state.link_text(now);
    let link_style = if state.is_disconnected() {
        theme.critical
    } else {
        theme.ok
    };
    let mut spans = vec![Span::styled(format!(" {link} "), link_style)];
    if let Some((at, took)) = &state.last_refresh {
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
    let width = 60.min(area.width);
    let height = (KEYS.len() as u16 + 4).min(area.height);
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
                Span::styled(format!("{k:>8}  "), theme.header),
                Span::styled(*what, theme.value),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(" Keys (Esc closes) ", theme.header)),
        ),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::LinkState;
    use crate::model::Summary;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::time::Duration;

    fn state() -> AppState {
        let mut s = AppState::new(
            "mon@db1:5432/metrics".into(),
            Duration::from_secs(2),
            true,
            true,
        );
        s.link = LinkState::Connected;
        let now = chrono::Utc::now();
        s.summary = Some(Summary {
            version: "PostgreSQL 15.20 on x86_64".into(),
            started_at: Some(now - chrono::Duration::seconds(3 * 86_400 + 7200)),
            server_now: now,
            database_bytes: 5 * 1024 * 1024 * 1024,
            connections: 12,
            max_connections: 100,
            server_addr: Some("10.0.0.5".into()),
            server_port: Some(5432),
            backend_pid: 4242,
            application_name: String::new(),
            timescaledb_version: None,
            ssl: Some(true),
            read_only: true,
            statement_timeout: "5s".into(),
        });
        s
    }

    fn screen(state: &AppState, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| draw(f, state, &Theme::mono(), Instant::now()))
            .unwrap();
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn summary_fits_80x24() {
        let text = screen(&state(), 80, 24);
        for needle in [
            "mon@db1:5432/metrics",
            "[read-only]",
            "PostgreSQL 15.20",
            "3d 2h",
            "5.0 GiB",
            "12 / 100",
            "10.0.0.5:5432",
            "pid 4242 · — · TLS on",
            "? help  q quit",
        ] {
            assert!(text.contains(needle), "{needle:?} missing:\n{text}");
        }
    }

    #[test]
    fn help_overlay_lists_every_key_and_tiny_terminals_do_not_panic() {
        let mut s = state();
        s.show_help = true;
        let text = screen(&s, 80, 24);
        for (key, what) in KEYS {
            assert!(
                text.contains(key) && text.contains(what),
                "{key} missing:\n{text}"
            );
        }
        for (w, h) in [(1, 1), (10, 3), (20, 5)] {
            screen(&s, w, h);
        }
    }

    #[test]
    fn disconnected_without_data_says_so() {
        let mut s = AppState::new("x".into(), Duration::from_secs(2), true, false);
        s.link = LinkState::Disconnected {
            error: "refused".into(),
            retry_at: Instant::now() + Duration::from_secs(8),
        };
        let text = screen(&s, 80, 24);
        assert!(text.contains("disconnected — retrying in 8s"), "{text}");
        assert!(text.contains("Not connected"), "{text}");
    }
}
