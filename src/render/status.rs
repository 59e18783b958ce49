//! The status line and the help page.

use super::*;

pub(super) fn draw_status(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
    now: Instant,
) {
    if let Some(input) = &state.filter_input {
        let line = Line::from(vec![
            Span::styled(" /", theme.header),
            Span::styled(format!("{}█", format::printable(input)), theme.value),
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
    // The last error first: at 80 columns what comes after it is cut, and it matters more.
    if let Some((at, err)) = &state.data.last_error {
        spans.push(Span::styled(
            format!(" last error {}: {err} ", format::clock(*at, state.utc)),
            theme.warn,
        ));
    }
    let refreshed = state.last_refresh().map(|(at, took)| {
        // the oldest read on screen: older than two refreshes (a read failing, timing out, the
        // server gone), it says how old
        let age = state.ctx().now - *at;
        let stale = age
            .to_std()
            .is_ok_and(|a| a > 2 * state.refresh_every + std::time::Duration::from_secs(1));
        let clock = format::clock(*at, state.utc);
        match stale {
            true => {
                let old = format::chrono_duration(age);
                [
                    format!(" as of {clock}, {old} old"),
                    format!(" as of {clock}, {old} old"),
                    format!(" {old} old"),
                    format!(" {old} old"),
                ]
            }
            false => [
                format!(" refreshed {clock} ({})", format::elapsed(*took)),
                format!(" refreshed {clock}"),
                format!(" as of {clock}"),
                format!(" {clock}"),
            ],
        }
    });
    let back = state.jumped_from.is_some() || state.current().drill.is_some();
    let tab_keys = state.tab().keys();
    let hint_of = |groups: &[&str]| {
        let keys = groups
            .iter()
            .filter(|k| !k.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("  ");
        Span::styled(format!("  {keys} "), theme.status)
    };
    let back = if back { "Esc back" } else { "" };
    let fleet = if state.in_fleet { "0 fleet" } else { "" };
    // The status keeps room for the link's word and a little of what follows it; the keys give
    // way, least needed first (help lists them all).
    let room = spans[0].width() + 16;
    let hint = [
        hint_of(&[
            &tab_keys,
            back,
            fleet,
            "/ filter  : actions  ? help  q quit",
        ]),
        hint_of(&[&tab_keys, back, fleet, "? help  q quit"]),
        hint_of(&[back, fleet, "? help  q quit"]),
    ]
    .into_iter()
    .find(|h| h.width() + room <= usize::from(area.width))
    .unwrap_or_else(|| hint_of(&["? help"]));
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(hint.width() as u16)])
            .areas(area);
    // the time of the last refresh whole, or shorter words, or not at all: never cut digits
    let used: usize = spans.iter().map(Span::width).sum();
    if let Some(choice) = refreshed.and_then(|texts| {
        texts
            .into_iter()
            .find(|t| used + t.chars().count() <= usize::from(left.width))
    }) {
        spans.push(Span::styled(choice, theme.label));
    }
    frame.render_widget(Line::from(spans), left);
    frame.render_widget(Line::from(hint), right);
}

pub(super) fn draw_help(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    theme: &Theme,
) -> Option<crate::app::modal::ScrollBounds> {
    let key_line = |k: &str, what: &str| {
        Line::from(vec![
            Span::styled(format!("{k:>9}  "), theme.header),
            Span::styled(what.to_string(), theme.value),
        ])
    };
    let mut lines: Vec<Line> = keys_help()
        .iter()
        .map(|(k, what)| key_line(k, what))
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        "Palette (:) — commands, then navigation",
        theme.label,
    )));
    lines.extend(
        crate::actions::spec::COMMANDS
            .iter()
            .map(|s| key_line(s.name, s.synopsis)),
    );
    lines.push(key_line(
        "also",
        &crate::actions::spec::ALIASES
            .iter()
            .map(|(alias, of)| format!("{alias} = {of}"))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    lines.push(key_line("go to", &crate::app::modal::Navigation::words()));
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
    )
}
