//! The console's state and how keys, query results and link changes update it. Pure: no I/O.
//! The data itself lives in the store ([`Dataset`]); this holds what the operator sees of it:
//! the tab, each tab's table and drill-down, the filter line, help and the dialogs.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keys::{self, KeyAction};
use super::modal::{
    self, ConfirmState, Message, Modal, ModalCommand, Navigation, Palette, RunProgress, Scroll,
};
use crate::actions::complete::Names;
use crate::actions::execute::Outcome;
use crate::actions::journal;
use crate::actions::parse::Command as Action;
use crate::actions::Plan;
use crate::link::{LinkState, LinkStatus};
use crate::model::{DrillTarget, Payload, QueryKind};
use crate::poller::QueryResult;
use crate::problems::Thresholds;
use crate::screens::{overview, Ctx, DataChange, Open, Tab, Table};
use crate::store::{DataState, Dataset, Standing};

pub use derive::{Derive, Derived};
pub use flow::HistoryError;

mod derive;
mod flow;
mod intake;
mod link;
mod navigation;

/// What a key on a member's console asks of the loop (`update` turns it into effects).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberCommand {
    None,
    Redraw,
    /// Refresh what the current tab shows now (and redraw): a tab shown, a drill-down opened.
    /// The watches say what moved, as at every refresh.
    Refresh,
    /// Read everything whole now, whatever the watches say (`r`: what no watch sees, a VACUUM
    /// of a table not written lately, is read then).
    ReadWhole,
    Quit,
    /// Something for the palette or an action (plan, execute, cancel, history).
    Action(ModalCommand),
    /// The Fleet view (`:fleet`), or the member of that name (`:ctx NAME`).
    Fleet(Option<String>),
    /// Read the recording for the pictures' span beyond the hour.
    Zoom(crate::history::zoom::Span),
}

/// A drill-down opened from a row: its own rows, from its own query or from the data at hand.
#[derive(Debug, Clone)]
pub struct Drill {
    pub of: DrillOf,
    pub title: String,
    pub table: Table,
    /// Whether its rows have arrived, or why not (the rows themselves are in `table`).
    pub state: DataState<()>,
    /// Opened by Enter on a problem: Esc returns to the problem list at once.
    pub from_jump: bool,
    /// Its rows as a picture, drawn above them (a job's run durations, a table's chunks).
    pub picture: Option<crate::pictures::Picture>,
}

/// What fills a drill-down.
#[derive(Debug, Clone, PartialEq)]
pub enum DrillOf {
    /// What a read of this kind brings for this target.
    Read(QueryKind, DrillTarget),
    /// A fold's members, one by one, made from what has been read when it opens, when it is
    /// shown again, and after each read of what its tab reads while shown.
    Members(crate::problems::FoldId),
}

impl Drill {
    /// The read it waits for, if it is filled by one.
    pub fn read(&self) -> Option<(QueryKind, &DrillTarget)> {
        match &self.of {
            DrillOf::Read(kind, target) => Some((*kind, target)),
            DrillOf::Members(_) => None,
        }
    }
}

/// One tab: its table and an open drill-down.
#[derive(Debug, Clone)]
pub struct TabView {
    /// Its rows only while it is shown (see [`AppState::show_tab`]).
    pub table: Table,
    /// Its rows are to be built from the data before it is shown.
    stale: bool,
    /// Shown by a key with no rows yet: they are being made (see `switch_tab`).
    pending: bool,
    pub drill: Option<Drill>,
    /// The selected row's picture read by [`Screen::preview`](crate::screens::Screen::preview)
    /// (a job's runs), and whose it is.
    pub preview: Option<(DrillTarget, crate::pictures::Picture)>,
    /// What the tab shows beside its rows, prepared with them (drawing only reads it).
    pub dressing: Dressing,
    /// The selected row's picture made from the data (a cagg's lag over the hour), and whose
    /// row it is: made when the selection or the data moves, not at each frame.
    pub row_picture: Option<(String, Option<crate::pictures::Picture>)>,
}

/// What a tab shows around its table, made from the data where its rows are made.
#[derive(Debug, Clone, Default)]
pub struct Dressing {
    /// The facts above the table (the overview's server panel) and the pulse under them.
    pub panel: Option<Vec<crate::screens::Fact>>,
    pub pulse: Option<(String, Vec<crate::pictures::Spark>)>,
    /// Added to the table's caption.
    pub heading: Option<String>,
}

