//! The console's event loop: terminal input, query results, link changes, action events, the
//! refresh timer and signals are separate sources; each updates the state (`app`), and the
//! screen is redrawn (`render`) only when one of them changed something.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::actions::runner::{self, Event as ActionProgress, Runner, Running};
use crate::app::fleet::{Fleet, FleetCommand, Member};
use crate::app::modal::ModalCommand;
use crate::app::state::{AppState, Effect};
use crate::link::{Link, LinkStatus};
use crate::poller::{Poller, QueryResult, Turn};
use crate::render;
use crate::terminal;
use crate::theme::Theme;

/// One database the console shows: its name (in a fleet), its link, and the connector its
/// actions open their own sessions with.
pub struct Database {
    pub name: String,
    /// `user@host:port/dbname`, for the header.
    pub short: String,
    pub link: Link,
    pub connector: crate::connect::Connector,
    /// Opens the sessions statements are planned on (the Statements tab's Enter).
    pub planner: crate::model::plan::Planner,
}

/// Results of action work done off the input path, each for the fleet member it was asked on
/// (the one shown may have changed meanwhile: a plan delivered to it would be previewed, and
/// executed, on another database).
enum ActionEvent {
    Planned(usize, Box<Result<crate::actions::Plan, String>>),
    History(usize, Result<Vec<String>, String>),
}

pub struct AppOptions {
    /// The action journal, and how long an action waits for a lock.
    pub journal: std::path::PathBuf,
    pub lock_timeout: Duration,
    pub refresh_every: Duration,
    pub utc: bool,
    pub read_only: bool,
    pub theme: Theme,
    /// Limits beyond which the overview reports a problem.
    pub thresholds: crate::problems::Thresholds,
    /// Client-side bound on one monitoring query (statement_timeout plus a margin).
    pub query_limit: Duration,
    /// A line the overview's panel shows (the demo's address, for psql beside the console).
    pub note: Option<(&'static str, &'static str)>,
}

/// How the console ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(i32),
}

/// A member's own reading machinery: its poller (the link is in its [`Database`]).
struct Reader {
    target: Database,
    poller: Poller,
}

impl Reader {
    /// The timer's refresh: what the member shows when it is shown, else its overview's reads
    /// (so the Fleet view's problems stay current); both wait out a slow query's rest.
    fn request(&self, state: &AppState, shown: bool) {
        if shown {
            for (kind, target) in state.wanted() {
                self.poller.request(kind, target);
            }
        } else {
            for kind in crate::screens::Tab::HOME.kinds() {
                self.poller.request(*kind, None);
            }
        }
    }

    /// What the user just asked for: at once.
    fn request_now(&self, state: &AppState) {
        for (kind, target) in state.wanted() {
            self.poller.request_now(kind, target);
        }
    }
}

