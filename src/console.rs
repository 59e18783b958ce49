//! The console's event loop: terminal input, query results, link changes, action events, the
//! refresh timer and signals are separate sources; each becomes a message for
//! `app::update`, whose effects (reads, plans, the journal, the running action) are run here,
//! and the screen is redrawn (`render`) only when one of them changed something.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

use crate::actions::runner::{self, Event as ActionProgress, Runner, Running};
use crate::app::fleet::{Fleet, Member};
use crate::app::state::AppState;
use crate::app::update::{self, Effect, HistoryError, Msg};
use crate::link::{Link, LinkStatus};
use crate::poller::{Poller, QueryResult, Turn};
use crate::recording::live::Recording;
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
    /// Where what it reads is recorded, and within what bounds (None: not recorded).
    pub recording: Option<(std::path::PathBuf, crate::recording::bounds::Bounds)>,
    /// Where the team's history is read from (`record_into`), in place of the recording's.
    pub team: Option<crate::recording::team::TeamSource>,
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
    /// `--open TAB[:OBJECT]`: where each member starts.
    pub open: Option<crate::screens::OpenAt>,
}

/// How the console ended, for the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Signal(i32),
}

/// A member's own reading machinery: its poller (the link is in its [`Database`]) and its
/// recording.
struct MemberReader {
    target: Database,
    poller: Poller,
    recording: Option<Recording>,
}

impl MemberReader {
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

    /// What the user just asked for: at once (`whole`: whatever the watch says, `r`).
    fn request_now(&self, state: &AppState, whole: bool) {
        for (kind, target) in state.wanted() {
            self.poller.request_now(kind, target, whole);
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
    // plans, histories, derivations and the recordings' news come back as messages
    let (action_tx, mut action_rx) = mpsc::unbounded_channel::<Msg>();
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
        if let Some(at) = opts.open.clone() {
            state.open_at(at);
        }
        if target.recording.is_some() {
            state.data.history.record();
        }
        let caps = target.link.status().caps;
        let recording = team_when(target.team.as_ref(), caps.as_deref())
            .and_then(|team| start_recording(i, &target, team, &action_tx));
        members.push(Member {
            name: target.name.clone(),
            state,
        });
        readers.push(MemberReader {
            target,
            poller,
            recording,
        });
    }
    let mut fleet = Fleet::new(members);
    if !fleet.is_fleet() {
        fleet.active_mut().in_fleet = false;
    }
    for (r, m) in readers.iter().zip(&fleet.members) {
        r.request_now(&m.state, false);
    }
    let mut input = EventStream::new();
    let mut refresh = tokio::time::interval(opts.refresh_every);
    refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Ticks once a second only while disconnected, to count down the retry.
    let mut countdown = tokio::time::interval(Duration::from_secs(1));
    let panic_for_tests = std::env::var_os("HYPERTOP_TEST_PANIC_AFTER_DRAW").is_some();
    let mut executor = Executor {
        readers,
        journal: std::sync::Arc::new(crate::actions::journal::Journal::new(opts.journal.clone())),
        lock_timeout: opts.lock_timeout,
        action_tx,
        running: None,
        draw: true,
        draw_due: None,
        drawn_at: tokio::time::Instant::now(),
        answers_apart: (opts.refresh_every / 2).clamp(RESULTS_SETTLE, ANSWERS_APART_AT_MOST),
    };
    let exit = loop {
        if executor.draw {
            // whatever is due is derived away from the loop; this frame shows what was
            executor.derive(&mut fleet);
            let mut drawn = Default::default();
            guard.terminal.draw(|f| {
                drawn = render::draw_fleet(f, &fleet, &opts.theme, Instant::now());
            })?;
            // what the frame measured (a dialog's scroll bounds) taken in: asks for nothing
            let _ = executor.run(&mut fleet, Msg::Drawn(drawn));
            executor.draw = false;
            executor.draw_due = None;
            executor.drawn_at = tokio::time::Instant::now();
            if panic_for_tests {
                panic!("test hook: panic after the first frame");
            }
        }
        let msg = tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Resize(width, height))) => {
                    // the size now, not the event's: two quick resizes (tmux) can leave the
                    // first event's size standing behind the second's
                    let (width, height) =
                        ratatui::crossterm::terminal::size().unwrap_or((width, height));
                    guard.resize(width, height)?;
                    Msg::Resize
                }
                Some(Ok(_)) => continue,
                // The terminal is gone (e.g. the SSH session dropped without a SIGHUP).
                Some(Err(_)) | None => break Exit::Signal(libc::SIGHUP),
            },
            Some((i, result, turn)) = results.recv() => {
                let exit = executor.run(&mut fleet, Msg::Answer(i, result));
                // taken in: the member's next read may start
                drop(turn);
                match exit {
                    Some(exit) => break exit,
                    None => continue,
                }
            }
            () = settle(executor.draw_due), if executor.draw_due.is_some() => Msg::Settled,
            Some((i, status)) = links.recv() => {
                executor.on_connected(i, &status);
                Msg::Link(i, status)
            }
            Some(msg) = action_rx.recv() => msg,
            (on, ev) = next_event(&mut executor.running), if executor.running.is_some() => {
                if matches!(ev, ActionProgress::Done(_)) {
                    executor.running = None;
                }
                Msg::Progress(on, ev)
            }
            _ = refresh.tick() => Msg::Tick,
            _ = countdown.tick(), if fleet.active().is_disconnected() => Msg::Second,
            _ = sigterm.recv() => break Exit::Signal(libc::SIGTERM),
            _ = sighup.recv() => break Exit::Signal(libc::SIGHUP),
            _ = sigint.recv() => break Exit::Signal(libc::SIGINT),
        };
        if let Some(exit) = executor.run(&mut fleet, msg) {
            break exit;
        }
    };
    drop(guard);
    // what the recordings gathered is written before the process ends
    crate::recording::live::finish();
    Ok(exit)
}