impl Dressing {
    /// The panel and heading, from what was read (a derivation's copy of the data), the pulse
    /// left to [`with_pulse`](Self::with_pulse).
    pub fn of(tab: Tab, data: &Dataset, ctx: &Ctx) -> Dressing {
        let screen = tab.screen();
        Dressing {
            panel: screen.panel(data, ctx),
            pulse: None,
            heading: screen.heading(data, ctx),
        }
    }

    /// The pulse, from the data's history (the state's own: a derivation's copy holds none).
    pub fn with_pulse(mut self, tab: Tab, data: &Dataset) -> Dressing {
        self.pulse = tab.screen().pulse(data);
        self
    }
}

impl TabView {
    /// The table keys act on: the drill-down when one is open.
    pub fn active(&self) -> &Table {
        self.drill.as_ref().map_or(&self.table, |d| &d.table)
    }

    /// Shown by a key a moment ago, its rows still being made away from the loop (a tab shown
    /// all along keeps its rows on screen while new ones are made).
    pub fn rows_pending(&self) -> bool {
        self.pending
    }

    fn active_mut(&mut self) -> &mut Table {
        match &mut self.drill {
            Some(d) => &mut d.table,
            None => &mut self.table,
        }
    }
}

pub struct AppState {
    /// `user@host:port/dbname`, for the header.
    pub target_short: String,
    pub refresh_every: Duration,
    /// The wall clock the screens judge by, when fixed (the render tests' pictures); else now.
    pub clock: Option<DateTime<Utc>>,
    pub utc: bool,
    pub read_only: bool,
    pub thresholds: Thresholds,
    /// A line for the overview's panel (the demo's address).
    pub note: Option<(&'static str, &'static str)>,
    pub link: LinkState,
    /// Everything read, and the problems found in it.
    pub data: Dataset,
    tab: Tab,
    pub views: Vec<TabView>,
    /// Some while the filter line is being edited.
    pub filter_input: Option<String>,
    pub show_help: bool,
    pub help_scroll: Scroll,
    /// The tab a problem's Enter jumped from: Esc goes back there.
    pub jumped_from: Option<Tab>,
    /// The palette or a dialog, when one is open.
    pub modal: Modal,
    /// Command lines entered in the palette this session (Up/Down recall them).
    pub palette_history: Vec<String>,
    /// Object names for completion, from what the screens have read: made when the palette
    /// wants them, dropped when a read changes the data.
    pub(crate) names: Option<Names>,
    /// One member of a fleet (the footer offers `0` for the Fleet view).
    pub in_fleet: bool,
    generation: u64,
    /// Results taken in since the problems were last derived, and whether one of them is read
    /// by the shown tab (its fold's members are listed again): see [`settle`](Self::settle).
    problems_due: bool,
    members_due: bool,
    /// The shown tab's rows are to be made again from the data.
    rows_due: bool,
    /// The shown tab's dressing is to be made again (the data moved, another tab shown).
    dressing_due: bool,
    /// A derivation is under way (see `derive`): one at a time.
    deriving: bool,
    /// `--open`'s row, selected and opened once its tab's rows are in.
    pending_open: Option<crate::screens::OpenAt>,
}

impl AppState {
    pub fn new(target_short: String, refresh_every: Duration, utc: bool, read_only: bool) -> Self {
        let data = Dataset::default();
        let views = Tab::all()
            .map(|tab| TabView {
                table: Table::new(tab.screen().columns(&data), tab.screen().default_sort()),
                stale: true,
                pending: false,
                drill: None,
                preview: None,
                dressing: Dressing::default(),
                row_picture: None,
            })
            .collect();
        AppState {
            target_short,
            refresh_every,
            clock: None,
            utc,
            read_only,
            thresholds: Thresholds::default(),
            note: None,
            link: LinkState::Connecting,
            data,
            tab: Tab::HOME,
            views,
            filter_input: None,
            show_help: false,
            help_scroll: Scroll::default(),
            jumped_from: None,
            modal: Modal::None,
            palette_history: Vec::new(),
            names: None,
            in_fleet: false,
            generation: 0,
            problems_due: false,
            members_due: false,
            pending_open: None,
            rows_due: false,
            dressing_due: false,
            deriving: false,
        }
    }

