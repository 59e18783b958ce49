//! Drawing. Reads the state and the theme only; never does I/O. Only the visible rows of a
//! table are turned into widgets, so frame time does not grow with the row count.

mod modal;

use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table as TableWidget, Wrap};
use ratatui::Frame;

use crate::app::state::{AppState, TabView, KEYS};
use crate::format;
use crate::grid::{fit, Tone};
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
        draw_help(frame, body, state, theme);
    }
    modal::draw(frame, body, &state.modal, theme, now);
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
    ];
    if state.read_only {
        spans.push(Span::styled("[read-only] ", theme.warn));
    }
    spans.push(Span::styled(format!(" {server}"), theme.value));
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
            (Some(e), _) => message(
                frame,
                area,
                heading,
                &format!("Cannot read: {e}"),
                theme.critical,
                theme,
            ),
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
            return message(
                frame,
                area,
                heading,
                &format!("Cannot read: {e}"),
                theme.critical,
                theme,
            );
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
    let detail = table
        .selected_row()
        .and_then(|r| r.detail().map(str::to_string));
    let (table_area, detail_area) = match &detail {
        Some(_) if area.height > 10 => {
            let [t, d] = Layout::vertical([Constraint::Min(5), Constraint::Length(4)]).areas(area);
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
    let hidden = table.columns.len() - layout.len();
    if hidden > 0 && !table.is_empty() {
        let cols = if hidden == 1 { "col" } else { "cols" };
        heading.push_str(&format!(" · {hidden} {cols} hidden"));
    }
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
        let rows = (offset..(offset + height).min(table.len())).filter_map(|pos| {
            let row = table.row_at(pos)?;
            let cells = layout.iter().map(|&(c, w)| {
                let col = &table.columns[c];
                let cell = row.cell(c);
                let text = cell.map_or("", |x| x.text);
                let style = cell.map_or(theme.value, |x| tone(theme, x.tone));
                Line::from(Span::styled(fit(text, w, col.align), style))
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
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.value))
                .wrap(Wrap { trim: false })
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .border_style(theme.border),
                ),
            area,
        );
    }
}

fn facts(state: &AppState) -> Vec<(&'static str, String)> {
    let Some(s) = &state.data.summary else {
        return Vec::new();
    };
    let caps = state.caps.as_ref();
    let mut out = Vec::new();
    let server = s
        .version
        .split(" on ")
        .next()
        .unwrap_or(&s.version)
        .to_string();
    let ts = match (
        &s.timescaledb_version,
        caps.and_then(|c| c.timescaledb_available.clone()),
    ) {
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
    let app = if s.application_name.is_empty() {
        "—"
    } else {
        &s.application_name
    };
    // No PostgreSQL backend has pid 0: this is an embedded engine (the demo's and the tests'),
    // which reports no address, pid or TLS of its own.
    let session = if s.backend_pid == 0 {
        format!(
            "embedded engine: one shared session, no TLS, no cancel · {app} · database {} · statement_timeout {}",
            caps.map_or("?", |c| c.database.as_str()),
            s.statement_timeout
        )
    } else {
        format!(
            "{addr} · pid {} · {app} · TLS {} · statement_timeout {}",
            s.backend_pid,
            match s.ssl {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            s.statement_timeout
        )
    };
    out.push(("Session", session));
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
            if s.read_only {
                " · read-only session"
            } else {
                ""
            }
        ),
    ));
    out
}