/// Runs what `update` asks for: reads, plans, the journal, the confirmed action.
struct Executor {
    readers: Vec<MemberReader>,
    journal: std::sync::Arc<crate::actions::journal::Journal>,
    lock_timeout: Duration,
    /// Plans and histories come back as messages.
    action_tx: mpsc::UnboundedSender<Msg>,
    /// The confirmed action, while it runs, and the member it runs on.
    running: Option<(usize, Running)>,
    draw: bool,
    /// When answers taken in are drawn, if some wait.
    draw_due: Option<tokio::time::Instant>,
    /// When the last frame was drawn, and how long answers wait at least after it: a refresh's
    /// answers arrive kind by kind, and each drawn (and its problems derived) on its own was
    /// most of an idle console's CPU.
    drawn_at: tokio::time::Instant,
    answers_apart: Duration,
}

/// When a member's recording starts, and where its team's history is read from then (pure):
/// at once as given (Some), unless it would be read by the address of a member not connected
/// yet (a fleet's): that one waits (None) and is read, once connected, by the identity of the
/// server reached — an address re-pointed since the recorder ran must not show another
/// server's history.
fn team_when(
    team: Option<&crate::recording::team::TeamSource>,
    caps: Option<&crate::capabilities::Capabilities>,
) -> Option<Option<crate::recording::team::TeamSource>> {
    use crate::recording::team::{reader::Which, TargetId};
    let Some(team) = team else {
        return Some(None);
    };
    let by_address = matches!(team.which, Which::Address(_));
    match caps.map(TargetId::of) {
        None if by_address => None,
        Some(Some(id)) if by_address => Some(Some(crate::recording::team::TeamSource {
            which: Which::Identity(id),
            ..team.clone()
        })),
        _ => Some(Some(team.clone())),
    }
}

/// Member `i`'s recording, its team's history read from `team`; its news come back as messages.
fn start_recording(
    i: usize,
    target: &Database,
    team: Option<crate::recording::team::TeamSource>,
    action_tx: &mpsc::UnboundedSender<Msg>,
) -> Option<Recording> {
    let (path, bounds) = target.recording.clone()?;
    let tell = action_tx.clone();
    Some(Recording::start(
        path,
        bounds,
        target.short.clone(),
        team,
        move |event| {
            let _ = tell.send(Msg::Recording(i, event));
        },
    ))
}

