//! Integration tests against real engines: the TimescaleDB wire server and native PostgreSQL 15.
//! Run them with `tests/run`, which prepares both engines.

mod engines;
mod process;
mod pty;

mod actions;
mod activity;
mod capabilities;
mod cli_errors;
mod exporter;
mod headless;
mod journal;
mod native_tsdb;
mod plain;
mod policy;
mod reconnect;
mod screens;
mod security;
mod sizes;
mod terminal;
mod tls;
mod wire_server;

/// The console's screen for `tab` as text (mono theme, 120x30), as a user would see it.
pub fn render_text(
    state: &mut hypertop::app::state::AppState,
    tab: hypertop::screens::Tab,
) -> String {
    use ratatui::backend::TestBackend;
    state.tab = tab;
    let mut terminal = ratatui::Terminal::new(TestBackend::new(120, 30)).unwrap();
    let theme = hypertop::theme::Theme::mono();
    terminal
        .draw(|f| hypertop::render::draw(f, state, &theme, std::time::Instant::now()))
        .unwrap();
    let buf = terminal.backend().buffer().clone();
    (0..30)
        .map(|y| {
            (0..120)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