fn draw_overview(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let facts = facts(state);
    let facts_height = if facts.is_empty() {
        3
    } else {
        facts.len() as u16 + 2
    };
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
                let style = if v.starts_with("NOT RUNNING") {
                    theme.critical
                } else {
                    theme.value
                };
                Line::from(vec![
                    Span::styled(format!("{k:<11}"), theme.label),
                    Span::styled(v, style),
                ])
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(block("Server".into(), theme)),
            top,
        );
    }
    let table = &state.view(Tab::Overview).table;
    let heading = format!("{} · Enter shows the row", caption("Problems", table));
    if state.data.summary.is_some() && table.total() == 0 && table.filter().is_empty() {
        let text = "No problems found in what has been read so far.";
        return message(
            frame,
            bottom,
            caption("Problems", table),
            text,
            theme.ok,
            theme,
        );
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
    let back = state.jumped_from.is_some() || state.current().drill.is_some();
    let keys = [
        state.tab.keys(),
        if back { "Esc back" } else { "" },
        "/ filter  : actions  ? help  q quit",
    ]
    .iter()
    .filter(|k| !k.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join("  ");
    let hint = Span::styled(format!("  {keys} "), theme.status);
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(hint.width() as u16)])
            .areas(area);
    frame.render_widget(Line::from(spans), left);
    frame.render_widget(Line::from(hint), right);
}

fn draw_help(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let key_line = |k: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("{k:>9}  "), theme.header),
            Span::styled(what.to_string(), theme.value),
        ])
    };
    let mut lines: Vec<Line> = KEYS.iter().map(|(k, what)| key_line(k, what)).collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Palette (:) — commands, then navigation",
        theme.label,
    )));
    lines.extend(
        crate::actions::parse::COMMANDS
            .iter()
            .map(|(name, synopsis)| key_line(name, synopsis)),
    );
    lines.push(key_line("go to", crate::app::modal::Navigation::WORDS));
    let footer = vec![Line::from(Span::styled(
        "Esc ? or Enter closes",
        theme.muted,
    ))];
    modal::dialog(
        frame,
        area,
        "Keys",
        lines,
        footer,
        100,
        &state.help_scroll,
        theme,
    );
}

#[cfg(test)]
mod tests {
    //! Snapshots of every tab at 80x24 and 160x48 (text), and with the mono theme (text and
    //! styles), from a fixed state so they only change when the drawing does.

    use super::*;
    use crate::capabilities::{Capabilities, TimescaleFeatures};
    use crate::link::LinkState;
    use crate::model::caggs::{Cagg, RefreshPolicy, Watermark};
    use crate::model::compression::Compression;
    use crate::model::hypertables::Hypertable;
    use crate::model::indexes::{category, Index};
    use crate::model::jobs::Job;
    use crate::model::retention::Retention;
    use crate::model::{Bound, Payload, QueryKind, Summary};
    use crate::poller::QueryResult;
    use chrono::{DateTime, Utc};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::time::Duration;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn caps() -> Capabilities {
        Capabilities {
            server_version_num: 170005,
            server_version: "17.5".into(),
            timescaledb: Some(TimescaleFeatures {
                version: "2.23.0".into(),
                functions_schema: true,
                cagg_watermark_table: true,
                job_history: true,
                compression_settings: true,
                chunk_dropped_column: true,
                ..Default::default()
            }),
            timescaledb_available: None,
            is_superuser: false,
            has_pg_monitor: true,
            role: "monitor".into(),
            database: "metrics".into(),
            in_recovery: false,
            system_identifier: None,
        }
    }

    fn summary() -> Summary {
        Summary {
            version: "PostgreSQL 17.5 on x86_64-pc-linux-gnu".into(),
            started_at: Some(t("2026-11-18T10:00:00Z")),
            server_now: t("2026-11-21T12:30:00Z"),
            database_bytes: 5 * 1024 * 1024 * 1024,
            connections: 12,
            max_connections: 100,
            server_addr: Some("10.0.0.5".into()),
            server_port: Some(5432),
            backend_pid: 4242,
            application_name: "hypertop".into(),
            timescaledb_version: Some("2.23.0".into()),
            ssl: Some(true),
            read_only: true,
            statement_timeout: "5s".into(),
            stats_reset: Some(t("2026-11-01T00:00:00Z")),
            max_background_workers: Some(16),
            max_worker_processes: 32,
            timescaledb_restoring: false,
            scheduler_running: true,
        }
    }

