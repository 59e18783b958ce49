//! Drawing. Reads the state and the theme only; never does I/O. Only the visible rows of a
//! table are turned into widgets, so frame time does not grow with the row count.

mod modal;
mod pictures;
mod status;
mod table;

use status::{draw_help, draw_status};
use table::*;

use std::time::Instant;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table as TableWidget, Wrap};
use ratatui::Frame;

use crate::app::fleet::Fleet;
use crate::app::keys::help as keys_help;
use crate::app::modal::Drawn;
use crate::app::state::{AppState, TabView};
use crate::format;
use crate::grid::{fit, Tone};
use crate::pictures::{Picture, Spark};
use crate::screens::{caption, Tab};
use crate::store::Standing;
use crate::theme::Theme;

/// A fleet: the Fleet view when it is open, else the member shown.
pub fn draw_fleet(frame: &mut Frame, fleet: &Fleet, theme: &Theme, now: Instant) -> Drawn {
    if !fleet.open {
        return draw(frame, fleet.active(), theme, now);
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    let down = fleet
        .members
        .iter()
        .filter(|m| !matches!(m.state.link, crate::link::LinkState::Connected))
        .count();
    frame.render_widget(
        Line::from(vec![
            Span::styled(" hypertop ", theme.header),
            Span::styled(
                format!(" fleet of {} · {down} not connected ", fleet.members.len()),
                theme.label,
            ),
        ]),
        header,
    );
    let heading = format!(
        "{} · Enter opens a target · :ctx NAME from anywhere",
        caption("Fleet", &fleet.table)
    );
    draw_table(frame, body, heading, &fleet.table, None, theme);
    frame.render_widget(
        Line::from(Span::styled(
            "  Enter open  0/Esc back to the target shown  q quit ",
            theme.status,
        )),
        status,
    );
    Drawn::default()
}

pub fn draw(frame: &mut Frame, state: &AppState, theme: &Theme, now: Instant) -> Drawn {
    let [header, tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    draw_header(frame, header, state, theme);
    draw_tabs(frame, tabs, state, theme);
    draw_tab(frame, body, state, state.current(), theme);
    draw_status(frame, status, state, theme, now);
    let help = match state.show_help {
        true => draw_help(frame, body, state, theme),
        false => None,
    };
    Drawn {
        help,
        modal: modal::draw(frame, body, &state.modal, theme, now),
    }
}

fn draw_header(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let mut spans = vec![
        Span::styled(" hypertop ", theme.header),
        Span::styled(format!(" {} ", state.target_short), theme.label),
    ];
    if state.read_only {
        spans.push(Span::styled("[read-only] ", theme.warn));
    }
    let used: usize = spans.iter().map(Span::width).sum();
    // The versions are what the line is read for: shortened words rather than a cut version,
    // and the target cut in its middle before them.
    let width = usize::from(area.width);
    let server = state.data.caps.as_ref().map_or_else(
        || "…".into(),
        |c| match c.describe() {
            full if used + 1 + full.chars().count() <= width => full,
            _ => c.describe_short(),
        },
    );
    let over = (used + 1 + server.chars().count()).saturating_sub(width);
    if over > 0 {
        let target = format!(" {} ", state.target_short);
        let keep = target.chars().count().saturating_sub(over + 1);
        spans[1] = Span::styled(
            format!(
                " {} ",
                fit(
                    state.target_short.as_str(),
                    keep.saturating_sub(2) as u16,
                    crate::grid::Align::Left
                )
            ),
            theme.label,
        );
    }
    spans.push(Span::styled(format!(" {server}"), theme.value));
    frame.render_widget(Line::from(spans), area);
}

fn draw_tabs(frame: &mut Frame, area: Rect, state: &AppState, theme: &Theme) {
    let words = state.data.words();
    let label = |tab: Tab, short: bool| {
        let title = tab.title(words);
        // Too narrow for every title: the others shortened, the current one whole.
        if short && tab != state.tab() {
            title.chars().take(4).collect()
        } else {
            title.to_string()
        }
    };
    let full: usize = Tab::all()
        .map(|t| label(t, false).chars().count() + 3)
        .sum();
    let short = full > area.width as usize;
    let spans: Vec<Span> = Tab::all()
        .map(|tab| {
            let style = if tab == state.tab() {
                theme.tab_active
            } else {
                theme.tab
            };
            Span::styled(format!(" {} {}", tab.index() + 1, label(tab, short)), style)
        })
        .collect();
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

/// A bordered box with its title made printable.
fn block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Span::styled(
            format!(" {} ", crate::format::printable(&title)),
            theme.header,
        ))
}

fn message(frame: &mut Frame, area: Rect, title: String, text: &str, style: Style, theme: &Theme) {
    frame.render_widget(
        Paragraph::new(Span::styled(crate::format::printable(text), style))
            .wrap(Wrap { trim: true })
            .block(block(title, theme)),
        area,
    );
}

/// A tab: its panel, if it has one, above its table (or drill-down), or why there is nothing
/// to show.
fn draw_tab(frame: &mut Frame, area: Rect, state: &AppState, view: &TabView, theme: &Theme) {
    let screen = state.tab().screen();
    // a drill-down (a fold's members on the overview) takes the panel's room for its rows
    let panel = (view.dressing.panel.as_ref()).filter(|_| view.drill.is_none());
    let area = match panel {
        Some(facts) => {
            let pulse = view.dressing.pulse.as_ref();
            // what the table below needs kept: its border and header, five rows, and the
            // detail pane (the pulse gives way to them)
            let keep = 3 + MIN_ROWS + detail_height(&view.table, area.height);
            draw_panel(frame, area, state, facts, pulse, keep, theme)
        }
        None => area,
    };
    if let Some(d) = &view.drill {
        // no count while its rows are being read or made: none are in yet
        let heading = match d.state.status() {
            Standing::Loading => format!("{} · Esc back", d.title),
            _ => format!("{} · Esc back", caption(&d.title, &d.table)),
        };
        return match d.state.status() {
            Standing::Failed(e, _) => cannot_read(frame, area, heading, e, theme),
            Standing::Unavailable(why) => message(frame, area, heading, why, theme.muted, theme),
            Standing::Loading => message(frame, area, heading, "Loading…", theme.muted, theme),
            Standing::Ready => {
                // The picture above the rows, when the rows keep room for a few lines.
                let area = match &d.picture {
                    Some(p) if area.height >= p.height() + 8 => {
                        let [top, rest] =
                            Layout::vertical([Constraint::Length(p.height()), Constraint::Min(0)])
                                .areas(area);
                        pictures::draw(frame, top, p, theme);
                        rest
                    }
                    _ => area,
                };
                match &d.of {
                    crate::app::state::DrillOf::Read(kind, subject) if d.table.total() == 0 => {
                        let why = crate::screens::empty_drill(*kind, subject, &state.data);
                        message(frame, area, heading, &why, theme.muted, theme)
                    }
                    _ => draw_table(frame, area, heading, &d.table, None, theme),
                }
            }
        };
    }
    let title = screen.caption(state.data.words());
    let mut heading = caption(title, &view.table);
    if let Some(extra) = &view.dressing.heading {
        heading.push_str(&format!(" · {extra}"));
    }
    match screen.status(&state.data) {
        Standing::Unavailable(why) => {
            message(frame, area, title.to_string(), why, theme.muted, theme)
        }
        Standing::Failed(e, false) => cannot_read(frame, area, heading, e, theme),
        Standing::Loading => message(frame, area, heading, waiting(state), theme.muted, theme),
        // shown by a key a moment ago: its rows are being made (nothing said of them yet)
        Standing::Ready | Standing::Failed(_, true) if view.rows_pending() => {
            message(frame, area, title.to_string(), "…", theme.muted, theme)
        }
        Standing::Ready | Standing::Failed(_, true) => {
            let good_news = screen
                .empty_text(&state.data)
                .filter(|_| view.table.total() == 0 && view.table.filter().is_empty());
            match good_news {
                Some(text) => message(
                    frame,
                    area,
                    caption(title, &view.table),
                    text,
                    theme.ok,
                    theme,
                ),
                None => {
                    let picture = state.row_picture().or(state.preview_picture());
                    draw_table(frame, area, heading, &view.table, picture, theme)
                }
            }
        }
    }
}

/// What a frame says while its data has not arrived.
fn waiting(state: &AppState) -> &'static str {
    if state.is_disconnected() {
        "Not connected. hypertop keeps retrying; press r to retry now."
    } else {
        "Loading…"
    }
}

