//! Several targets at once: each member has its own console state (and, in the event loop, its
//! own connection, poller and store); this holds which member is shown and the Fleet view, a
//! table of every member's status, versions and worst problems. Pure.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::AppState;
use crate::grid::{Cell, Column, Grid, Row, Tone};
use crate::link::LinkState;
use crate::problems::Severity;

pub struct Member {
    pub name: String,
    pub state: AppState,
}

pub struct Fleet {
    pub members: Vec<Member>,
    /// The member the console shows.
    pub active: usize,
    /// The Fleet view is open (over the member's tabs).
    pub open: bool,
    /// The member whose action is running: one at a time across the fleet (another is
    /// refused until it is done).
    pub running: Option<usize>,
    /// One row per member; the row's value is its index.
    pub table: Grid<usize>,
    /// Whether each member's first connection attempt has ended (connected or failed).
    attempted: Vec<bool>,
    /// Members connected while others were still opening their first session: their first
    /// read waits until every first attempt has ended or the timer ticks. A first read costs the
    /// server more than a refresh; started as each target connected, they took the CPU from the
    /// TLS handshakes still under way, and every target was slower to connect.
    waiting: Vec<usize>,
}

/// What a key in the Fleet view asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetCommand {
    None,
    Redraw,
    /// Show this member (and refresh what it shows).
    Switch(usize),
    Quit,
}

impl Fleet {
    pub fn new(members: Vec<Member>) -> Fleet {
        let mut f = Fleet {
            open: members.len() > 1,
            running: None,
            attempted: vec![false; members.len()],
            waiting: Vec::new(),
            members,
            active: 0,
            table: Grid::new(columns(), None),
        };
        f.rebuild();
        f
    }

    /// More than one target: the Fleet view and `:ctx` exist.
    pub fn is_fleet(&self) -> bool {
        self.members.len() > 1
    }

    pub fn active(&self) -> &AppState {
        &self.members[self.active].state
    }

    pub fn active_mut(&mut self) -> &mut AppState {
        &mut self.members[self.active].state
    }

    /// The member called `name`.
    pub fn named(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// Member `i`'s link is now `state`, `fresh` when it just (re)connected: the members whose
    /// first read may start now. The shown member reads at once; another waits while a member
    /// is still opening its first session.
    pub fn connected(&mut self, i: usize, state: &LinkState, fresh: bool) -> Vec<usize> {
        self.attempted[i] |= !matches!(state, LinkState::Connecting);
        if fresh && i != self.active {
            self.waiting.push(i);
        }
        let mut ready = Vec::new();
        if fresh && i == self.active {
            ready.push(i);
        }
        if self.attempted.iter().all(|a| *a) {
            ready.append(&mut self.waiting);
        }
        ready
    }

    /// The timer reads every member: none waits any longer.
    pub fn ticked(&mut self) {
        self.waiting.clear();
    }

    /// Shows member `i` (closing the Fleet view).
    pub fn switch_to(&mut self, i: usize) {
        if i < self.members.len() {
            self.active = i;
            self.open = false;
        }
    }

    /// The Fleet view's rows again (after a member's data or link changed).
    pub fn rebuild(&mut self) {
        let rows = self.members.iter().enumerate().map(|(i, m)| row(i, m));
        self.table.set_rows(rows.collect::<Vec<_>>());
    }

    pub fn on_key(&mut self, key: KeyEvent) -> FleetCommand {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('q') => FleetCommand::Quit,
            KeyCode::Char('c') if ctrl => FleetCommand::Quit,
            KeyCode::Down | KeyCode::Char('j') => {
                self.table.move_by(1);
                FleetCommand::Redraw
            }
            KeyCode::Up | KeyCode::Char('k') => {
                self.table.move_by(-1);
                FleetCommand::Redraw
            }
            KeyCode::Home | KeyCode::Char('g') => {
                self.table.home();
                FleetCommand::Redraw
            }
            KeyCode::End | KeyCode::Char('G') => {
                self.table.end();
                FleetCommand::Redraw
            }
            KeyCode::Left | KeyCode::Right => {
                self.table
                    .shift_columns(if key.code == KeyCode::Left { -1 } else { 1 });
                FleetCommand::Redraw
            }
            KeyCode::Enter => match self.table.selected_row().and_then(|r| r.open().copied()) {
                Some(i) => {
                    self.switch_to(i);
                    FleetCommand::Switch(i)
                }
                None => FleetCommand::None,
            },
            KeyCode::Esc | KeyCode::Char('0') => {
                self.open = false;
                FleetCommand::Switch(self.active)
            }
            _ => FleetCommand::None,
        }
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Target", 0, 24),
        Column::left("Status", 0, 14),
        Column::right("Crit", 0, 4),
        Column::right("Warn", 0, 4),
        Column::left("Worst problem", 0, 60),
        Column::left("Server", 1, 40),
        Column::left("Where", 2, 36),
    ]
}