    fn hypertable(name: &str, chunks: i64, compressed: i64, bytes: i64) -> Hypertable {
        Hypertable {
            schema: "telemetry".into(),
            name: name.into(),
            compression_enabled: compressed > 0,
            chunks,
            compressed_chunks: compressed,
            heap_bytes: bytes / 2,
            index_bytes: bytes / 3,
            toast_bytes: bytes - bytes / 2 - bytes / 3,
            total_bytes: bytes,
            time_column: Some("time".into()),
            time_type: Some("timestamp with time zone".into()),
            interval_seconds: Some(3600.0),
            interval_integer: None,
            range_start: Some(Bound::Time(t("2026-10-01T00:00:00Z"))),
            range_end: Some(Bound::Time(t("2026-11-21T13:00:00Z"))),
            policies: vec!["policy_compression".into(), "policy_retention".into()],
        }
    }

    fn compression(name: &str, backlog: i64) -> Compression {
        Compression {
            schema: "telemetry".into(),
            name: name.into(),
            enabled: true,
            segmentby: Some("device_id".into()),
            orderby: Some("\"time\" DESC".into()),
            job_id: Some(1000),
            scheduled: Some(true),
            compress_after: Some("1 day".into()),
            compress_after_seconds: Some(86_400.0),
            chunks: 1224,
            compressed_chunks: 1200 - backlog,
            backlog_chunks: backlog,
            backlog_bytes: backlog * 90 * 1024 * 1024,
            before_bytes: 120 * 1024 * 1024 * 1024,
            after_bytes: 11 * 1024 * 1024 * 1024,
        }
    }

    fn index(table: &str, name: &str, keys: &str, scans: i64, valid: bool) -> Index {
        Index {
            schema: "telemetry".into(),
            table: table.into(),
            index_schema: "telemetry".into(),
            name: name.into(),
            // The copy (`…_again`) was created last.
            oid: if name.ends_with("_again") {
                30_000
            } else {
                20_000
            },
            on_hypertable: true,
            method: "btree".into(),
            unique: false,
            primary: false,
            key_columns: keys.into(),
            expressions: None,
            predicate: None,
            valid,
            scans,
            tuples_read: scans * 40,
            size_bytes: 3 * 1024 * 1024 * 1024 + scans,
            chunk_indexes: 1224,
            category: category(scans, false),
            duplicate_of: None,
        }
    }

    fn job(id: i32, proc_name: &str, target: Option<&str>, failures: i32, scheduled: bool) -> Job {
        Job {
            job_id: id,
            application_name: format!("Job [{id}]"),
            kind: crate::model::jobs::kind("_timescaledb_functions", proc_name),
            proc_schema: "_timescaledb_functions".into(),
            proc_name: proc_name.into(),
            target_schema: target.map(|_| "telemetry".into()),
            target_name: target.map(String::from),
            owner: "postgres".into(),
            schedule_seconds: Some(3600.0),
            scheduled,
            job_status: Some(if scheduled { "Scheduled" } else { "Paused" }.into()),
            last_run_status: Some(if failures > 0 { "Failed" } else { "Success" }.into()),
            last_run_started: None,
            last_success: None,
            next_start: None,
            total_runs: 120,
            total_failures: failures as i64,
            consecutive_failures: failures,
            last_error: (failures > 0)
                .then(|| "could not obtain lock on relation \"_hyper_1_42_chunk\"".into()),
            last_error_code: (failures > 0).then(|| "55P03".into()),
            last_error_at: (failures > 0).then(|| t("2026-11-21T12:00:00Z")),
            config: None,
        }
    }

    fn cagg(name: &str, parent: Option<&str>, watermark: &str, lag: f64) -> Cagg {
        Cagg {
            schema: "telemetry".into(),
            name: name.into(),
            hypertable_schema: "telemetry".into(),
            hypertable_name: "readings".into(),
            parent: parent.map(|p| ("telemetry".to_string(), p.to_string())),
            bucket_width: Some("1 hour".into()),
            time_type: "timestamp with time zone".into(),
            watermark: Some(Watermark::Time(t(watermark))),
            lag_seconds: Some(lag),
            lag_units: None,
            materialized_only: parent.is_some(),
            refresh_policy: Some(RefreshPolicy {
                job_id: 1002,
                scheduled: true,
                start_offset: Some("3 days".into()),
                end_offset: Some("01:00:00".into()),
                schedule_interval: Some("00:30:00".into()),
                end_offset_seconds: Some(3600.0),
                schedule_seconds: Some(1800.0),
            }),
            last_run_status: Some("Success".into()),
            last_success: None,
            pending_invalidations: 3,
        }
    }