fn cannot_read(
    frame: &mut Frame,
    area: Rect,
    heading: String,
    error: &crate::model::ReadError,
    theme: &Theme,
) {
    let text = format!("Cannot read: {error}");
    message(frame, area, heading, &text, theme.critical, theme);
}

/// The facts above a tab's table (the overview's server panel); returns the area left below.
fn draw_panel(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    facts: &[crate::screens::Fact],
    pulse: Option<&(String, Vec<Spark>)>,
    keep: u16,
    theme: &Theme,
) -> Rect {
    let pulse = pulse.filter(|_| !facts.is_empty());
    // the pulse's lines that leave the table below `keep` lines
    let most = pulse.as_ref().map_or(0, |(_, sparks)| {
        sparks.len().div_ceil(PULSE_PER_LINE) as u16
    });
    let facts_height = facts.len() as u16 + 2;
    let pulse_lines = (0..=most)
        .rev()
        .find(|n| facts_height + n + keep <= area.height)
        .unwrap_or(0);
    let wanted = if facts.is_empty() {
        3
    } else {
        facts.len() as u16 + pulse_lines + 2
    };
    // On a short terminal the table below keeps room for a few rows (its border and header
    // alone would be an empty frame); the panel's first facts stay.
    let table = 6.min(area.height);
    let height = wanted.min(area.height.saturating_sub(table)).max(3);
    let [top, bottom] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    if facts.is_empty() {
        message(
            frame,
            top,
            "Server".into(),
            waiting(state),
            theme.muted,
            theme,
        );
    } else {
        let lines: Vec<Line> = facts
            .iter()
            .map(|(k, v, t)| {
                Line::from(vec![
                    Span::styled(format!("{k:<11}"), theme.label),
                    Span::styled(crate::format::printable(v), tone(theme, *t)),
                ])
            })
            .collect();
        let outer = block("Server".into(), theme);
        let inner = outer.inner(top);
        frame.render_widget(outer, top);
        // The facts first; the pulse under them when there is room for all of it.
        let room = inner.height.saturating_sub(lines.len() as u16);
        frame.render_widget(Paragraph::new(lines), inner);
        if let Some((window, sparks)) = pulse.filter(|_| pulse_lines > 0 && room >= pulse_lines) {
            let shown = (pulse_lines as usize * PULSE_PER_LINE).min(sparks.len());
            // When not all fit, the alarming ones (jobs failing now) take the first places.
            let mut sparks: Vec<&Spark> = sparks.iter().collect();
            if shown < sparks.len() {
                sparks.sort_by_key(|s| !s.alarm);
            }
            let at = Rect::new(
                inner.x,
                inner.bottom() - pulse_lines,
                inner.width,
                pulse_lines,
            );
            let [labels, rows] =
                Layout::horizontal([Constraint::Length(11), Constraint::Min(1)]).areas(at);
            let label = match pulse_lines {
                1 => vec![Line::from(vec![
                    Span::styled("Pulse ", theme.label),
                    Span::styled(window.as_str(), theme.muted),
                ])],
                _ => vec![
                    Line::styled("Pulse", theme.label),
                    Line::styled(window.as_str(), theme.muted),
                ],
            };
            frame.render_widget(Paragraph::new(label), labels);
            pictures::draw_spark_rows(frame, rows, &sparks[..shown], PULSE_PER_LINE, theme);
        }
    }
    bottom
}