impl Executor {
    /// A member connected: its recording started if it waited for the server's identity.
    fn on_connected(&mut self, i: usize, status: &LinkStatus) {
        let Some(caps) = &status.caps else {
            return;
        };
        let reader = &mut self.readers[i];
        if reader.recording.is_some() || reader.target.recording.is_none() {
            return;
        }
        if let Some(team) = team_when(reader.target.team.as_ref(), Some(caps)) {
            reader.recording = start_recording(i, &reader.target, team, &self.action_tx);
        }
    }

    /// Starts each member's due derivation on a blocking thread (its result comes back as a
    /// message); true when one was started.
    fn derive(&self, fleet: &mut Fleet) -> bool {
        let mut started = false;
        for (i, m) in fleet.members.iter_mut().enumerate() {
            if let Some(derive) = m.state.derivation() {
                let tx = self.action_tx.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::Derived(i, Box::new(derive.run())));
                });
                started = true;
            }
        }
        started
    }

    /// Updates the state with `msg` and runs its effects (and those of the messages they give
    /// back at once); how the console ends, if it does.
    fn run(&mut self, fleet: &mut Fleet, msg: Msg) -> Option<Exit> {
        let mut queue = std::collections::VecDeque::from([msg]);
        while let Some(msg) = queue.pop_front() {
            for effect in update::update(fleet, msg) {
                match effect {
                    Effect::Quit => return Some(Exit::Quit),
                    Effect::Draw => self.draw = true,
                    Effect::Derive => {
                        if !self.derive(fleet) {
                            self.draw = true;
                        }
                    }
                    Effect::DrawSoon => {
                        let now = tokio::time::Instant::now();
                        let due = (now + RESULTS_SETTLE).max(self.drawn_at + self.answers_apart);
                        self.draw_due.get_or_insert(due);
                    }
                    Effect::ReadNow(i) => {
                        self.readers[i].request_now(&fleet.members[i].state, false)
                    }
                    Effect::ReadWhole(i) => {
                        self.readers[i].request_now(&fleet.members[i].state, true)
                    }
                    Effect::Read { member, shown } => {
                        self.readers[member].request(&fleet.members[member].state, shown)
                    }
                    Effect::Retry(i) => self.readers[i].target.link.retry_now(),
                    Effect::Record(i, samples) => {
                        if let Some(r) = &self.readers[i].recording {
                            r.send(samples);
                        }
                    }
                    Effect::Zoom(i, span) => {
                        if let Some(r) = &self.readers[i].recording {
                            r.zoom(span);
                        }
                    }
                    Effect::Plan(i, action) => self.plan(fleet, i, action),
                    Effect::History(i) => self.history(fleet, i),
                    Effect::Execute(i, plan) => match self.origin(fleet, i) {
                        // (update starts one at a time; a second here would lose the first's
                        // progress and its cancel)
                        Some(_) if self.running.is_some() => fleet.members[i].state.say(
                            "Not run",
                            "another action is running: nothing was changed".into(),
                        ),
                        Some(origin) => {
                            let runner = Runner {
                                connector: self.readers[i].target.connector.clone(),
                                journal: self.journal.clone(),
                                origin,
                                lock_timeout: self.lock_timeout,
                            };
                            self.running = Some((i, runner.spawn(*plan)));
                        }
                        None => fleet.members[i].state.say(
                            "Not run",
                            "not connected: nothing was changed; try again when the link is back"
                                .into(),
                        ),
                    },
                    Effect::Cancel(i) => {
                        if let Some((_, r)) = self.running.as_ref().filter(|(on, _)| *on == i) {
                            r.cancel();
                        }
                    }
                }
            }
        }
        None
    }

    /// Who acts on member `i`, for the journal (known once its capabilities are read).
    fn origin(&self, fleet: &Fleet, i: usize) -> Option<crate::actions::journal::Origin> {
        let caps = fleet.members[i].state.data.caps.as_ref()?;
        Some(crate::actions::journal::Origin::of(
            &self.readers[i].target.connector,
            caps,
        ))
    }

    /// Reads member `i`'s journal history (and the recording it interleaves) off the input
    /// path: a long journal or a large recording is read and queried on a blocking thread, and
    /// the lines come back as a message.
    fn history(&self, fleet: &Fleet, i: usize) {
        let utc = fleet.members[i].state.utc;
        let recording = (self.readers[i].target.recording.as_ref()).map(|(p, _)| p.clone());
        let origin = self.origin(fleet, i);
        let journal = self.journal.clone();
        let tx = self.action_tx.clone();
        tokio::task::spawn_blocking(move || {
            let lines = match origin {
                Some(o) => journal
                    .history(&o)
                    .map(|e| {
                        let lines = crate::actions::journal::format_history(&e, utc);
                        let store = recording
                            .and_then(|p| crate::recording::store::Store::open(&p).ok())
                            .flatten();
                        match &store {
                            Some(r) => crate::actions::seen::interleaved(&e, lines, r, utc),
                            None => lines,
                        }
                    })
                    .map_err(HistoryError::Journal),
                None => Err(HistoryError::NotConnected),
            };
            let _ = tx.send(Msg::History(i, lines));
        });
    }

    /// Plans off the input path; the plan comes back as a message for member `i`.
    fn plan(&self, fleet: &Fleet, i: usize, action: crate::actions::parse::Command) {
        let status = self.readers[i].target.link.status();
        let origin = self.origin(fleet, i);
        let tx = self.action_tx.clone();
        let journal = self.journal.clone();
        tokio::spawn(async move {
            let result = match (status.client, status.caps, origin) {
                (Some(client), Some(caps), Some(origin)) => {
                    runner::plan(&client, &caps, &journal, &origin, &action).await
                }
                _ => Err(runner::PlanningError::NotConnected),
            };
            let _ = tx.send(Msg::Planned(i, result));
        });
    }
}

