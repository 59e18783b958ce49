//! The event loop: terminal input, query results, link changes, the refresh timer and signals
//! are separate sources; the screen is redrawn only when one of them changed something.

pub mod modal;
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
use modal::ModalCommand;
use state::{AppState, Command};

/// What actions need: a connector for their own sessions, the journal, the lock timeout.
pub struct ActionOptions {
    pub connector: crate::connect::Connector,
    pub journal: std::path::PathBuf,
    pub lock_timeout: Duration,
}

/// Results of action work done off the input path.
enum ActionEvent {
    Planned(Result<(crate::actions::Plan, Option<String>), String>),
    History(Result<Vec<String>, String>),
    Progress(crate::actions::execute::Progress),
    Finished(crate::actions::execute::Outcome),
}

pub struct AppOptions {
    pub actions: ActionOptions,
    pub refresh_every: Duration,
    pub utc: bool,
    pub read_only: bool,
    pub theme: Theme,
    /// Limits beyond which the overview reports a problem.
    pub thresholds: crate::problems::Thresholds,
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

    let mut guard = terminal::enter().map_err(|e| {
        anyhow::anyhow!(
            "cannot open the terminal: {e} (the console needs one; scripts can use hypertop snapshot, check or run)"
        )
    })?;
    let (results_tx, mut results) = mpsc::unbounded_channel();
    let poller = Poller::start(&link, results_tx, opts.query_limit);
    let mut link_rx = link.subscribe();
    let mut input = EventStream::new();
    let mut state = AppState::new(target, opts.refresh_every, opts.utc, opts.read_only);
    state.thresholds = opts.thresholds.clone();
    // The timer's refreshes wait out a slow query's rest; what the user asks for does not.
    let request = |state: &AppState| {
        for (kind, target) in state.wanted() {
            poller.request(kind, target);
        }
    };
    let request_now = |state: &AppState| {
        for (kind, target) in state.wanted() {
            poller.request_now(kind, target);
        }
    };
    if state.on_link(&link.status()) {
        request_now(&state);
    }
    let mut refresh = tokio::time::interval(opts.refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Ticks once a second only while disconnected, to count down the retry.
    let mut countdown = tokio::time::interval(Duration::from_secs(1));
    let panic_for_tests = std::env::var_os("HYPERTOP_TEST_PANIC_AFTER_DRAW").is_some();
    let (action_tx, mut action_rx) = mpsc::unbounded_channel::<ActionEvent>();
    let journal = std::sync::Arc::new(crate::journal::Journal::new(opts.actions.journal.clone()));
    // The running action's cancel flag and, once its session is open, its cancel token.
    let mut running: Option<(
        crate::actions::execute::Cancel,
        Option<tokio_postgres::CancelToken>,
    )> = None;

    let mut dirty = true;
    // Query results are drawn together a moment after the first of a refresh arrives: one
    // frame for the overview's five answers instead of five (keys still draw at once).
    let mut results_due: Option<tokio::time::Instant> = None;
    let exit = loop {
        if dirty {
            guard
                .terminal
                .draw(|f| render::draw(f, &state, &opts.theme, Instant::now()))?;
            dirty = false;
            results_due = None;
            if panic_for_tests {
                panic!("test hook: panic after the first frame");
            }
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) => match state.on_key(key) {
                    Command::Quit => break Exit::Quit,
                    Command::Refresh => {
                        if state.is_disconnected() { link.retry_now() } else { request_now(&state) }
                        dirty = true;
                    }
                    Command::Redraw => dirty = true,
                    Command::None => {}
                    Command::Action(a) => {
                        dirty = true;
                        let status = link.status();
                        let origin = state
                            .caps
                            .as_ref()
                            .map(|c| crate::headless::origin(&opts.actions.connector, c));
                        match a {
                            ModalCommand::Plan(line) => {
                                let tx = action_tx.clone();
                                let journal = journal.clone();
                                tokio::spawn(async move {
                                    let result = match (status.client, status.caps, origin) {
                                        (Some(client), Some(caps), Some(origin)) => {
                                            match crate::actions::parse::parse(&line) {
                                                Ok(cmd) => crate::headless::plan_command(&client, &caps, &journal, &origin, &cmd).await,
                                                Err(e) => Err(e),
                                            }
                                        }
                                        _ => Err("not connected: try again when the link is back".into()),
                                    };
                                    let _ = tx.send(ActionEvent::Planned(result));
                                });
                            }
                            ModalCommand::History => {
                                let result = match &origin {
                                    Some(o) => journal
                                        .history(o)
                                        .map(|e| crate::journal::format_history(&e, state.utc)),
                                    None => Err("not connected yet".into()),
                                };
                                let _ = action_tx.send(ActionEvent::History(result));
                            }
                            ModalCommand::Execute => {
                                if let (Some((plan, rollback_of)), Some(origin)) = (state.start_running(), origin) {
                                    let cancel = crate::actions::execute::Cancel::default();
                                    running = Some((cancel.clone(), None));
                                    let (ptx, mut prx) = mpsc::unbounded_channel();
                                    let tx = action_tx.clone();
                                    tokio::spawn(async move {
                                        while let Some(p) = prx.recv().await {
                                            if tx.send(ActionEvent::Progress(p)).is_err() {
                                                break;
                                            }
                                        }
                                    });
                                    let tx = action_tx.clone();
                                    let connector = opts.actions.connector.clone();
                                    let lock_timeout = opts.actions.lock_timeout;
                                    let journal = journal.clone();
                                    tokio::spawn(async move {
                                        let o = crate::actions::execute::run(
                                            &connector, lock_timeout, &plan, &journal, &origin,
                                            rollback_of.as_deref(), Some(ptx), cancel,
                                        )
                                        .await;
                                        let _ = tx.send(ActionEvent::Finished(o));
                                    });
                                }
                            }
                            ModalCommand::Cancel => {
                                if let Some((cancel, token)) = &running {
                                    cancel.request();
                                    if let Some(token) = token.clone() {
                                        let connector = opts.actions.connector.clone();
                                        tokio::spawn(async move {
                                            let _ = connector.cancel(&token).await;
                                        });
                                    }
                                }
                            }
                            ModalCommand::None | ModalCommand::Redraw | ModalCommand::Navigate(_) => {}
                        }
                    }
                },
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone (e.g. the SSH session dropped without a SIGHUP).
                Some(Err(_)) | None => break Exit::Signal(libc::SIGHUP),
            },
            Some(result) = results.recv() => {
                state.on_result(result);
                results_due.get_or_insert_with(|| tokio::time::Instant::now() + RESULTS_SETTLE);
            }
            () = settle(results_due), if results_due.is_some() => dirty = true,
            Ok(()) = link_rx.changed() => {
                let status = link_rx.borrow_and_update().clone();
                if state.on_link(&status) {
                    request_now(&state);
                }
                dirty = true;
            }
            Some(ev) = action_rx.recv() => {
                dirty = true;
                match ev {
                    ActionEvent::Planned(r) => state.on_planned(r),
                    ActionEvent::History(r) => state.on_history(r),
                    ActionEvent::Progress(crate::actions::execute::Progress::Session(t)) => {
                        if let Some((_, token)) = &mut running {
                            *token = Some(t);
                        }
                    }
                    ActionEvent::Progress(crate::actions::execute::Progress::Step { index, total, label }) => {
                        state.on_progress(index, total, label);
                    }
                    ActionEvent::Finished(o) => {
                        running = None;
                        state.on_outcome(o);
                        request_now(&state);
                    }
                }
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

/// How long query results may wait for the rest of their refresh before they are drawn.
const RESULTS_SETTLE: Duration = Duration::from_millis(25);

async fn settle(due: Option<tokio::time::Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}