#[cfg(test)]
mod tests {
    //! Snapshots of every tab at 80x24 and 160x48 (text), and with the mono theme (text and
    //! styles), from a fixed state so they only change when the drawing does.

    use super::*;

    #[test]
    fn a_short_pane_shows_the_first_line_and_the_root_cause() {
        let text = "job 1000: failed 4 times in a row because the lock was held\n  Enter: x\n  ← cause one\n  ← (root cause) scheduler down";
        let shown = fit_lines(text, 40, 2);
        let rows: Vec<&str> = shown.lines().collect();
        assert_eq!(rows.len(), 2, "{shown}");
        assert!(
            rows[0].starts_with("job 1000") && rows[0].ends_with('…'),
            "{shown}"
        );
        assert_eq!(rows[1], "  ← (root cause) scheduler down");
        assert_eq!(fit_lines("short", 30, 2), "short");
        assert_eq!(fit_lines("abcdef", 3, 1), "ab…");
        // whatever the text and the room, it never panics and never overflows
        for (w, l) in [(1, 1), (2, 3), (5, 0), (80, 2)] {
            let s = fit_lines(text, w, l);
            assert!(s.lines().count() <= usize::from(l.max(1)), "{w} {l}: {s}");
        }
    }
    use crate::link::LinkState;
    use crate::model::fixtures::{caps, t};
    use crate::poller::QueryResult;
    use crate::screens::tab;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;
    use std::time::Duration;