fn row(i: usize, m: &Member) -> Row<usize> {
    let s = &m.state;
    let status = match &s.link {
        LinkState::Connected => Cell::text("connected").tone(Tone::Ok),
        LinkState::Connecting => Cell::text("connecting…").tone(Tone::Muted),
        LinkState::Disconnected { .. } => Cell::text("disconnected").tone(Tone::Critical),
    };
    let problems = &s.data.problems;
    let count = |sev| crate::problems::count(problems.iter().filter(|p| p.severity == sev));
    let (crit, warn) = (count(Severity::Critical), count(Severity::Warning));
    // the worst problem; advice is not one (it ranks last: the first row is advice only when
    // there is nothing else)
    let worst = problems
        .first()
        .filter(|p| p.severity != Severity::Advice)
        .map(|p| format!("{} {}: {}", p.kind, p.object, p.message));
    let server = s
        .data
        .caps
        .as_ref()
        .map(|c| c.describe())
        .unwrap_or_default();
    Row::new(
        m.name.clone(),
        vec![
            Cell::text(m.name.clone()),
            status,
            Cell::num(crit as f64, crit.to_string()).tone(if crit > 0 {
                Tone::Critical
            } else {
                Tone::Normal
            }),
            Cell::num(warn as f64, warn.to_string()).tone(if warn > 0 {
                Tone::Warn
            } else {
                Tone::Normal
            }),
            worst.map_or_else(Cell::empty, |w| {
                Cell::text(w).tone(if crit > 0 { Tone::Critical } else { Tone::Warn })
            }),
            Cell::text(server),
            Cell::text(s.target_short.clone()),
        ],
    )
    .detail(worst_lines(s))
    .open(i)
}

/// The member's first problems, for the line under the table.
fn worst_lines(s: &AppState) -> Option<String> {
    let lines: Vec<String> = s
        .data
        .problems
        .iter()
        .filter(|p| !p.is_consequence())
        .take(3)
        .map(|p| format!("{} {}: {}", p.kind, p.object, p.message))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;
    use crate::poller::QueryResult;
    use std::time::Duration;

    fn member(name: &str, loaded: bool) -> Member {
        let mut state = AppState::new(name.into(), Duration::from_secs(2), true, false);
        if loaded {
            state.data.caps = Some(fixtures::caps());
            state.link = LinkState::Connected;
            for (kind, payload) in fixtures::plant() {
                state.on_result(QueryResult {
                    kind,
                    target: None,
                    result: Ok(payload),
                    elapsed: Duration::ZERO,
                    finished_at: chrono::Utc::now(),
                });
            }
        }
        Member {
            name: name.into(),
            state,
        }
    }

    #[test]
    fn the_fleet_view_lists_every_target_and_enter_switches() {
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut f = Fleet::new(vec![member("prod", true), member("lab", false)]);
        assert!(f.open, "a fleet opens on its view");
        f.rebuild();
        let prod = f.table.row_at(0).unwrap();
        assert_eq!(prod.cell(0).unwrap().text, "prod");
        assert_eq!(prod.cell(2).unwrap().text, "2", "critical problems");
        assert!(prod.cell(4).unwrap().text.starts_with("job failing"));
        assert_eq!(
            f.table.row_at(1).unwrap().cell(1).unwrap().text,
            "connecting…"
        );
        f.on_key(key(KeyCode::Down));
        assert_eq!(f.on_key(key(KeyCode::Enter)), FleetCommand::Switch(1));
        assert_eq!((f.active, f.open), (1, false));
        assert_eq!(f.named("prod"), Some(0));
        assert_eq!(f.on_key(key(KeyCode::Char('q'))), FleetCommand::Quit);
    }

    #[test]
    fn one_target_is_not_a_fleet() {
        let f = Fleet::new(vec![member("only", false)]);
        assert!(!f.is_fleet() && !f.open);
    }
}
