//! The event loop: terminal input, query results, link changes, the refresh timer and signals
//! are separate sources; the screen is redrawn only when one of them changed something.

pub mod state;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::link::Link;
use crate::poller::Poller;
use crate::render;
use crate::terminal;
use crate::theme::Theme;
use state::{AppState, Command};

pub struct AppOptions {
    pub refresh_every: Duration,
    pub utc: bool,
    pub read_only: bool,
    pub theme: Theme,
    /// Client-side bound on one monitoring query (statement_timeout plus a margin).
    pub query_limit: Duration,
}

/// How the console ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(i32),
}

pub async fn run(link: Link, target: String, opts: AppOptions) -> anyhow::Result<Exit> {
    // Signals first: if registering fails we have not touched the terminal yet.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let mut guard = terminal::enter()?;
    let (results_tx, mut results) = mpsc::unbounded_channel();
    let poller = Poller::start(&link, results_tx, opts.query_limit);
    let mut link_rx = link.subscribe();
    let mut input = EventStream::new();
    let mut state = AppState::new(target, opts.refresh_every, opts.utc, opts.read_only);
    let request = |state: &AppState| {
        for (kind, target) in state.wanted() {
            poller.request(kind, target);
        }
    };
    if state.on_link(&link.status()) {
        request(&state);
    }
    let mut refresh = tokio::time::interval(opts.refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Ticks once a second only while disconnected, to count down the retry.
    let mut countdown = tokio::time::interval(Duration::from_secs(1));
    let panic_for_tests = std::env::var_os("HYPERTOP_TEST_PANIC_AFTER_DRAW").is_some();

    let mut dirty = true;
    let exit = loop {
        if dirty {
            guard
                .terminal
                .draw(|f| render::draw(f, &state, &opts.theme, Instant::now()))?;
            dirty = false;
            if panic_for_tests {
                panic!("test hook: panic after the first frame");
            }
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) => match state.on_key(key) {
                    Command::Quit => break Exit::Quit,
                    Command::Refresh => {
                        if state.is_disconnected() { link.retry_now() } else { request(&state) }
                        dirty = true;
                    }
                    Command::Redraw => dirty = true,
                    Command::None => {}
                },
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone (e.g. the SSH session dropped without a SIGHUP).
                Some(Err(_)) | None => break Exit::Signal(libc::SIGHUP),
            },
            Some(result) = results.recv() => {
                state.on_result(result);
                dirty = true;
            }
            Ok(()) = link_rx.changed() => {
                let status = link_rx.borrow_and_update().clone();
                if state.on_link(&status) {
                    request(&state);
                }
                dirty = true;
            }
            _ = refresh.tick() => request(&state),
            _ = countdown.tick(), if state.is_disconnected() => dirty = true,
            _ = sigterm.recv() => break Exit::Signal(libc::SIGTERM),
            _ = sighup.recv() => break Exit::Signal(libc::SIGHUP),
            _ = sigint.recv() => break Exit::Signal(libc::SIGINT),
        }
    };
    drop(guard);
    Ok(exit)
}