    fn state() -> AppState {
        let mut s = AppState::new(
            "monitor@db1:5432/metrics".into(),
            Duration::from_secs(2),
            true,
            true,
        );
        s.link = LinkState::Connected;
        s.data.caps = Some(caps());
        let at = t("2026-11-21T12:30:01Z");
        s.clock = Some(t("2026-11-21T12:30:02Z"));
        for (kind, payload) in crate::model::fixtures::plant() {
            arrive(&mut s, kind, None, payload, at);
        }
        s
    }

    /// A query's answer arriving at `at`, as the poller hands it over.
    fn arrive(
        s: &mut AppState,
        kind: crate::model::QueryKind,
        target: Option<crate::model::DrillTarget>,
        payload: crate::model::Payload,
        at: chrono::DateTime<chrono::Utc>,
    ) {
        s.on_result(QueryResult {
            kind,
            target,
            result: Ok(payload),
            elapsed: Duration::from_millis(12),
            finished_at: at,
        });
    }

    fn draw_with(state: &AppState, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
        draw_measured(state, theme, w, h).0
    }

    fn draw_measured(
        state: &AppState,
        theme: &Theme,
        w: u16,
        h: u16,
    ) -> (Terminal<TestBackend>, Drawn) {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        let mut drawn = Drawn::default();
        term.draw(|f| drawn = draw(f, state, theme, Instant::now()))
            .unwrap();
        (term, drawn)
    }