/// How long query results may wait for the rest of their refresh before they are drawn.
const RESULTS_SETTLE: Duration = Duration::from_millis(25);

/// Answers are drawn at most every half refresh, and at least every this long (keys are drawn
/// at once, with whatever answers wait).
const ANSWERS_APART_AT_MOST: Duration = Duration::from_millis(500);

/// The running action's next event and its member (the caller polls only while one runs).
async fn next_event(running: &mut Option<(usize, Running)>) -> (usize, ActionProgress) {
    match running {
        Some((on, r)) => (*on, r.next().await),
        None => std::future::pending().await,
    }
}

async fn settle(due: Option<tokio::time::Instant>) {
    if let Some(due) = due {
        tokio::time::sleep_until(due).await;
    }
}

#[cfg(test)]
mod tests {
    use super::team_when;
    use crate::recording::team::{reader::Which, TargetId, TeamSource};

    #[test]
    fn a_members_team_history_is_the_server_it_reached() {
        let store = crate::recording::team::resolve("host=store dbname=ops").unwrap();
        let by = |which| TeamSource {
            store: store.clone(),
            which,
        };
        let address = by(Which::Address("db1:5432/app".into()));
        let shown = |t: Option<Option<TeamSource>>| t.map(|t| t.map(|t| format!("{:?}", t.which)));
        let mut caps = crate::model::fixtures::caps();
        caps.system_identifier = Some("7000000000000000009".into());
        caps.database_oid = Some(5);
        caps.in_recovery = false;
        // not connected yet: a fleet member's waits; without a store, or by identity, at once
        assert_eq!(shown(team_when(Some(&address), None)), None);
        assert_eq!(shown(team_when(None, None)), Some(None));
        let id = TargetId {
            system: "7000000000000000001".into(),
            database_oid: 1,
        };
        let known = by(Which::Identity(id.clone()));
        assert_eq!(
            shown(team_when(Some(&known), None)),
            Some(Some(format!("{:?}", Which::Identity(id))))
        );
        // connected: by the identity of the server reached, whatever the address last was
        assert_eq!(
            shown(team_when(Some(&address), Some(&caps))),
            Some(Some(format!(
                "{:?}",
                Which::Identity(TargetId {
                    system: "7000000000000000009".into(),
                    database_oid: 5
                })
            )))
        );
        // a login that may not read the identity: by the address, as a single console does
        caps.system_identifier = None;
        assert_eq!(
            shown(team_when(Some(&address), Some(&caps))),
            Some(Some(format!("{:?}", Which::Address("db1:5432/app".into()))))
        );
    }
}