    /// The tab shown (changed by [`show_tab`](Self::show_tab)).
    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn timescaledb(&self) -> bool {
        self.data.timescaledb()
    }

    pub fn view(&self, tab: Tab) -> &TabView {
        &self.views[tab.index()]
    }

    pub(crate) fn view_mut(&mut self, tab: Tab) -> &mut TabView {
        &mut self.views[tab.index()]
    }

    pub fn current(&self) -> &TabView {
        self.view(self.tab)
    }

    /// How the data behind a tab stands (loading, unavailable and why, failed).
    pub fn status(&self, tab: Tab) -> Standing<'_> {
        tab.screen().status(&self.data)
    }

    pub fn ctx(&self) -> Ctx {
        Ctx {
            now: self.clock.unwrap_or_else(Utc::now),
            utc: self.utc,
            limits: self.thresholds,
            refresh_every: self.refresh_every,
            note: self.note,
        }
    }

    /// The queries the screen needs now: the tab's own, and its open drill-down or, without
    /// one, the selected row's preview.
    pub fn wanted(&self) -> Vec<(QueryKind, Option<DrillTarget>)> {
        let mut out: Vec<_> = self.tab.kinds().iter().map(|k| (*k, None)).collect();
        match &self.current().drill {
            Some(d) => out.extend(d.read().map(|(k, t)| (k, Some(t.clone())))),
            None => out.extend(self.preview_wanted().map(|(k, t)| (k, Some(t)))),
        }
        out
    }

    /// The read the current tab's selected row wants for its picture, if any.
    fn preview_wanted(&self) -> Option<(QueryKind, DrillTarget)> {
        let row = self.current().table.selected_row()?;
        self.tab.screen().preview(row.id())
    }

    /// The selected row's preview picture, when the one read is still the selected row's.
    pub fn preview_picture(&self) -> Option<&crate::pictures::Picture> {
        let (_, wanted) = self.preview_wanted()?;
        let (subject, picture) = self.current().preview.as_ref()?;
        (*subject == wanted).then_some(picture)
    }

    pub fn on_key(&mut self, key: KeyEvent) -> MemberCommand {
        let command = self.on_key_only(key);
        self.dress_row(false);
        command
    }

    /// The selected row's picture made again when another row is selected (`data_moved`: the
    /// same row's too).
    pub(super) fn dress_row(&mut self, data_moved: bool) {
        let tab = self.tab;
        let view = self.view(tab);
        let id = view.table.selected_row().map(|r| r.id().to_string());
        let same = view.row_picture.as_ref().map(|(i, _)| i) == id.as_ref();
        if same && !data_moved {
            return;
        }
        let picture = (id.as_deref()).and_then(|id| tab.screen().row_picture(&self.data, id));
        self.view_mut(tab).row_picture = id.map(|id| (id, picture));
    }

    /// The pictures made from the history (the pulse, the selected row's) made again: its span
    /// or its samples changed with no answer derived (a zoom, the recording read back).
    pub fn redress_pictures(&mut self) {
        let tab = self.tab;
        let pulse = tab.screen().pulse(&self.data);
        self.view_mut(tab).dressing.pulse = pulse;
        self.dress_row(true);
    }

    /// What the last frame measured: the scroll bounds of the help and of the open dialog.
    pub fn take_drawn(&mut self, drawn: modal::Drawn) {
        if let Some(bounds) = drawn.help {
            self.help_scroll.bounds = bounds;
        }
        let scroll = match &mut self.modal {
            Modal::Message(m) => Some(&mut m.scroll),
            Modal::Confirm(c) => Some(&mut c.scroll),
            _ => None,
        };
        if let (Some(scroll), Some(bounds)) = (scroll, drawn.modal) {
            scroll.bounds = bounds;
        }
    }

    /// The selected row's picture, as last made for it.
    pub fn row_picture(&self) -> Option<&crate::pictures::Picture> {
        let view = self.current();
        let (id, picture) = view.row_picture.as_ref()?;
        let selected = view.table.selected_row()?;
        (selected.id() == id).then_some(picture.as_ref()).flatten()
    }

    fn on_key_only(&mut self, key: KeyEvent) -> MemberCommand {
        if key.kind == KeyEventKind::Release {
            return MemberCommand::None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !matches!(self.modal, Modal::None) {
            // completion's names, made for the palette only (the one dialog that completes):
            // every other dialog's keys made them all again after each read, tens of
            // milliseconds a key at the largest sizes
            let none = Names::default();
            let names = match self.modal {
                Modal::Palette(_) => &*self.names.get_or_insert_with(|| Names::of(&self.data)),
                _ => &none,
            };
            let c = modal::on_key(
                &mut self.modal,
                key,
                names,
                &self.palette_history,
                self.read_only,
            );
            if let (ModalCommand::Plan(_), Modal::Planning(line)) = (&c, &self.modal) {
                if self.palette_history.last() != Some(line) {
                    self.palette_history.push(line.clone());
                }
            }
            return match c {
                ModalCommand::None => MemberCommand::None,
                ModalCommand::Redraw => MemberCommand::Redraw,
                ModalCommand::Navigate(Navigation::Quit) => MemberCommand::Quit,
                ModalCommand::Navigate(Navigation::Help) => {
                    self.show_help = true;
                    MemberCommand::Redraw
                }
                ModalCommand::Navigate(Navigation::Tab(tab)) => self.switch_to(tab),
                ModalCommand::Navigate(Navigation::Fleet) => MemberCommand::Fleet(None),
                ModalCommand::Navigate(Navigation::Context(name)) => {
                    MemberCommand::Fleet(Some(name))
                }
                ModalCommand::Navigate(Navigation::OpenRow(row)) => self.open_row(&row),
                other => MemberCommand::Action(other),
            };
        }
        if ctrl && key.code == KeyCode::Char('c') {
            return MemberCommand::Quit;
        }
        if self.filter_input.is_some() {
            return self.on_filter_key(key);
        }
        if self.show_help {
            if self.help_scroll.on_key(key.code) {
                return MemberCommand::Redraw;
            }
            return match key.code {
                KeyCode::Char('q') => MemberCommand::Quit,
                KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => {
                    self.show_help = false;
                    MemberCommand::Redraw
                }
                _ => MemberCommand::None,
            };
        }
        let Some(action) = keys::action(&key) else {
            return match key.code {
                KeyCode::Char(c) if c.is_ascii_uppercase() => match self.screen_action(c) {
                    Some(action) => self.plan(action),
                    None => MemberCommand::None,
                },
                _ => MemberCommand::None,
            };
        };
        match action {
            KeyAction::Quit => MemberCommand::Quit,
            KeyAction::Help => {
                self.show_help = true;
                MemberCommand::Redraw
            }
            KeyAction::Refresh => MemberCommand::ReadWhole,
            KeyAction::Zoom { longer } => self.zoom(longer),
            KeyAction::SwitchTab(n) => self.switch_to(Tab::from_index(n - 1)),
            KeyAction::NextTab => self.switch_to(Tab::from_index(self.tab.index() + 1)),
            KeyAction::PreviousTab => {
                self.switch_to(Tab::from_index(self.tab.index() + Tab::count() - 1))
            }
            KeyAction::Move(rows) => self.table_op(|t| t.move_by(rows)),
            KeyAction::Home => self.table_op(|t| t.home()),
            KeyAction::End => self.table_op(|t| t.end()),
            KeyAction::SortNext => self.table_op(|t| t.sort_step(true)),
            KeyAction::SortPrevious => self.table_op(|t| t.sort_step(false)),
            KeyAction::SortReverse => self.table_op(|t| t.sort_reverse()),
            KeyAction::Columns(by) => self.table_op(|t| t.shift_columns(by)),
            KeyAction::Palette => self.open_palette(""),
            KeyAction::WhoBlocks => self.who_blocks(),
            KeyAction::Filter => {
                self.filter_input = Some(self.current().active().filter().to_string());
                MemberCommand::Redraw
            }
            KeyAction::Open => self
                .open_problem_card()
                .unwrap_or_else(|| self.open_selected()),
            KeyAction::Back => self.back(),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod triage_tests;
