//! Integration tests against real engines: the TimescaleDB wire server and native PostgreSQL 15.
//! Run them with `tests/run`, which prepares both engines.

mod engines;
mod process;
mod pty;

mod actions;
mod activity;
mod advice;
mod boundaries;
mod capabilities;
mod cli_errors;
mod columnstore;
mod exporter;
mod freshness;
mod headless;
mod job_troubles;
mod journal;
mod judgement;
mod kept;
mod native_tsdb;
mod plain;
mod plans;
mod policy;
mod poller;
mod reconnect;
mod recorder;
mod regressions;
mod roundtrip;
mod screens;
mod security;
mod sizes;
mod statements;
mod team_store;
mod terminal;
mod tls;
mod upgrade;
mod versions;
mod wire_server;

/// The console's screen for `tab` as text (mono theme, 120x30), as a user would see it.
pub fn render_text(
    state: &mut hypertop::app::state::AppState,
    tab: hypertop::screens::Tab,
) -> String {
    state.show_tab(tab);
    render_sized(state, 120, 30)
}

/// The console's screen as text on a terminal of `w` x `h`, in the mono theme.
pub fn render_sized(state: &hypertop::app::state::AppState, w: u16, h: u16) -> String {
    use ratatui::backend::TestBackend;
    let mut terminal = ratatui::Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = hypertop::theme::Theme::mono();
    terminal
        .draw(|f| {
            hypertop::render::draw(f, state, &theme, std::time::Instant::now());
        })
        .unwrap();
    let buf = terminal.backend().buffer().clone();
    (0..h)
        .map(|y| {
            (0..w)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A step no plan writes (a plan's steps are made from `Template`s only): what a journal edited
/// by hand, or a plan the tests make up, holds.
pub fn foreign_step(label: &str, sql: &str) -> hypertop::actions::Step {
    hypertop::actions::Step {
        label: label.into(),
        sql: sql.into(),
        params: vec![],
        guard: None,
        analyze: None,
        expect_true: None,
        concurrent_reindex: false,
    }
}
