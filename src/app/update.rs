//! The console's one loop as a function: every message — a key, a member's answer or link
//! change, a plan, an action's progress, the timer — goes through [`update`], which changes the
//! state and returns what the event loop must do ([`Effect`]). Each message and effect names
//! the fleet member it concerns, so an answer asked on one member never lands on another.
//! Pure: the loop (`console`) owns the sessions, the journal and the terminal.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::fleet::{Fleet, FleetCommand};
use super::modal::{Modal, ModalCommand};
use super::state::{Derived, MemberCommand};
use crate::actions::parse::Command;
use crate::actions::runner::Event as Progress;
use crate::actions::runner::PlanningError;

pub use super::state::HistoryError;
use crate::actions::Plan;
use crate::link::LinkStatus;
use crate::poller::QueryResult;

/// What reaches the console; `usize` is the fleet member it is for.
pub enum Msg {
    Key(KeyEvent),
    Resize,
    Answer(usize, QueryResult),
    /// The moment after a refresh's first answer: its answers are derived and drawn together.
    Settled,
    /// What a member's derivation made (its problems, its shown tab's rows).
    Derived(usize, Box<Derived>),
    Link(usize, LinkStatus),
    Planned(usize, Result<Plan, PlanningError>),
    History(usize, Result<Vec<String>, HistoryError>),
    Progress(usize, Progress),
    /// The refresh timer.
    Tick,
    /// A second while the shown member is disconnected (its retry's countdown).
    Second,
    /// The member's recording read back its past hour, or stopped.
    Recording(usize, crate::recording::live::Event),
    /// What the last frame measured of the member shown (its dialog's scroll bounds).
    Drawn(super::modal::Drawn),
}

/// What the loop does for [`update`].
#[derive(Debug)]
pub enum Effect {
    Quit,
    /// Draw the next frame.
    Draw,
    /// Draw a moment from now, together with the rest of the refresh's answers.
    DrawSoon,
    /// Derive what the answers taken in call for, away from the loop (then draw); draw at once
    /// if nothing is to be derived.
    Derive,
    /// Read what the member shows, at once (the user asked).
    ReadNow(usize),
    /// Read what the member shows at once and whole, whatever its watch says (`r`).
    ReadWhole(usize),
    /// The timer's read: what the member shows when shown, else its overview's reads.
    Read {
        member: usize,
        shown: bool,
    },
    /// Reconnect the member at once.
    Retry(usize),
    /// Hand what a read kept to the member's recording.
    Record(usize, Vec<crate::history::Sample>),
    /// Read the member's recording over a span beyond the hour, for the pictures.
    Zoom(usize, crate::history::zoom::Span),
    /// Resolve and plan a command on the member's connection.
    Plan(usize, Command),
    /// Read the member's journal.
    History(usize),
    /// Run the confirmed plan on the member.
    Execute(usize, Box<Plan>),
    /// Cancel member `.0`'s running action (none other's).
    Cancel(usize),
}

/// How often a span beyond the hour is read again from the recording (seconds).
const ZOOM_AGAIN: u32 = 60;