pub async fn run(targets: Vec<Database>, opts: AppOptions) -> anyhow::Result<Exit> {
    // Signals first: if registering fails we have not touched the terminal yet.
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    let mut guard = terminal::enter().map_err(|e| {
        anyhow::anyhow!(
            "cannot open the terminal: {e} (the console needs one; scripts can use hypertop snapshot, check or run)"
        )
    })?;
    // Every member's results and link changes arrive tagged with its index.
    let (results_tx, mut results) = mpsc::unbounded_channel::<(usize, QueryResult, Turn)>();
    let (links_tx, mut links) = mpsc::unbounded_channel::<(usize, LinkStatus)>();
    let mut readers = Vec::new();
    let mut members = Vec::new();
    for (i, target) in targets.into_iter().enumerate() {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let poller = Poller::start(
            &target.link,
            Some(target.planner.clone()),
            tx,
            opts.query_limit,
        );
        let tagged = results_tx.clone();
        tokio::spawn(async move {
            while let Some((r, turn)) = rx.recv().await {
                if tagged.send((i, r, turn)).is_err() {
                    break;
                }
            }
        });
        let mut link_rx = target.link.subscribe();
        let tagged = links_tx.clone();
        tokio::spawn(async move {
            while link_rx.changed().await.is_ok() {
                let status = link_rx.borrow_and_update().clone();
                if tagged.send((i, status)).is_err() {
                    break;
                }
            }
        });
        let mut state = AppState::new(
            target.short.clone(),
            opts.refresh_every,
            opts.utc,
            opts.read_only,
        );
        state.thresholds = opts.thresholds;
        state.note = opts.note;
        state.on_link(&target.link.status());
        state.in_fleet = true;
        members.push(Member {
            name: target.name.clone(),
            state,
        });
        readers.push(Reader { target, poller });
    }
    let mut fleet = Fleet::new(members);
    if !fleet.is_fleet() {
        fleet.active_mut().in_fleet = false;
    }
    for (r, m) in readers.iter().zip(&fleet.members) {
        r.request_now(&m.state);
    }
    let mut input = EventStream::new();
    let mut refresh = tokio::time::interval(opts.refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Ticks once a second only while disconnected, to count down the retry.
    let mut countdown = tokio::time::interval(Duration::from_secs(1));
    let panic_for_tests = std::env::var_os("HYPERTOP_TEST_PANIC_AFTER_DRAW").is_some();
    let (action_tx, mut action_rx) = mpsc::unbounded_channel::<ActionEvent>();
    let journal = std::sync::Arc::new(crate::actions::journal::Journal::new(opts.journal.clone()));
    // The confirmed action, while it runs, and the member it runs on.
    let mut running: Option<(usize, Running)> = None;

    let mut dirty = true;
    // Query results are drawn together a moment after the first of a refresh arrives: one
    // frame for the overview's answers instead of one each (keys still draw at once).
    let mut results_due: Option<tokio::time::Instant> = None;
    let exit = loop {
        if dirty {
            // the problems of every result taken in since the last frame, derived once
            let mut settled = false;
            for m in &mut fleet.members {
                settled |= m.state.settle();
            }
            if settled && fleet.open {
                fleet.rebuild();
            }
            guard
                .terminal
                .draw(|f| render::draw_fleet(f, &fleet, &opts.theme, Instant::now()))?;
            dirty = false;
            results_due = None;
            if panic_for_tests {
                panic!("test hook: panic after the first frame");
            }
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) => {
                    dirty = true;
                    if fleet.open {
                        match fleet.on_key(key) {
                            FleetCommand::Quit => break Exit::Quit,
                            FleetCommand::Switch(i) => readers[i].request_now(fleet.active()),
                            FleetCommand::Redraw | FleetCommand::None => {}
                        }
                        continue;
                    }
                    if fleet.is_fleet()
                        && key.code == ratatui::crossterm::event::KeyCode::Char('0')
                        && matches!(fleet.active().modal, crate::app::modal::Modal::None)
                        && fleet.active().filter_input.is_none()
                    {
                        fleet.rebuild();
                        fleet.open = true;
                        continue;
                    }
                    let active = fleet.active;
                    let reader = &readers[active];
                    let command = fleet.active_mut().on_key(key);
                    if let Effect::Fleet(which) = command {
                        match which {
                            None if fleet.is_fleet() => {
                                fleet.rebuild();
                                fleet.open = true;
                            }
                            None => fleet.active_mut().say(
                                "No fleet",
                                "one target: start with --fleet (every profile) or --targets FILE".into(),
                            ),
                            Some(name) => match fleet.named(&name) {
                                Some(i) => {
                                    fleet.switch_to(i);
                                    readers[i].request_now(fleet.active());
                                }
                                None => {
                                    let names = fleet
                                        .members
                                        .iter()
                                        .map(|m| m.name.clone())
                                        .collect::<Vec<_>>()
                                        .join(", ");
                                    fleet.active_mut().say(
                                        "No such target",
                                        format!("{name:?} is not one of: {names}"),
                                    );
                                }
                            },
                        }
                        continue;
                    }
                    let member = fleet.active;
                    let state = fleet.active_mut();
                    match command {
                        Effect::Quit => break Exit::Quit,
                        Effect::Refresh => {
                            if state.is_disconnected() {
                                reader.target.link.retry_now()
                            } else {
                                reader.request_now(state)
                            }
                        }
                        Effect::Redraw | Effect::None | Effect::Fleet(_) => {}
                        Effect::Action(a) => {
                            let target = &reader.target;
                            let status = target.link.status();
                            let origin = state
                                .data
                                .caps
                                .as_ref()
                                .map(|c| crate::actions::journal::Origin::of(&target.connector, c));
                            match a {
                                ModalCommand::Plan(cmd) => {
                                    let tx = action_tx.clone();
                                    let journal = journal.clone();
                                    tokio::spawn(async move {
                                        let result = match (status.client, status.caps, origin) {
                                            (Some(client), Some(caps), Some(origin)) => {
                                                runner::plan(&client, &caps, &journal, &origin, &cmd).await
                                            }
                                            _ => Err("not connected: try again when the link is back".into()),
                                        };
                                        let _ = tx.send(ActionEvent::Planned(member, Box::new(result)));
                                    });
                                }
                                ModalCommand::History => {
                                    let result = match &origin {
                                        Some(o) => journal
                                            .history(o)
                                            .map(|e| crate::actions::journal::format_history(&e, state.utc)),
                                        None => Err("not connected yet".into()),
                                    };
                                    let _ = action_tx.send(ActionEvent::History(member, result));
                                }
                                ModalCommand::Execute => {
                                    if let (Some(plan), Some(origin)) = (state.start_running(), origin) {
                                        let runner = Runner {
                                            connector: target.connector.clone(),
                                            journal: journal.clone(),
                                            origin,
                                            lock_timeout: opts.lock_timeout,
                                        };
                                        running = Some((active, runner.spawn(plan)));
                                    }
                                }
                                ModalCommand::Cancel => {
                                    if let Some((_, r)) = &running {
                                        r.cancel();
                                    }
                                }
                                ModalCommand::None | ModalCommand::Redraw | ModalCommand::Navigate(_) => {}
                            }
                        }
                    }
                }
                Some(Ok(Event::Resize(..))) => dirty = true,
                Some(Ok(_)) => {}
                // The terminal is gone (e.g. the SSH session dropped without a SIGHUP).
                Some(Err(_)) | None => break Exit::Signal(libc::SIGHUP),
            },
            Some((i, result, turn)) = results.recv() => {
                fleet.members[i].state.take_result(result);
                // taken in: the member's next read may start
                drop(turn);
                if i == fleet.active || fleet.open {
                    results_due.get_or_insert_with(|| tokio::time::Instant::now() + RESULTS_SETTLE);
                }
            }
            () = settle(results_due), if results_due.is_some() => dirty = true,
            Some((i, status)) = links.recv() => {
                if fleet.members[i].state.on_link(&status) {
                    let shown = i == fleet.active;
                    if shown {
                        readers[i].request_now(&fleet.members[i].state);
                    } else {
                        readers[i].request(&fleet.members[i].state, false);
                    }
                }
                if fleet.open {
                    fleet.rebuild();
                }
                dirty = true;
            }
            Some(ev) = action_rx.recv() => {
                dirty = true;
                match ev {
                    ActionEvent::Planned(i, r) => fleet.members[i].state.on_planned(*r),
                    ActionEvent::History(i, r) => fleet.members[i].state.on_history(r),
                }
            }
            ev = next_event(&mut running), if running.is_some() => {
                dirty = true;
                let on = running.as_ref().map_or(fleet.active, |(i, _)| *i);
                let state = &mut fleet.members[on].state;
                match ev {
                    ActionProgress::Step { index, total, label } => state.on_progress(index, total, label),
                    ActionProgress::Done(o) => {
                        running = None;
                        state.on_outcome(o);
                        readers[on].request_now(state);
                    }
                }
            }
            _ = refresh.tick() => {
                for (i, (r, m)) in readers.iter().zip(&fleet.members).enumerate() {
                    r.request(&m.state, i == fleet.active && !fleet.open);
                }
            }
            _ = countdown.tick(), if fleet.active().is_disconnected() => dirty = true,
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

/// The running action's next event (the caller polls only while one runs).
async fn next_event(running: &mut Option<(usize, Running)>) -> ActionProgress {
    match running {
        Some((_, r)) => r.next().await,
        None => std::future::pending().await,
    }
}

async fn settle(due: Option<tokio::time::Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}