    fn state() -> AppState {
        let mut s = AppState::new(
            "monitor@db1:5432/metrics".into(),
            Duration::from_secs(2),
            true,
            true,
        );
        s.link = LinkState::Connected;
        s.caps = Some(caps());
        let at = t("2026-11-21T12:30:01Z");
        let payloads = vec![
            (QueryKind::Summary, Payload::Summary(summary())),
            (
                QueryKind::Tables,
                Payload::Hypertables(vec![
                    hypertable("readings", 1224, 1190, 131 * 1024 * 1024 * 1024),
                    hypertable("Plant \"A\"; events", 48, 0, 700 * 1024 * 1024),
                ]),
            ),
            (
                QueryKind::Tables,
                Payload::Compression(vec![compression("readings", 10), compression("energy", 0)]),
            ),
            (
                QueryKind::Tables,
                Payload::Retention(vec![Retention {
                    schema: "telemetry".into(),
                    name: "readings".into(),
                    is_cagg: false,
                    job_id: 1001,
                    scheduled: true,
                    schedule_seconds: Some(86_400.0),
                    drop_after: Some("90 days".into()),
                    drop_after_seconds: Some(90.0 * 86_400.0),
                    chunks: 1224,
                    oldest_start: Some(Bound::Time(t("2026-08-01T00:00:00Z"))),
                    overdue_chunks: 24,
                    overdue_bytes: 2 * 1024 * 1024 * 1024,
                    last_run: None,
                    last_run_status: Some("Success".into()),
                    next_start: None,
                }]),
            ),
            (
                QueryKind::Indexes,
                Payload::Indexes({
                    let mut v = vec![
                        index("readings", "readings_time_idx", "time", 98_000, true),
                        index(
                            "readings",
                            "readings_device_time_idx",
                            "device_id,time",
                            12,
                            true,
                        ),
                        index("readings", "readings_value_idx", "value", 0, true),
                        index("readings", "readings_time_again", "time", 0, true),
                        index("readings", "readings_broken_idx", "site", 0, false),
                    ];
                    crate::model::indexes::mark_duplicates(&mut v);
                    v
                }),
            ),
            (
                QueryKind::Jobs,
                Payload::Jobs(vec![
                    job(1000, "policy_compression", Some("readings"), 4, true),
                    job(1001, "policy_retention", Some("readings"), 0, true),
                    job(
                        1002,
                        "policy_refresh_continuous_aggregate",
                        Some("readings_hourly"),
                        0,
                        false,
                    ),
                ]),
            ),
            (
                QueryKind::Caggs,
                Payload::Caggs(vec![
                    cagg("readings_hourly", None, "2026-11-21T11:00:00Z", 5400.0),
                    cagg(
                        "readings_daily",
                        Some("readings_hourly"),
                        "2026-11-19T00:00:00Z",
                        218_000.0,
                    ),
                ]),
            ),
        ];
        for (kind, payload) in payloads {
            s.on_result(QueryResult {
                kind,
                target: None,
                result: Ok(payload),
                elapsed: Duration::from_millis(12),
                finished_at: at,
            });
        }
        s
    }