pub fn update(fleet: &mut Fleet, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(fleet, key),
        Msg::Resize => vec![Effect::Draw],
        Msg::Settled => vec![Effect::Derive],
        Msg::Derived(i, derived) => {
            let state = &mut fleet.members[i].state;
            state.on_derived(*derived);
            let opened = state.open_pending();
            if fleet.open {
                fleet.rebuild();
            }
            // what arrived while it was derived is derived next
            let mut effects = vec![Effect::Derive];
            if opened == Some(MemberCommand::Refresh) {
                effects.push(Effect::ReadNow(i));
            }
            if i == fleet.active || fleet.open {
                effects.push(Effect::Draw);
            }
            effects
        }
        Msg::Answer(i, result) => {
            let state = &mut fleet.members[i].state;
            state.take_result(result);
            let samples = state.data.history.take_samples();
            let mut effects = Vec::new();
            if !samples.is_empty() {
                effects.push(Effect::Record(i, samples));
            }
            if i == fleet.active || fleet.open {
                effects.push(Effect::DrawSoon);
            }
            effects
        }
        Msg::Recording(i, event) => {
            let state = &mut fleet.members[i].state;
            match event {
                // a new recording has no past: nothing to draw
                crate::recording::live::Event::Restored(samples) if samples.is_empty() => {
                    return vec![];
                }
                crate::recording::live::Event::Restored(samples) => {
                    state.data.history.restore(&samples);
                    state.redress_pictures();
                }
                crate::recording::live::Event::Zoomed(zoomed) => {
                    state.data.history.take_zoomed(*zoomed);
                    state.redress_pictures();
                }
                crate::recording::live::Event::Failed(e) => state.say(
                    "Recording stopped",
                    format!("{e}; the console goes on without it (--no-record to not try)"),
                ),
                crate::recording::live::Event::TeamUnread(e) => state.say(
                    "Team store not read",
                    format!("{e}; the pictures start from this host's own recording"),
                ),
            }
            // a member not shown is drawn when it is
            if i == fleet.active || fleet.open {
                vec![Effect::Draw]
            } else {
                vec![]
            }
        }
        Msg::Link(i, status) => {
            let mut effects = vec![Effect::Draw];
            let fresh = fleet.members[i].state.on_link(&status);
            for m in fleet.connected(i, &status.state, fresh) {
                effects.push(if m == fleet.active {
                    Effect::ReadNow(m)
                } else {
                    Effect::Read {
                        member: m,
                        shown: false,
                    }
                });
            }
            if fleet.open {
                fleet.rebuild();
            }
            effects
        }
        Msg::Planned(i, plan) => {
            fleet.members[i].state.on_planned(plan);
            vec![Effect::Draw]
        }
        Msg::History(i, lines) => {
            fleet.members[i].state.on_history(lines);
            vec![Effect::Draw]
        }
        Msg::Progress(
            i,
            Progress::Step {
                index,
                total,
                label,
            },
        ) => {
            fleet.members[i].state.on_progress(index, total, label);
            vec![Effect::Draw]
        }
        Msg::Progress(i, Progress::Done(outcome)) => {
            fleet.running = None;
            fleet.members[i].state.on_outcome(outcome);
            vec![Effect::Draw, Effect::ReadNow(i)]
        }
        Msg::Tick => {
            fleet.ticked();
            let mut effects: Vec<Effect> = (0..fleet.members.len())
                .map(|i| Effect::Read {
                    member: i,
                    shown: i == fleet.active && !fleet.open,
                })
                .collect();
            // a span beyond the hour follows the recording, a minute at a time
            let now = crate::history::seconds(chrono::Utc::now());
            for (i, m) in fleet.members.iter_mut().enumerate() {
                if let Some(span) = m.state.data.history.zoom_due(now, ZOOM_AGAIN) {
                    effects.push(Effect::Zoom(i, span));
                }
            }
            effects
        }
        Msg::Second => vec![Effect::Draw],
        Msg::Drawn(drawn) => {
            if !fleet.open {
                fleet.active_mut().take_drawn(drawn);
            }
            Vec::new()
        }
    }
}