    /// A frame drawn and what it measured taken in, as the loop does.
    fn draw_taken(state: &mut AppState, theme: &Theme, w: u16, h: u16) -> Terminal<TestBackend> {
        let (term, drawn) = draw_measured(state, theme, w, h);
        state.take_drawn(drawn);
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

    /// The footer says how old what is shown is when its reads stopped coming (a read failing,
    /// the server gone): older than two refreshes, in words.
    #[test]
    fn the_footer_says_how_old_what_is_shown_is_once_older_than_two_refreshes() {
        let mut s = state();
        let footer = |s: &AppState| {
            let t = text(&draw_with(s, &Theme::mono(), 100, 24));
            t.lines().last().unwrap().to_string()
        };
        assert!(
            footer(&s).contains("refreshed 12:30:01 UTC"),
            "{}",
            footer(&s)
        );
        s.clock = Some(t("2026-11-21T12:30:05Z"));
        assert!(!footer(&s).contains("old"), "two refreshes: {}", footer(&s));
        s.clock = Some(t("2026-11-21T12:40:03Z"));
        assert!(
            footer(&s).contains("as of 12:30:01 UTC, 10m 2s old"),
            "{}",
            footer(&s)
        );
    }

    #[test]
    fn a_short_terminal_still_shows_problems_below_the_panel() {
        let s = state();
        let theme = Theme::builtin("default").unwrap();
        for (w, h, rows) in [(40, 10, 1), (60, 14, 3)] {
            let screen = text(&draw_with(&s, &theme, w, h));
            let below = screen.split("Problems (").nth(1).unwrap_or_default();
            let shown = below.matches("CRIT").count() + below.matches("WARN").count();
            assert_eq!(shown, rows, "{w}x{h}:\n{screen}");
            assert!(
                screen.contains("│Server "),
                "{w}x{h}: the panel's first fact\n{screen}"
            );
        }
    }

    /// A fold's members at 80x24 take the server panel's room: a dozen rows, not two.
    #[test]
    fn a_folds_members_take_the_panels_room() {
        use crate::model::{fixtures, Payload, QueryKind};
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mut s = state();
        let at = t("2026-11-21T12:30:02Z");
        let mut summary = s.data.summary.value().cloned().unwrap();
        summary.scheduler_running = false;
        arrive(
            &mut s,
            QueryKind::Summary,
            None,
            Payload::Summary(summary),
            at,
        );
        let jobs: Vec<_> = (0..30)
            .map(|i| {
                let mut j = fixtures::job(3000 + i, "policy_retention", Some("r"), 0, true);
                j.next_start = Some(t("2026-11-21T11:30:02Z"));
                j
            })
            .collect();
        arrive(&mut s, QueryKind::Jobs, None, Payload::Jobs(jobs), at);
        let fold = s
            .data
            .problems
            .iter()
            .find(|p| p.fold_id().is_some())
            .expect("the overdue jobs' fold");
        let id = crate::screens::overview::row_id(fold);
        assert!(s.view_mut(Tab::HOME).table.select_id(&id));
        let theme = Theme::builtin("default").unwrap();
        assert!(text(&draw_with(&s, &theme, 80, 24)).contains("│Server "));
        // its card, then its members: made away from the loop, the list says so meanwhile
        s.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        s.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let screen = text(&draw_with(&s, &theme, 80, 24));
        assert!(screen.contains("jobs: job overdue · Esc back"), "{screen}");
        assert!(
            !screen.contains("(0)"),
            "no count before the rows: {screen}"
        );
        assert!(screen.contains("Loading…"), "{screen}");
        s.settle();
        let screen = text(&draw_with(&s, &theme, 80, 24));
        assert!(screen.contains("30 jobs: job overdue"), "{screen}");
        assert!(!screen.contains("│Server "), "no panel\n{screen}");
        assert!(screen.matches("WARN").count() >= 10, "{screen}");
    }

    #[test]
    fn every_tab_at_80x24_and_160x48() {
        let mut s = state();
        let theme = Theme::builtin("default").unwrap();
        for tab in Tab::all() {
            s.show_tab(tab);
            for (w, h) in [(80, 24), (160, 48)] {
                let name = format!(
                    "{}_{w}x{h}",
                    tab.title(crate::screens::Words::TIMESCALEDB).to_lowercase()
                );
                insta::assert_snapshot!(name, text(&draw_with(&s, &theme, w, h)));
            }
        }
    }

    /// An hour of reads, every 12 s: ingest that stops, a cagg's lag climbing until refreshed, a
    /// job that starts failing, a blocked session, a growing table; then a job's runs and a
    /// table's chunks. Each picture at 80x24, in the mono theme (they must read without colour).
    #[test]
    fn pictures_at_80x24() {
        use crate::model::fixtures;
        use crate::model::hypertables::Chunk;
        use crate::model::jobs::JobRun;
        use crate::model::{DrillTarget, Payload, QueryKind};
        let mut s = state();
        let start = t("2026-11-21T12:30:13Z");
        let apply = |s: &mut AppState, kind, payload, at| arrive(s, kind, None, payload, at);
        let mut inserted = 0;
        for i in 0..300i64 {
            let at = start + chrono::TimeDelta::seconds(12 * i);
            let mut summary = fixtures::summary();
            summary.server_now = at;
            inserted += if i < 250 { 12 * (1000 + 10 * i) } else { 0 };
            summary.rows_inserted = Some(inserted);
            apply(&mut s, QueryKind::Summary, Payload::Summary(summary), at);
            let lag = 600.0 + (12 * (i % 150)) as f64;
            let mut cagg = fixtures::cagg("readings_hourly", None, "2026-11-21T11:00:00Z", lag);
            cagg.last_success = Some(start + chrono::TimeDelta::seconds(1800 * (i / 150)));
            apply(&mut s, QueryKind::Caggs, Payload::Caggs(vec![cagg]), at);
            let failures = if i > 200 { 2 } else { 0 };
            let jobs = vec![fixtures::job(
                1000,
                "policy_compression",
                Some("readings"),
                failures,
                true,
            )];
            apply(&mut s, QueryKind::Jobs, Payload::Jobs(jobs), at);
            let mut sessions = fixtures::sessions();
            if !(100..200).contains(&i) {
                sessions.iter_mut().for_each(|x| x.blocked_by.clear());
            }
            apply(&mut s, QueryKind::Activity, Payload::Activity(sessions), at);
            let bytes = 5 * 1024 * 1024 * 1024 + i * 1024 * 1024;
            apply(&mut s, QueryKind::Catalog, Payload::DatabaseSize(bytes), at);
            let table_bytes = 131 * 1024 * 1024 * 1024 + i * i * 1024 * 1024;
            let ht = fixtures::hypertable("readings", 1224, 1190, table_bytes);
            apply(
                &mut s,
                QueryKind::Catalog,
                Payload::Hypertables(vec![ht]),
                at,
            );
        }
        let mono = Theme::mono();
        s.show_tab(Tab::HOME);
        insta::assert_snapshot!("picture_pulse_80x24", text(&draw_with(&s, &mono, 80, 24)));
        // The pulse gives way to the selected problem's cause chain: down the list, every
        // chain's root shows whole at 80x24.
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let down = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
        let mut roots = 0;
        for _ in 0..s.data.problems.len() {
            let screen = text(&draw_with(&s, &mono, 80, 24));
            let detail = s
                .current()
                .table
                .selected_row()
                .and_then(|r| r.detail().map(str::to_string));
            if detail.is_some_and(|d| d.contains("(root cause)")) {
                assert!(screen.contains("← (root cause)"), "{screen}");
                roots += 1;
            }
            s.on_key(down);
        }
        assert!(roots > 0, "the plant has problems with a root cause");
        s.on_key(KeyEvent::new(KeyCode::Char('g'), KeyModifiers::NONE));
        s.show_tab(tab("caggs"));
        insta::assert_snapshot!(
            "picture_cagg_lag_80x24",
            text(&draw_with(&s, &mono, 80, 24))
        );
        s.show_tab(tab("hypertables"));
        insta::assert_snapshot!(
            "picture_table_size_80x24",
            text(&draw_with(&s, &mono, 80, 24))
        );

        let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        let drilled = |s: &mut AppState, kind, target: DrillTarget, payload| {
            arrive(s, kind, Some(target), payload, start)
        };
        s.on_key(enter);
        let table = DrillTarget::Relation {
            schema: "telemetry".into(),
            name: "readings".into(),
        };
        let chunks: Vec<Chunk> = (0..40)
            .rev()
            .map(|i: i64| Chunk {
                schema: "_timescaledb_internal".into(),
                name: format!("_hyper_1_{i}_chunk"),
                range_start: None,
                range_end: None,
                compressed: i < 30,
                frozen: false,
                partial: false,
                created: None,
                total_bytes: Some(if i < 30 { 8 << 20 } else { (60 + i) << 20 }),
                before_bytes: (i < 30).then_some(if i % 3 == 0 { 12 << 20 } else { 80 << 20 }),
                after_bytes: (i < 30).then_some(8 << 20),
                in_backlog: false,
                overdue: false,
            })
            .collect();
        drilled(
            &mut s,
            QueryKind::Chunks,
            table.clone(),
            Payload::Chunks(table, chunks),
        );
        insta::assert_snapshot!("picture_chunks_80x24", text(&draw_with(&s, &mono, 80, 24)));
        s.on_key(esc);

        s.show_tab(tab("jobs"));
        assert_eq!(
            s.wanted().last(),
            Some(&(QueryKind::JobRuns, Some(DrillTarget::Job(1000)))),
            "the selected job's runs are read for its detail pane"
        );
        let runs: Vec<JobRun> = (0..60)
            .rev()
            .map(|i: i64| {
                let begin = start + chrono::TimeDelta::minutes(i);
                JobRun {
                    succeeded: Some(i % 7 != 3),
                    start_time: Some(begin),
                    finish_time: Some(begin + chrono::TimeDelta::seconds(5 + i % 11)),
                    pid: None,
                    sqlerrcode: None,
                    err_message: None,
                    crash_reported: false,
                }
            })
            .collect();
        let answer = Payload::JobRuns(DrillTarget::Job(1000), runs);
        drilled(
            &mut s,
            QueryKind::JobRuns,
            DrillTarget::Job(1000),
            answer.clone(),
        );
        let screen = text(&draw_with(&s, &mono, 80, 24));
        assert!(screen.contains("last 60 runs · x failed: 9"), "{screen}");
        insta::assert_snapshot!("picture_job_preview_80x24", screen);
        s.on_key(enter);
        drilled(&mut s, QueryKind::JobRuns, DrillTarget::Job(1000), answer);
        let screen = text(&draw_with(&s, &mono, 80, 24));
        assert!(screen.contains("last 60 runs · x failed: 9"), "{screen}");
        insta::assert_snapshot!("picture_job_runs_80x24", screen);
        // every picture on terminals far too small for it: drawn in part or left out, no panic
        for tab in Tab::all() {
            s.show_tab(tab);
            for (w, h) in [(1, 1), (8, 4), (20, 8), (40, 12), (80, 15)] {
                draw_with(&s, &mono, w, h);
            }
        }
    }

    #[test]
    fn a_statement_opens_its_generic_plan() {
        use crate::model::{DrillTarget, Payload, QueryKind};
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let mono = Theme::mono();
        let mut s = state();
        s.show_tab(tab("statements"));
        s.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
        let drill = s.current().drill.as_ref().expect("the plan opens");
        let (kind, target) = drill.read().expect("a read fills it");
        assert_eq!(kind, QueryKind::Plan);
        let DrillTarget::Statement {
            queryid,
            userid,
            text: statement,
        } = target.clone()
        else {
            panic!("{target:?}")
        };
        assert_eq!((queryid, userid), (-4_402_271_958_093_815_104, 16_384));
        assert!(statement.starts_with("SELECT device_id, avg(v)"));
        assert!(s
            .wanted()
            .contains(&(QueryKind::Plan, Some(target.clone()))));
        let plan = crate::model::fixtures::generic_plan();
        let target = target.clone();
        arrive(
            &mut s,
            QueryKind::Plan,
            Some(target.clone()),
            Payload::Plan(target, plan),
            t("2026-11-21T12:30:02Z"),
        );
        let screen = text(&draw_with(&s, &mono, 80, 24));
        for seen in [
            "telemetry.hourly",
            "none at planning",
            "all excluded at planning",
            "11 excluded",
            "every chunk is scanned",
        ] {
            assert!(screen.contains(seen), "{seen}: {screen}");
        }
        insta::assert_snapshot!("statement_plan_80x24", screen);
    }

    #[test]
    fn mono_theme_uses_no_colour() {
        let mut s = state();
        s.show_tab(tab("jobs"));
        let term = draw_with(&s, &Theme::mono(), 80, 24);
        for cell in term.backend().buffer().content() {
            assert_eq!(cell.fg, ratatui::style::Color::Reset, "{cell:?}");
            assert_eq!(cell.bg, ratatui::style::Color::Reset, "{cell:?}");
        }
        for tab in [Tab::HOME, tab("jobs")] {
            s.show_tab(tab);
            let name = format!(
                "mono_{}_80x24",
                tab.title(crate::screens::Words::TIMESCALEDB).to_lowercase()
            );
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
        use crate::app::modal::{ConfirmState, Modal, RunProgress};
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
                next_start: None,
                fixed_schedule: false,
                initial_start: None,
                timezone: None,
                owner_role: None,
            }),
            ..Default::default()
        };
        let p = plan(&parse("pause-job 1000").unwrap(), &facts).unwrap();
        s.modal = Modal::Confirm(Box::new(ConfirmState::new(p)));
        insta::assert_snapshot!(
            "confirm_100x30",
            text(&draw_with(&s, &Theme::mono(), 100, 30))
        );
        let drop = crate::actions::plan::Relation {
            oid: 16500,
            schema: "telemetry".into(),
            name: "readings_time_again".into(),
            kind: crate::actions::plan::RelationKind::Index,
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
        let mut c = ConfirmState::new(p);
        c.typed = "readings_ti".into();
        s.modal = Modal::Confirm(Box::new(c));
        insta::assert_snapshot!(
            "confirm_drop_index_100x30",
            text(&draw_with(&s, &Theme::mono(), 100, 30))
        );

        let started = Instant::now();
        s.modal = Modal::Running(RunProgress {
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
        term.draw(|f| {
            draw(f, &s, &Theme::mono(), started + Duration::from_millis(1500));
        })
        .unwrap();
        insta::assert_snapshot!("progress_80x24", text(&term));
    }

    /// A filter set from the database (a fold's error, Enter on the overview) is drawn
    /// escaped, as every other text from there: its line breaks and escapes shown, not run.
    #[test]
    fn a_filter_from_the_database_is_drawn_escaped() {
        let mut s = state();
        s.show_tab(tab("jobs"));
        s.view_mut(tab("jobs"))
            .table
            .set_filter("boom\nline\x1b]0;owned\x07");
        let t = text(&draw_with(&s, &Theme::mono(), 120, 24));
        assert!(
            t.contains("No rows match /boom\\x0aline\\x1b]0;owned\\x07"),
            "{t}"
        );
        s.filter_input = Some("a\x1bb".into());
        let t = text(&draw_with(&s, &Theme::mono(), 120, 24));
        assert!(t.contains("/a\\x1bb█"), "{t}");
    }

    #[test]
    fn drill_down_filter_line_and_help() {
        let mut s = state();
        s.show_tab(tab("jobs"));
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
        for (k, what) in keys_help() {
            assert!(
                t.contains(&k) && t.contains(&what[..20.min(what.len())]),
                "{k} missing:\n{t}"
            );
        }
        for (w, h) in [(1, 1), (10, 3), (20, 5), (40, 8)] {
            draw_with(&s, &Theme::mono(), w, h);
            s.show_help = false;
            for tab in Tab::all() {
                s.show_tab(tab);
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
                    crate::actions::Template::CompressChunk,
                    // (a schema of a long name: each statement wraps at 80 columns)
                    &[("ts", "\"timescaledb_extension_schema\"")],
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
        s.modal = Modal::Confirm(Box::new(ConfirmState::new(long_plan(Confirm::Choose))));
        // before a frame says how far the body scrolls, keys do not move it
        s.on_key(key(KeyCode::PageDown));
        let t = text(&draw_taken(&mut s, &Theme::mono(), 80, 24));
        assert!(t.contains("[ Cancel ]") && t.contains("[ Execute ]"), "{t}");
        assert!(
            t.contains("compress 36 chunks"),
            "still at the top:
{t}"
        );
        assert!(
            t.contains("PgUp"),
            "a body taller than the screen says it scrolls:\n{t}"
        );
        assert!(!t.contains("and 29 more like these"), "{t}");
        for _ in 0..40 {
            s.on_key(key(KeyCode::PageDown));
        }
        let t = text(&draw_taken(&mut s, &Theme::mono(), 80, 24));
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

        s.modal = Modal::Confirm(Box::new(ConfirmState::new(long_plan(Confirm::TypeName(
            "readings".into(),
        )))));
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
        use crate::app::state::MemberCommand;
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut s = state();
        assert_eq!(s.tab(), Tab::HOME);
        // Enter: the problem's card, its whole text at 80x24 (the pane cuts it), and what a
        // second Enter does
        s.on_key(key(KeyCode::Enter));
        assert_eq!(s.tab(), Tab::HOME);
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        let p = s.data.problems[0].clone();
        assert!(t.contains("Enter: its row on the Jobs tab"), "{t}");
        let last = crate::screens::overview::detail(&p);
        let last = last.lines().last().unwrap().trim();
        let tail: String = last
            .chars()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(
            t.replace(['│', '\n'], "").contains(tail.trim()),
            "{tail:?} in\n{t}"
        );
        s.on_key(key(KeyCode::Enter));
        assert_ne!(s.tab(), Tab::HOME, "Enter on a problem jumps to its row");
        let t = text(&draw_with(&s, &Theme::mono(), 80, 24));
        assert!(t.contains("Esc back"), "{t}");
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab(), Tab::HOME, "Esc goes back to the problems");
        // A tab switched to by hand is not left by Esc.
        s.on_key(key(KeyCode::Char('6')));
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab(), tab("jobs"));
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
        assert_eq!(s.tab(), tab("caggs"));
        palette(&mut s, "1");
        assert_eq!(s.tab(), Tab::HOME);
        palette(&mut s, "help");
        assert!(s.show_help);
        let t = text(&draw_taken(&mut s, &Theme::mono(), 80, 24));
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
        assert_eq!(palette(&mut s, "q"), MemberCommand::Quit);
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
        let mut rng = crate::testing::Xorshift(0x9e37_79b9_7f4a_7c15);
        let mut next = move || rng.next();
        let mut s = state();
        s.names = Some(crate::actions::complete::Names {
            hypertables: vec![
                "plant.telemetry".into(),
                "\"Ops \"\"Team\"\"\".\"events; drop table x\"".into(),
            ],
            jobs: vec!["1000".into(), "1007".into()],
            ..Default::default()
        });
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
                    s.on_planned(Err(crate::actions::runner::PlanningError::History));
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