    fn draw_with(state: &AppState, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| draw(f, state, theme, Instant::now()))
            .unwrap();
        term
    }

    fn text(term: &Terminal<TestBackend>) -> String {
        let buf = term.backend().buffer();
        let area = buf.area;
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn every_tab_at_80x24_and_160x48() {
        let mut s = state();
        let theme = Theme::builtin("default").unwrap();
        for tab in Tab::ALL {
            s.tab = tab;
            for (w, h) in [(80, 24), (160, 48)] {
                let name = format!("{}_{w}x{h}", tab.title(true).to_lowercase());
                insta::assert_snapshot!(name, text(&draw_with(&s, &theme, w, h)));
            }
        }
    }

    #[test]
    fn mono_theme_uses_no_colour() {
        let mut s = state();
        s.tab = Tab::Jobs;
        let term = draw_with(&s, &Theme::mono(), 80, 24);
        for cell in term.backend().buffer().content() {
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
            assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
        }
        for tab in [Tab::Overview, Tab::Jobs] {
            s.tab = tab;
            let name = format!("mono_{}_80x24", tab.title(true).to_lowercase());
            insta::assert_snapshot!(
                name,
                format!(
                    "{:?}",
                    draw_with(&s, &Theme::mono(), 80, 24).backend().buffer()
                )
            );
        }
    }

    #[test]
    fn palette_confirm_and_progress() {
        use crate::actions::parse::parse;
        use crate::actions::plan::{plan, Facts, JobSettings};
        use crate::app::modal::{ConfirmState, Modal, Running};
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut s = state();
        s.on_key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE));
        for c in "pause-job 10".chars() {
            s.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        insta::assert_snapshot!(
            "palette_80x24",
            text(&draw_with(&s, &Theme::mono(), 80, 24))
        );

        let facts = Facts {
            ts: "\"public\"".into(),
            job: Some(JobSettings {
                job_id: 1000,
                proc_name: "policy_compression".into(),
                proc_schema: "_timescaledb_functions".into(),
                owner: None,
                scheduled: true,
                schedule_interval: "12:00:00".into(),
                max_runtime: "00:00:00".into(),
                max_retries: -1,
                retry_period: "01:00:00".into(),
                config: Some(serde_json::json!({"compress_after": "7 days", "hypertable_id": 1})),
            }),
            ..Default::default()
        };
        let p = plan(&parse("pause-job 1000").unwrap(), &facts).unwrap();
        s.modal = Modal::Confirm(Box::new(ConfirmState::new(p, None)));
        insta::assert_snapshot!(
            "confirm_100x30",
            text(&draw_with(&s, &Theme::mono(), 100, 30))
        );
        let drop = crate::actions::plan::Relation {
            oid: 16500,
            schema: "telemetry".into(),
            name: "readings_time_again".into(),
            kind: "index".into(),
        };
        let facts = Facts {
            relation: Some(drop),
            index_definition: Some(
                "CREATE INDEX readings_time_again ON telemetry.readings USING btree (\"time\")"
                    .into(),
            ),
            ..Default::default()
        };
        let p = plan(
            &parse("drop-index telemetry.readings_time_again").unwrap(),
            &facts,
        )
        .unwrap();
        let mut c = ConfirmState::new(p, None);
        c.typed = "readings_ti".into();
        s.modal = Modal::Confirm(Box::new(c));
        insta::assert_snapshot!(
            "confirm_drop_index_100x30",
            text(&draw_with(&s, &Theme::mono(), 100, 30))
        );

        let started = Instant::now();
        s.modal = Modal::Running(Running {
            command: "compress telemetry.readings".into(),
            step: 3,
            total: 10,
            label: "compress _timescaledb_internal._hyper_1_4_chunk".into(),
            started,
            cancelling: false,
            rollback_of: None,
            undoable: true,
        });
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| draw(f, &s, &Theme::mono(), started + Duration::from_millis(1500)))
            .unwrap();
        insta::assert_snapshot!("progress_80x24", text(&term));
    }

    #[test]
    fn drill_down_filter_line_and_help() {
        let mut s = state();
        s.tab = Tab::Jobs;
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        s.on_key(key(KeyCode::Enter));
        let text_drill = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(text_drill.contains("History of job 1000"), "{text_drill}");
        assert!(text_drill.contains("Loading…"), "{text_drill}");
        s.on_key(key(KeyCode::Esc));
        s.on_key(key(KeyCode::Char('/')));
        s.on_key(key(KeyCode::Char('z')));
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("/z█") && t.contains("No rows match /z"), "{t}");
        s.on_key(key(KeyCode::Esc));
        s.on_key(key(KeyCode::Char('?')));
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        for (k, what) in KEYS {
            assert!(
                t.contains(k) && t.contains(&what[..20.min(what.len())]),
                "{k} missing:\n{t}"
            );
        }
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
            draw_with(&s, &Theme::mono(), w, h);
            s.show_help = false;
            for tab in Tab::ALL {
                s.tab = tab;
                draw_with(&s, &Theme::mono(), w, h);
            }
        }
    }

    /// A plan with many steps and long statements, as compressing a big backlog makes.
    fn long_plan(confirm: crate::actions::Confirm) -> crate::actions::Plan {
        let mut p = crate::actions::Plan::new(
            "compress telemetry.readings".into(),
            "compress 36 chunks, one transaction each".into(),
            (0..36).map(|i| format!("_timescaledb_internal._hyper_1_{i}_chunk")).collect(),
            "per chunk, in its own transaction: ExclusiveLock while compressing (writes wait, reads continue), then AccessExclusiveLock briefly to truncate (reads wait too)",
        );
        p.steps = (0..36)
            .map(|i| {
                crate::actions::Step::new(
                    format!("compress {i}"),
                    "SELECT public.compress_chunk($1::text::oid::regclass, if_not_compressed => true)",
                    &[],
                    vec![Some(format!("{}", 17000 + i))],
                )
            })
            .collect();
        p.warnings = vec!["a long warning that wraps over more than one row of an eighty column terminal, as the ones about dropped data do".into()];
        p.confirm = confirm;
        p
    }

    #[test]
    fn dialogs_keep_their_buttons_and_prompt_at_80x24_and_scroll() {
        use crate::actions::Confirm;
        use crate::app::modal::{ConfirmState, Modal};
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut s = state();
        s.modal = Modal::Confirm(Box::new(ConfirmState::new(
            long_plan(Confirm::Choose),
            None,
        )));
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("[ Cancel ]") && t.contains("[ Execute ]"), "{t}");
        assert!(
            t.contains("PgUp"),
            "a body taller than the screen says it scrolls:\n{t}"
        );
        assert!(!t.contains("and 29 more like these"), "{t}");
        for _ in 0..40 {
            s.on_key(key(KeyCode::PageDown));
        }
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(
            t.contains("and 30 more like these") && t.contains("[ Execute ]"),
            "{t}"
        );
        s.on_key(key(KeyCode::Up));
        s.on_key(key(KeyCode::Home));
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(
            t.contains("compress 36 chunks"),
            "Home goes back to the top:\n{t}"
        );

        s.modal = Modal::Confirm(Box::new(ConfirmState::new(
            long_plan(Confirm::TypeName("readings".into())),
            None,
        )));
        s.on_key(key(KeyCode::Char('r')));
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(
            t.contains("Type readings and Enter") && t.contains("> r█"),
            "{t}"
        );

        for (w, h) in [(20, 5), (29, 24), (80, 6)] {
            let t = text(&draw_with(&s, &Theme::mono(), w, h));
            assert!(
                t.contains("too small") || t.contains("Terminal"),
                "{w}x{h}:\n{t}"
            );
        }
    }

    #[test]
    fn history_opens_on_its_newest_entry() {
        use crate::app::modal::Message;
        let mut s = state();
        let lines: Vec<String> = (1..=3)
            .map(|i| format!("j{i}  2026-11-22 10:0{i}  me@postgres  set-retention telemetry.readings '90 days' with a long tail that wraps several times at eighty columns and more and more text  [ok]  reversible {}", "x".repeat(200)))
            .collect();
        s.modal = Message::newest_last("History (newest last)", lines);
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("j3 "), "the newest entry is shown:\n{t}");
        assert!(t.contains("any other key closes"), "{t}");
        let t = text(&draw_with(&s, &Theme::mono(), 200, 50));
        assert!(t.contains("j1 ") && t.contains("j3 "), "{t}");
    }

    #[test]
    fn esc_returns_to_the_problem_list_and_the_palette_navigates() {
        use crate::app::state::Command;
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut s = state();
        assert_eq!(s.tab, Tab::Overview);
        s.on_key(key(KeyCode::Enter));
        assert_ne!(s.tab, Tab::Overview, "Enter on a problem jumps to its row");
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("Esc back"), "{t}");
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, Tab::Overview, "Esc goes back to the problems");
        // A tab switched to by hand is not left by Esc.
        s.on_key(key(KeyCode::Char('6')));
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, Tab::Jobs);
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("P pause") && t.contains("X run"), "{t}");

        let palette = |s: &mut AppState, line: &str| {
            s.on_key(key(KeyCode::Char(':')));
            for c in line.chars() {
                s.on_key(key(KeyCode::Char(c)));
            }
            s.on_key(key(KeyCode::Enter))
        };
        palette(&mut s, "caggs");
        assert_eq!(s.tab, Tab::Caggs);
        palette(&mut s, "1");
        assert_eq!(s.tab, Tab::Overview);
        palette(&mut s, "help");
        assert!(s.show_help);
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("PgUp"), "help scrolls at 80x24: {t}");
        for _ in 0..10 {
            s.on_key(key(KeyCode::PageDown));
        }
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(
            t.contains("drop-chunks") && t.contains("overview hypertables"),
            "{t}"
        );
        s.on_key(key(KeyCode::Esc));
        assert_eq!(palette(&mut s, "q"), Command::Quit);
    }

    /// The whole palette key path — typing, completion, hints, history, planning errors,
    /// dialogs and their scrolling — under random keys, drawn at 80x24 and tiny sizes: no panic.
    #[test]
    fn random_keys_through_the_palette_never_panic() {
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let alphabet: Vec<char> = "pause-job compress drop-chunks set-retention older-than 7d 90 \"'.;é\u{a0}\u{3000}\u{202e}\u{1b}x0"
            .chars()
            .collect();
        let specials = [
            KeyCode::Tab,
            KeyCode::Backspace,
            KeyCode::Left,
            KeyCode::Right,
            KeyCode::Up,
            KeyCode::Down,
            KeyCode::Home,
            KeyCode::End,
            KeyCode::Delete,
            KeyCode::PageDown,
            KeyCode::PageUp,
            KeyCode::Enter,
            KeyCode::Esc,
        ];
        let mut rng = 0x9E3779B97F4A7C15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut s = state();
        s.names.hypertables = vec![
            "plant.telemetry".into(),
            "\"Ops \"\"Team\"\"\".\"events; drop table x\"".into(),
        ];
        s.names.jobs = vec!["1000".into(), "1007".into()];
        let mut keys = 0u64;
        for round in 0..2000 {
            if matches!(s.modal, crate::app::modal::Modal::None) {
                s.on_key(KeyEvent::new(KeyCode::Char(':'), KeyModifiers::NONE));
            }
            for _ in 0..(next() % 30) {
                let r = next();
                let code = if r % 4 == 0 {
                    specials[(r / 4) as usize % specials.len()]
                } else {
                    KeyCode::Char(alphabet[(r / 4) as usize % alphabet.len()])
                };
                // Never quit: the fuzz goes on.
                if code == KeyCode::Char('q') {
                    continue;
                }
                s.on_key(KeyEvent::new(code, KeyModifiers::NONE));
                keys += 1;
                if let crate::app::modal::Modal::Planning(_) = s.modal {
                    s.on_planned(Err("refused by the fuzz".into()));
                }
            }
            let (w, h) = match round % 10 {
                0 => (20, 5),
                1 => (31, 8),
                _ => (80, 24),
            };
            draw_with(&s, &Theme::mono(), w, h);
        }
        assert!(keys > 25_000, "{keys} keys");
        eprintln!("palette fuzz: {keys} keys, 2000 frames");
    }
}