fn on_key(fleet: &mut Fleet, key: KeyEvent) -> Vec<Effect> {
    let mut effects = vec![Effect::Draw];
    if fleet.open {
        match fleet.on_key(key) {
            FleetCommand::Quit => effects.push(Effect::Quit),
            FleetCommand::Switch(i) => effects.push(Effect::ReadNow(i)),
            FleetCommand::Redraw | FleetCommand::None => {}
        }
        return effects;
    }
    let active = fleet.active;
    let state = fleet.active_mut();
    if key.code == KeyCode::Char('0')
        && matches!(state.modal, Modal::None)
        && state.filter_input.is_none()
        && fleet.is_fleet()
    {
        open_fleet(fleet);
        return effects;
    }
    match fleet.active_mut().on_key(key) {
        MemberCommand::Quit => effects.push(Effect::Quit),
        MemberCommand::Refresh | MemberCommand::ReadWhole if fleet.active().is_disconnected() => {
            effects.push(Effect::Retry(active))
        }
        // a tab shown reads now what the watches say moved; reading it all whole at every
        // tab switch cost the server a whole catalog read each
        MemberCommand::Refresh => effects.push(Effect::ReadNow(active)),
        MemberCommand::ReadWhole => effects.push(Effect::ReadWhole(active)),
        MemberCommand::Redraw | MemberCommand::None => {}
        MemberCommand::Zoom(span) => effects.push(Effect::Zoom(active, span)),
        MemberCommand::Fleet(None) if fleet.is_fleet() => open_fleet(fleet),
        MemberCommand::Fleet(None) => fleet.active_mut().say(
            "No fleet",
            "one target: start with --fleet (every profile) or --targets FILE".into(),
        ),
        MemberCommand::Fleet(Some(name)) => match fleet.named(&name) {
            Some(i) => {
                fleet.switch_to(i);
                effects.push(Effect::ReadNow(i));
            }
            None => {
                let names = fleet
                    .members
                    .iter()
                    .map(|m| m.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                fleet
                    .active_mut()
                    .say("No such target", format!("{name:?} is not one of: {names}"));
            }
        },
        MemberCommand::Action(command) => match command {
            ModalCommand::Plan(action) => effects.push(Effect::Plan(active, action)),
            ModalCommand::History => effects.push(Effect::History(active)),
            ModalCommand::Execute => match fleet.running {
                Some(on) => {
                    let name = fleet.members[on].name.clone();
                    fleet.active_mut().say(
                        "Not run",
                        format!("an action is running on {name}: nothing was changed; run this one when it is done"),
                    );
                }
                None => {
                    if let Some(plan) = fleet.active_mut().start_running() {
                        fleet.running = Some(active);
                        effects.push(Effect::Execute(active, Box::new(plan)));
                    }
                }
            },
            ModalCommand::Cancel => effects.push(Effect::Cancel(active)),
            ModalCommand::None | ModalCommand::Redraw | ModalCommand::Navigate(_) => {}
        },
    }
    // the key's frame at once; what it asked to be made (a tab's rows, a fold's members) is
    // derived away from the loop and drawn when made (answers wait for their refresh's others)
    if fleet.active().made_for_a_key_due() {
        effects.push(Effect::Derive);
    }
    effects
}

fn open_fleet(fleet: &mut Fleet) {
    fleet.rebuild();
    fleet.open = true;
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::app::fleet::Member;
    use crate::app::state::AppState;

    fn fleet(names: &[&str]) -> Fleet {
        let members = names
            .iter()
            .map(|name| {
                let mut state =
                    AppState::new(name.to_string(), Duration::from_secs(2), true, false);
                state.in_fleet = true;
                Member {
                    name: name.to_string(),
                    state,
                }
            })
            .collect();
        Fleet::new(members)
    }

    fn keys(fleet: &mut Fleet, text: &str) -> Vec<Effect> {
        text.chars()
            .flat_map(|c| {
                let code = if c == '\n' {
                    KeyCode::Enter
                } else {
                    KeyCode::Char(c)
                };
                update(fleet, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
            })
            .collect()
    }

    /// In the confirm dialog, Execute chosen (Cancel is the default), then Enter.
    fn execute_chosen(fleet: &mut Fleet) -> Vec<Effect> {
        update(
            fleet,
            Msg::Key(KeyEvent::new(KeyCode::Right, KeyModifiers::NONE)),
        );
        update(
            fleet,
            Msg::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        )
    }

    fn plan(command: &str) -> Plan {
        Plan::new(command.into(), command.into(), vec![], "none")
    }

    /// A key's frame is drawn before anything it asked to be made: the derivation (away from
    /// the loop) makes a tab's rows or a fold's members, then draws again.
    #[test]
    fn a_key_draws_first_then_derives() {
        let mut f = fleet(&["a"]);
        // nothing read yet: the Overview's rows are due and made with the tab's
        let effects = keys(&mut f, "2");
        assert!(
            matches!(effects[..], [Effect::Draw, .., Effect::Derive]),
            "{effects:?}"
        );
        // made; then a key that asks for nothing to be made derives nothing
        f.members[0].state.settle();
        let effects = keys(&mut f, "j");
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Derive)),
            "{effects:?}"
        );
    }

    #[test]
    fn a_plan_lands_on_the_member_it_was_asked_on_after_a_switch() {
        let mut f = fleet(&["a", "b"]);
        // the Fleet view, then a's console
        keys(&mut f, "\n");
        assert_eq!((f.active, f.open), (0, false));
        let effects = keys(&mut f, ":pause-job 7\n");
        assert!(
            matches!(effects.last(), Some(Effect::Plan(0, _))),
            "{effects:?}"
        );
        // while a's plan waits (behind a lock), the user closes its dialog, goes to b and
        // asks for b's own
        update(
            &mut f,
            Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        let effects = keys(&mut f, ":ctx b\n");
        assert!(
            matches!(effects.last(), Some(Effect::ReadNow(1))),
            "{effects:?}"
        );
        assert_eq!(f.active, 1);
        let effects = keys(&mut f, ":pause-job 8\n");
        assert!(
            matches!(effects.last(), Some(Effect::Plan(1, _))),
            "{effects:?}"
        );
        // a's answer arrives first: it is not b's to preview
        update(&mut f, Msg::Planned(0, Ok(plan("pause-job 7"))));
        assert!(
            matches!(f.members[1].state.modal, Modal::Planning(_)),
            "b still waits for its own plan"
        );
        assert!(
            matches!(f.members[0].state.modal, Modal::None),
            "a's dialog was closed: its late plan is dropped"
        );
        update(&mut f, Msg::Planned(1, Ok(plan("pause-job 8"))));
        let effects = execute_chosen(&mut f);
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Execute(1, p) if p.command == "pause-job 8")),
            "Enter runs b's plan on b: {effects:?}"
        );
        assert_eq!(f.running, Some(1));
        // while b's runs, a's plan confirmed (the Running dialog keeps b's keys; a is another
        // member): refused, one action at a time
        f.active = 0;
        keys(&mut f, ":pause-job 7\n");
        update(&mut f, Msg::Planned(0, Ok(plan("pause-job 7"))));
        let effects = execute_chosen(&mut f);
        assert!(
            !effects.iter().any(|e| matches!(e, Effect::Execute(..))),
            "a second action while b's runs: {effects:?}"
        );
        assert_eq!(f.running, Some(1), "b's still the one running");
    }

    #[test]
    fn the_timer_reads_what_each_member_needs() {
        let mut f = fleet(&["a", "b", "c"]);
        keys(&mut f, "j\n");
        let reads: Vec<(usize, bool)> = update(&mut f, Msg::Tick)
            .into_iter()
            .filter_map(|e| match e {
                Effect::Read { member, shown } => Some((member, shown)),
                _ => None,
            })
            .collect();
        assert_eq!(reads, vec![(0, false), (1, true), (2, false)]);
    }

    fn link(state: crate::link::LinkState, generation: u64) -> LinkStatus {
        LinkStatus {
            state,
            client: None,
            caps: None,
            generation,
        }
    }

    fn reads(effects: &[Effect]) -> Vec<usize> {
        effects
            .iter()
            .filter_map(|e| match e {
                Effect::Read { member, .. }
                | Effect::ReadNow(member)
                | Effect::ReadWhole(member) => Some(*member),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn first_reads_wait_until_every_member_has_tried_to_connect() {
        use crate::link::LinkState::*;
        let mut f = fleet(&["a", "b", "c"]);
        // b connects while a and c are still opening theirs: b's first read waits
        assert_eq!(
            reads(&update(&mut f, Msg::Link(1, link(Connected, 1)))),
            [0usize; 0]
        );
        // the shown member reads at once
        assert_eq!(
            reads(&update(&mut f, Msg::Link(0, link(Connected, 1)))),
            [0]
        );
        // c fails: every first attempt has ended, and b's read goes out
        let failed = Disconnected {
            error: crate::link::LinkError::Lost,
            retry_at: std::time::Instant::now(),
        };
        assert_eq!(reads(&update(&mut f, Msg::Link(2, link(failed, 0)))), [1]);
        // from then on a member reads as soon as it (re)connects
        assert_eq!(
            reads(&update(&mut f, Msg::Link(2, link(Connected, 1)))),
            [2]
        );
    }

    #[test]
    fn a_member_that_hangs_connecting_holds_the_others_reads_only_until_the_timer() {
        use crate::link::LinkState::*;
        let mut f = fleet(&["a", "b", "c"]);
        update(&mut f, Msg::Link(0, link(Connected, 1)));
        assert_eq!(
            reads(&update(&mut f, Msg::Link(1, link(Connected, 1)))),
            [0usize; 0]
        );
        assert_eq!(reads(&update(&mut f, Msg::Tick)), [0, 1, 2]);
        // the timer read them: nothing is sent again when c ends its attempt
        assert_eq!(
            reads(&update(&mut f, Msg::Link(2, link(Connected, 1)))),
            [2]
        );
    }

    #[test]
    fn brackets_reach_the_pictures_back_through_the_recording_of_the_member_shown() {
        use crate::history::zoom::{Span, Zoomed};
        use crate::history::Series;
        let mut f = fleet(&["a", "b"]);
        keys(&mut f, "\n");
        // no recording: said, nothing asked
        let effects = keys(&mut f, "[");
        assert!(!effects.iter().any(|e| matches!(e, Effect::Zoom(..))));
        assert!(!matches!(f.members[0].state.modal, Modal::None));
        update(
            &mut f,
            Msg::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
        );
        f.members[0].state.data.history.record();
        // a recording's past: the pulse drawn over it at once
        let now = crate::history::seconds(chrono::Utc::now());
        let past = crate::history::Sample {
            series: Series::Blocked,
            at: now - 120,
            value: 1.0,
        };
        let event = crate::recording::live::Event::Restored(vec![past]);
        update(&mut f, Msg::Recording(0, event));
        let pulse = |f: &Fleet| {
            let s = &f.members[0].state;
            s.view(s.tab())
                .dressing
                .pulse
                .as_ref()
                .map(|(window, _)| window.clone())
        };
        assert!(pulse(&f).is_some(), "the restored past in the pulse");
        let effects = keys(&mut f, "[[");
        assert!(
            matches!(effects.last(), Some(Effect::Zoom(0, Span::Day))),
            "{effects:?}"
        );
        // the six hours' columns arrive after the day was asked for: not drawn as the day's
        let now = crate::history::seconds(chrono::Utc::now());
        let six = Zoomed::from_samples(Span::SixHours, now, &[]);
        let event = crate::recording::live::Event::Zoomed(Box::new(six));
        update(&mut f, Msg::Recording(0, event));
        assert!(f.members[0].state.data.history.beyond_hour().is_none());
        let samples = [crate::history::Sample {
            series: Series::Blocked,
            at: now - 20 * 3600,
            value: 4.0,
        }];
        let day = Zoomed::from_samples(Span::Day, now, &samples);
        let event = crate::recording::live::Event::Zoomed(Box::new(day));
        update(&mut f, Msg::Recording(0, event));
        let h = &f.members[0].state.data.history;
        assert_eq!(h.beyond_hour().map(|z| z.span), Some(Span::Day));
        // the pulse drawn over the day at once, not at the next answer derived
        assert_eq!(pulse(&f).as_deref(), Some("24h"));
        // each tick after a minute asks again; none before
        assert!(!update(&mut f, Msg::Tick)
            .iter()
            .any(|e| matches!(e, Effect::Zoom(..))));
        // nearer: six hours are read; the hour is the console's own
        let effects = keys(&mut f, "]");
        assert!(matches!(
            effects.last(),
            Some(Effect::Zoom(0, Span::SixHours))
        ));
        let effects = keys(&mut f, "]");
        assert!(!effects.iter().any(|e| matches!(e, Effect::Zoom(..))));
        assert_eq!(f.members[0].state.data.history.span, Span::Hour);
        assert!(f.members[0].state.data.history.beyond_hour().is_none());
        assert_ne!(pulse(&f).as_deref(), Some("24h"), "back to the hour");
    }

    /// `r` reads everything whole; a tab shown reads now what the watches say moved (a whole
    /// read at each tab switch was most of the console's server time while an operator moved
    /// between tabs).
    #[test]
    fn r_reads_whole_and_a_tab_shown_reads_what_moved() {
        let mut f = fleet(&["a"]);
        let effects = keys(&mut f, "5");
        assert!(
            effects.iter().any(|e| matches!(e, Effect::ReadNow(0)))
                && !effects.iter().any(|e| matches!(e, Effect::ReadWhole(_))),
            "{effects:?}"
        );
        let effects = keys(&mut f, "r");
        assert!(
            effects.iter().any(|e| matches!(e, Effect::ReadWhole(0))),
            "{effects:?}"
        );
    }

    #[test]
    fn refresh_while_disconnected_retries_and_zero_opens_the_fleet() {
        let mut f = fleet(&["a", "b"]);
        keys(&mut f, "\n");
        let effects = keys(&mut f, "r");
        assert!(
            effects
                .iter()
                .any(|e| matches!(e, Effect::Retry(0) | Effect::ReadWhole(0))),
            "{effects:?}"
        );
        keys(&mut f, "0");
        assert!(f.open);
        assert!(keys(&mut f, "q").iter().any(|e| matches!(e, Effect::Quit)));
    }

    /// A recording's past lands on its member, and is drawn only where it shows: a member not
    /// shown, or a recording with no past, asks for no frame.
    #[test]
    fn a_recordings_past_is_drawn_only_where_it_shows() {
        use crate::history::{Sample, Series};
        use crate::recording::live::Event;
        let mut f = fleet(&["a", "b"]);
        // member a shown, the Fleet view closed
        f.open = false;
        let past = || {
            Event::Restored(vec![Sample {
                series: Series::Blocked,
                at: 1_800_000_000,
                value: 2.0,
            }])
        };
        let draws = |e: &[Effect]| e.iter().any(|e| matches!(e, Effect::Draw));
        assert!(update(&mut f, Msg::Recording(0, Event::Restored(vec![]))).is_empty());
        assert!(!draws(&update(&mut f, Msg::Recording(1, past()))));
        assert_eq!(f.members[1].state.data.history.blocked.latest(), Some(2.0));
        assert!(draws(&update(&mut f, Msg::Recording(0, past()))));
        assert_eq!(f.members[0].state.data.history.blocked.latest(), Some(2.0));
    }
}
