//! The console's state and how keys, query results and link changes update it. Pure: no I/O.
//! The data itself lives in the store ([`Dataset`]); this holds what the operator sees of it:
//! the tab, each tab's table and drill-down, the filter line, help and the dialogs.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::keys::{self, KeyAction};
use super::modal::{
    self, ConfirmState, Message, Modal, ModalCommand, Navigation, Palette, Running, Scroll,
};
use crate::actions::complete::Names;
use crate::actions::execute::Outcome;
use crate::actions::journal;
use crate::actions::parse::Command as Action;
use crate::actions::Plan;
use crate::link::{LinkState, LinkStatus};
use crate::model::{Payload, QueryKind, Subject};
use crate::poller::QueryResult;
use crate::problems::Thresholds;
use crate::screens::{overview, Change, Ctx, Open, Tab, Table};
use crate::store::{DataState, Dataset, Status};

/// What a key on a member's console asks of the loop (`update` turns it into effects).
#[derive(Debug, Clone, PartialEq)]
pub enum MemberCommand {
    None,
    Redraw,
    /// Refresh what the current tab shows (and redraw).
    Refresh,
    Quit,
    /// Something for the palette or an action (plan, execute, cancel, history).
    Action(ModalCommand),
    /// The Fleet view (`:fleet`), or the member of that name (`:ctx NAME`).
    Fleet(Option<String>),
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
    Read(QueryKind, Subject),
    /// A fold's members, one by one, made from what has been read when it opens, when it is
    /// shown again, and after each read of what its tab reads while shown.
    Members(crate::problems::FoldId),
}

impl Drill {
    /// The read it waits for, if it is filled by one.
    pub fn read(&self) -> Option<(QueryKind, &Subject)> {
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
    pub drill: Option<Drill>,
    /// The selected row's picture read by [`Screen::preview`](crate::screens::Screen::preview)
    /// (a job's runs), and whose it is.
    pub preview: Option<(Subject, crate::pictures::Picture)>,
}

impl TabView {
    /// The table keys act on: the drill-down when one is open.
    pub fn active(&self) -> &Table {
        self.drill.as_ref().map_or(&self.table, |d| &d.table)
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
}

impl AppState {
    pub fn new(target_short: String, refresh_every: Duration, utc: bool, read_only: bool) -> Self {
        let data = Dataset::default();
        let views = Tab::all()
            .map(|tab| TabView {
                table: Table::new(tab.screen().columns(&data), tab.screen().default_sort()),
                stale: true,
                drill: None,
                preview: None,
            })
            .collect();
        AppState {
            target_short,
            refresh_every,
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
    pub fn status(&self, tab: Tab) -> Status<'_> {
        tab.screen().status(&self.data)
    }

    pub fn ctx(&self) -> Ctx {
        Ctx {
            now: Utc::now(),
            utc: self.utc,
            limits: self.thresholds,
            refresh_every: self.refresh_every,
            note: self.note,
        }
    }

    /// The queries the screen needs now: the tab's own, and its open drill-down or, without
    /// one, the selected row's preview.
    pub fn wanted(&self) -> Vec<(QueryKind, Option<Subject>)> {
        let mut out: Vec<_> = self.tab.kinds().iter().map(|k| (*k, None)).collect();
        match &self.current().drill {
            Some(d) => out.extend(d.read().map(|(k, t)| (k, Some(t.clone())))),
            None => out.extend(self.preview_wanted().map(|(k, t)| (k, Some(t)))),
        }
        out
    }

    /// The read the current tab's selected row wants for its picture, if any.
    fn preview_wanted(&self) -> Option<(QueryKind, Subject)> {
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
        if key.kind == KeyEventKind::Release {
            return MemberCommand::None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !matches!(self.modal, Modal::None) {
            let names = self.names.get_or_insert_with(|| Names::of(&self.data));
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
            KeyAction::Refresh => MemberCommand::Refresh,
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
            KeyAction::Palette => self.open_palette(""),
            KeyAction::WhoBlocks => self.who_blocks(),
            KeyAction::Filter => {
                self.filter_input = Some(self.current().active().filter().to_string());
                MemberCommand::Redraw
            }
            KeyAction::Open => self.open_selected(),
            KeyAction::Back => self.back(),
        }
    }

    /// `B` on a job or a relation: the Activity tab, showing the sessions that block it.
    fn who_blocks(&mut self) -> MemberCommand {
        let Some(activity) = Tab::named("activity") else {
            return MemberCommand::None;
        };
        let view = self.current();
        let Some(row) = view
            .drill
            .is_none()
            .then(|| view.table.selected_row())
            .flatten()
        else {
            return MemberCommand::None;
        };
        let Some(name) = self.tab.screen().blocked_as(row.id()) else {
            return MemberCommand::None;
        };
        let filter = format!("→{name}");
        let target = self.view_mut(activity);
        target.drill = None;
        target.table.set_filter(&filter);
        self.jumped_from = Some(self.tab);
        self.show_tab(activity);
        MemberCommand::Refresh
    }

    /// A message in a dialog (closed by any key).
    pub fn say(&mut self, title: &str, line: String) {
        self.modal = Message::modal(title, vec![line], true);
    }

    fn open_palette(&mut self, text: &str) -> MemberCommand {
        let names = self.names.get_or_insert_with(|| Names::of(&self.data));
        self.modal = Modal::Palette(Box::new(Palette::new(text, names)));
        MemberCommand::Redraw
    }

    /// A tab's key for the selected row: its command (the same preview as the palette's).
    fn screen_action(&self, key: char) -> Option<Action> {
        let view = self.current();
        if view.drill.is_some() {
            return None;
        }
        let row = view.table.selected_row()?;
        let k = self.tab.screen().keys().iter().find(|k| k.key == key)?;
        (k.command)(&self.data, row.id())
    }

    /// Plans a command from a tab's key, as if its canonical text was entered in the palette.
    fn plan(&mut self, action: Action) -> MemberCommand {
        let line = action.to_string();
        if self.read_only && action.is_mutating() {
            let mut p = Palette::new(&line, &Names::of(&self.data));
            p.error = Some(crate::actions::READ_ONLY_REFUSAL.into());
            p.submitted_error = true;
            self.modal = Modal::Palette(Box::new(p));
            return MemberCommand::Redraw;
        }
        self.palette_history.push(line.clone());
        self.modal = Modal::Planning(line);
        MemberCommand::Action(ModalCommand::Plan(action))
    }

    /// The plan (or why there is none) for the command being planned.
    pub fn on_planned(&mut self, result: Result<Plan, String>) {
        let Modal::Planning(line) = &self.modal else {
            return; // closed meanwhile
        };
        self.modal = match result {
            Ok(plan) => Modal::Confirm(Box::new(ConfirmState::new(plan))),
            Err(e) => Message::modal(format!("Cannot plan: {line}"), vec![e], true),
        };
    }

    pub fn on_history(&mut self, result: Result<Vec<String>, String>) {
        if !matches!(self.modal, Modal::Planning(_)) {
            return;
        }
        self.modal = match result {
            Ok(lines) if lines.is_empty() => Message::modal(
                "History",
                vec!["No actions journaled for this database.".into()],
                false,
            ),
            Ok(lines) => Message::newest_last("History (newest last)", lines),
            Err(e) => Message::modal("History", vec![e], true),
        };
    }

    /// The confirmed plan, now running.
    pub fn start_running(&mut self) -> Option<Plan> {
        let Modal::Confirm(c) = std::mem::replace(&mut self.modal, Modal::None) else {
            return None;
        };
        self.modal = Modal::Running(Running {
            command: c.plan.command.clone(),
            step: 0,
            total: c.plan.steps.len(),
            label: "starting…".into(),
            started: Instant::now(),
            cancelling: false,
            rollback_of: c.plan.rollback_of.clone(),
            undoable: c.plan.inverse.is_some(),
        });
        Some(c.plan)
    }

    pub fn on_progress(&mut self, step: usize, total: usize, label: String) {
        if let Modal::Running(r) = &mut self.modal {
            (r.step, r.total, r.label) = (step, total, label);
        }
    }

    pub fn on_outcome(&mut self, o: Outcome) {
        let (command, rollback_of, undoable) = match &self.modal {
            Modal::Running(r) => (r.command.clone(), r.rollback_of.clone(), r.undoable),
            _ => (String::new(), None, false),
        };
        let lines = modal::outcome_lines(&o, rollback_of.as_deref(), undoable);
        let error = o.status != journal::Status::Ok || o.journal_error.is_some();
        self.modal = Message::modal(format!("{}: {command}", o.status), lines, error);
    }

    fn table_op(&mut self, op: impl FnOnce(&mut Table)) -> MemberCommand {
        let tab = self.tab;
        op(self.view_mut(tab).active_mut());
        MemberCommand::Redraw
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> MemberCommand {
        let Some(buf) = self.filter_input.as_mut() else {
            return MemberCommand::None;
        };
        match key.code {
            KeyCode::Enter => {
                self.filter_input = None;
                return MemberCommand::Redraw;
            }
            KeyCode::Esc => {
                buf.clear();
                self.filter_input = None;
                self.table_op(|t| t.set_filter(""));
                return MemberCommand::Redraw;
            }
            KeyCode::Backspace => {
                buf.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => buf.push(c),
            _ => return MemberCommand::None,
        }
        let text = buf.clone();
        self.table_op(|t| t.set_filter(&text))
    }

    fn switch_to(&mut self, tab: Tab) -> MemberCommand {
        self.jumped_from = None;
        if self.tab == tab {
            return MemberCommand::Redraw;
        }
        self.show_tab(tab);
        MemberCommand::Refresh
    }

    fn open_selected(&mut self) -> MemberCommand {
        let view = self.current();
        let Some(open) = view.active().selected_row().and_then(|r| {
            r.open().cloned().or_else(|| match view.drill {
                None => self.tab.screen().open_row(&self.data, r.id()),
                Some(_) => None,
            })
        }) else {
            return MemberCommand::None;
        };
        match open {
            Open::Drill(kind, target, title, filter) => {
                let title = title.unwrap_or_else(|| crate::screens::drill_title(kind, &target));
                let Some(columns) =
                    Tab::drilling(kind).and_then(|t| t.screen().drill_columns(kind))
                else {
                    return MemberCommand::None;
                };
                let tab = self.tab;
                let mut table = Table::new(columns, None);
                table.set_filter(filter.unwrap_or(""));
                self.view_mut(tab).drill = Some(Drill {
                    of: DrillOf::Read(kind, target),
                    title,
                    table,
                    state: DataState::Loading,
                    from_jump: false,
                    picture: None,
                });
                MemberCommand::Refresh
            }
            Open::Jump(tab, id, open) => {
                let found = self.jump(tab, "").table.select_id(&id);
                if open && found {
                    self.open_selected();
                    if let Some(d) = &mut self.view_mut(tab).drill {
                        d.from_jump = true;
                    }
                }
                MemberCommand::Refresh
            }
            Open::Filter(tab, text) => {
                self.jump(tab, &text);
                MemberCommand::Refresh
            }
            Open::Palette(command) => self.open_palette(&command),
            Open::Members(fold) => {
                let tab = self.tab;
                self.view_mut(tab).drill = Some(Drill {
                    of: DrillOf::Members(fold),
                    title: String::new(),
                    table: Table::new(overview::columns(), None),
                    state: DataState::Loading,
                    from_jump: false,
                    picture: None,
                });
                self.fill_members(self.ctx());
                MemberCommand::Redraw
            }
        }
    }

    /// Fills the shown list of a fold's members from what has been read: each member as the
    /// list would show it on its own, found by what they share (those that joined since too).
    fn fill_members(&mut self, ctx: Ctx) {
        let (data, limits) = (&self.data, &self.thresholds);
        let Some(d) = &mut self.views[self.tab.index()].drill else {
            return;
        };
        let DrillOf::Members(fold) = &d.of else {
            return;
        };
        let members = data.members(fold, limits, ctx.now);
        let n = members.len();
        d.title = match n {
            0 => format!("{}: {}", fold.noun(), fold.kind),
            n if n < crate::problems::FOLD_FROM => {
                format!("{n} {}: {} (no longer folded)", fold.noun(), fold.kind)
            }
            n => format!("{n} {}: {}", fold.noun(), fold.kind),
        };
        if n == 0 {
            d.state = DataState::Unavailable(
                "No longer a problem: the last read found none of these.".into(),
            );
            return;
        }
        d.table.park();
        d.table.set_rows(overview::member_rows(&members));
        d.state.set((), ctx.now, Duration::ZERO);
    }

    /// Shows `tab`'s table, filtered by `filter`, as a jump Esc comes back from.
    fn jump(&mut self, tab: Tab, filter: &str) -> &mut TabView {
        self.jumped_from = Some(self.tab);
        self.show_tab(tab);
        let view = self.view_mut(tab);
        view.drill = None;
        view.table.set_filter(filter);
        view
    }

    fn back(&mut self) -> MemberCommand {
        let tab = self.tab;
        let view = self.view_mut(tab);
        match view.drill.take() {
            Some(d) if d.from_jump => {}
            Some(_) => return MemberCommand::Redraw,
            None => {}
        }
        if !view.table.filter().is_empty() {
            view.table.set_filter("");
            return MemberCommand::Redraw;
        }
        match self.jumped_from.take() {
            Some(from) => {
                self.show_tab(from);
                MemberCommand::Refresh
            }
            None => MemberCommand::None,
        }
    }

    /// Takes in a result and derives the problems again.
    pub fn on_result(&mut self, r: QueryResult) {
        self.take_result(r);
        self.settle();
    }

    /// Takes in a result; the problems are derived again by [`settle`](Self::settle). The
    /// console takes in a refresh's results as they come and settles before it draws: deriving
    /// the problems after each result was most of the console's CPU at 50,000 chunks, and once
    /// per frame took it from 8.4 to 7.7 % of a core at a 1 s refresh.
    pub fn take_result(&mut self, r: QueryResult) {
        let ctx = self.ctx();
        let kind = r.kind;
        // Drill-downs are asked for with their target; the tabs' queries without one.
        if r.target.is_some() {
            return self.on_drill_result(r, ctx);
        }
        self.data.apply(kind, r.result, r.finished_at, r.elapsed);
        self.rebuild(Change::Read(kind), ctx);
        // made again from the data when the palette next wants them
        self.names = None;
        self.problems_due = true;
        // a fold's members change with what was read even when the fold's line does not (a
        // list not shown is filled when it is shown again)
        self.members_due |= self.tab.screen().reads().contains(&kind);
    }

    /// Derives the problems from the results taken in since the last time, if any; true when
    /// there were some.
    pub fn settle(&mut self) -> bool {
        if !std::mem::take(&mut self.problems_due) {
            return false;
        }
        let ctx = self.ctx();
        if self.data.update_problems(&self.thresholds, ctx.now) {
            self.rebuild(Change::Problems, ctx);
        }
        if std::mem::take(&mut self.members_due) {
            self.fill_members(ctx);
        }
        true
    }

    /// Rebuilds the shown table if `change` affects its rows; a hidden one is rebuilt when it
    /// is shown.
    fn rebuild(&mut self, change: Change, ctx: Ctx) {
        for tab in Tab::all().filter(|t| t.screen().rebuilt_by(change)) {
            self.view_mut(tab).stale = true;
            if tab == self.tab {
                self.build(tab, ctx);
            }
        }
    }

    /// Builds a tab's rows from the data (its columns too: a tab shows other columns on plain
    /// PostgreSQL).
    fn build(&mut self, tab: Tab, ctx: Ctx) {
        let screen = tab.screen();
        let columns = screen.columns(&self.data);
        // The old rows go before the new are built (the selection stays parked): held while
        // the new were built, they were a second copy at every refresh's peak.
        let view = &mut self.views[tab.index()];
        view.table.park();
        if view.table.columns != columns {
            view.table = Table::new(columns, screen.default_sort());
        }
        view.table.set_rows(screen.rows(&self.data, &ctx));
        view.stale = false;
    }

    /// Shows `tab`. Only the shown tab holds its rows: the tab left lets them go, and `tab`'s
    /// are built if the data changed since (every tab's rows held at once took some 15 MB at
    /// 50,000 chunks; building one again takes milliseconds).
    pub fn show_tab(&mut self, tab: Tab) {
        let shown_again = tab != self.tab;
        if shown_again {
            let left = self.view_mut(self.tab);
            left.table.park();
            left.stale = true;
            self.tab = tab;
        }
        if self.view(tab).stale {
            self.build(tab, self.ctx());
        }
        if shown_again {
            // a fold's members, not filled while the list was not shown
            self.fill_members(self.ctx());
        }
    }

    fn on_drill_result(&mut self, r: QueryResult, ctx: Ctx) {
        let Some(target) = r.target else { return };
        if self.current().drill.is_none() && self.preview_wanted() == Some((r.kind, target.clone()))
        {
            // the selected row's preview (a job's runs in its detail pane)
            if let Ok(payload) = &r.result {
                let picture = self.tab.screen().preview_picture(payload);
                let view = self.view_mut(self.tab);
                view.preview = picture.map(|p| (target, p));
            }
            return;
        }
        let Some(tab) = Tab::drilling(r.kind) else {
            return;
        };
        for view in &mut self.views {
            let Some(d) = view
                .drill
                .as_mut()
                .filter(|d| d.read() == Some((r.kind, &target)))
            else {
                continue;
            };
            match r.result {
                Ok(Payload::Unavailable(why)) => d.state = DataState::Unavailable(why),
                Ok(payload) => {
                    d.picture = tab.screen().drill_picture(&payload);
                    tab.screen().fill_drill(payload, &ctx, &mut d.table);
                    d.state.set((), r.finished_at, r.elapsed);
                    self.data.drill_read(r.kind, r.finished_at, r.elapsed);
                }
                Err(e) => {
                    self.data.failed(r.finished_at, &e);
                    d.state.fail(e);
                }
            }
            return;
        }
    }

    /// Returns true when this is a new session (the caller then refreshes everything).
    pub fn on_link(&mut self, status: &LinkStatus) -> bool {
        self.link = status.state.clone();
        if let LinkState::Disconnected { error, .. } = &status.state {
            self.data.failed(Utc::now(), error);
        }
        if let Some(caps) = &status.caps {
            self.data.set_caps(caps);
        }
        let fresh = status.client.is_some() && status.generation != self.generation;
        if fresh {
            self.generation = status.generation;
        }
        fresh
    }

    pub fn is_disconnected(&self) -> bool {
        matches!(self.link, LinkState::Disconnected { .. })
    }

    /// "disconnected — retrying in 4s" or "connected"; `now` is passed in for testability.
    pub fn link_text(&self, now: Instant) -> String {
        match &self.link {
            LinkState::Connected => "connected".into(),
            LinkState::Connecting => "connecting…".into(),
            LinkState::Disconnected { retry_at, .. } => {
                let secs = retry_at.saturating_duration_since(now).as_secs_f64().ceil() as u64;
                if secs == 0 {
                    "disconnected — reconnecting…".into()
                } else {
                    format!("disconnected — retrying in {secs}s")
                }
            }
        }
    }

    /// When the data behind what is shown was last read, and how long that took: the
    /// drill-down's, else the oldest of the tab's reads (what is shown is at least that old).
    pub fn last_refresh(&self) -> Option<&(DateTime<Utc>, Duration)> {
        let refreshed = &self.data.refreshed;
        match self.current().drill.as_ref().and_then(Drill::read) {
            Some((kind, _)) => refreshed.get(&kind),
            None => self
                .tab
                .kinds()
                .iter()
                .filter_map(|k| refreshed.get(k))
                .min_by_key(|(at, _)| *at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hypertables::Hypertable;
    use crate::screens::tab;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn state() -> AppState {
        AppState::new("host=h".into(), Duration::from_secs(2), true, false)
    }

    fn result(
        kind: QueryKind,
        target: Option<Subject>,
        result: Result<Payload, String>,
    ) -> QueryResult {
        QueryResult {
            kind,
            target,
            result,
            elapsed: Duration::from_millis(3),
            finished_at: Utc::now(),
        }
    }

    fn hypertable(schema: &str, name: &str, chunks: i64) -> Hypertable {
        let mut h = crate::model::fixtures::hypertable(name, chunks, 0, chunks * 1000);
        h.schema = schema.into();
        h
    }

    #[test]
    fn keys_map_to_commands() {
        let mut s = state();
        assert_eq!(s.on_key(key(KeyCode::Char('q'))), MemberCommand::Quit);
        assert_eq!(
            s.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            MemberCommand::Quit
        );
        assert_eq!(s.on_key(key(KeyCode::Char('r'))), MemberCommand::Refresh);
        assert_eq!(s.on_key(key(KeyCode::Char('x'))), MemberCommand::None);
    }

    #[test]
    fn tabs_switch_by_number_tab_and_backtab() {
        let mut s = state();
        assert_eq!(s.on_key(key(KeyCode::Char('5'))), MemberCommand::Refresh);
        assert_eq!(s.tab, tab("indexes"));
        s.on_key(key(KeyCode::Tab));
        assert_eq!(s.tab, tab("jobs"));
        s.on_key(key(KeyCode::BackTab));
        s.on_key(key(KeyCode::BackTab));
        assert_eq!(s.tab, tab("retention"));
        s.on_key(key(KeyCode::Char('1')));
        s.on_key(key(KeyCode::BackTab));
        assert_eq!(s.tab, tab("statements"), "wraps around");
    }

    #[test]
    fn help_toggles_and_esc_closes_it() {
        let mut s = state();
        s.on_key(key(KeyCode::Char('?')));
        assert!(s.show_help);
        assert_eq!(
            s.on_key(key(KeyCode::Char('5'))),
            MemberCommand::None,
            "keys wait while help is open"
        );
        assert_eq!(s.on_key(key(KeyCode::Esc)), MemberCommand::Redraw);
        assert!(!s.show_help);
    }

    #[test]
    fn the_palette_offers_the_jobs_read_even_while_it_is_open() {
        use crate::model::fixtures::job;
        let jobs = |ids: &[i32]| {
            let rows = ids
                .iter()
                .map(|&i| job(i, "policy_compression", Some("a"), 0, true));
            result(QueryKind::Jobs, None, Ok(Payload::Jobs(rows.collect())))
        };
        let offered = |s: &AppState| match &s.modal {
            crate::app::modal::Modal::Palette(p) => p.suggestions.clone(),
            _ => panic!("the palette is open"),
        };
        let mut s = state();
        s.on_result(jobs(&[1000]));
        s.on_key(key(KeyCode::Char(':')));
        for c in "run-job 10".chars() {
            s.on_key(key(KeyCode::Char(c)));
        }
        assert_eq!(offered(&s), ["1000"]);
        // a read while it is open: the next key offers what it read
        s.on_result(jobs(&[1000, 1042]));
        s.on_key(key(KeyCode::Char('4')));
        assert_eq!(offered(&s), ["1042"]);
    }

    #[test]
    fn filter_drill_down_and_back() {
        let mut s = state();
        s.on_key(key(KeyCode::Char('2')));
        s.on_result(result(
            QueryKind::Catalog,
            None,
            Ok(Payload::Hypertables(vec![
                hypertable("scn", "metrics", 10),
                hypertable("Ops \"Team\"", "events; drop table x", 3),
            ])),
        ));
        // Sorted by chunks, descending.
        let first = s.current().table.selected_row().unwrap().id().to_string();
        assert_eq!(first, "scn.metrics");
        for c in "/drop".chars() {
            s.on_key(key(KeyCode::Char(c)));
        }
        assert_eq!(s.current().table.len(), 1);
        s.on_key(key(KeyCode::Enter));
        assert!(
            s.filter_input.is_none(),
            "Enter keeps the filter and leaves the line"
        );
        assert_eq!(s.current().table.filter(), "drop");
        assert_eq!(
            s.on_key(key(KeyCode::Enter)),
            MemberCommand::Refresh,
            "opens the chunks"
        );
        let wanted = s.wanted();
        let target = Subject::Relation {
            schema: "Ops \"Team\"".into(),
            name: "events; drop table x".into(),
        };
        assert!(
            wanted.contains(&(QueryKind::Chunks, Some(target.clone()))),
            "{wanted:?}"
        );
        assert_eq!(
            s.current().drill.as_ref().unwrap().title,
            "Chunks of \"Ops \"\"Team\"\"\".\"events; drop table x\""
        );
        // A late answer for another target does not land in this drill-down.
        let other = Subject::Relation {
            schema: "scn".into(),
            name: "metrics".into(),
        };
        s.on_result(result(
            QueryKind::Chunks,
            Some(other.clone()),
            Ok(Payload::Chunks(other, vec![])),
        ));
        assert_eq!(
            s.current().drill.as_ref().unwrap().state.status(),
            Status::Loading
        );
        s.on_result(result(
            QueryKind::Chunks,
            Some(target.clone()),
            Ok(Payload::Chunks(target, vec![])),
        ));
        assert_eq!(
            s.current().drill.as_ref().unwrap().state.status(),
            Status::Ready
        );
        s.on_key(key(KeyCode::Esc));
        assert!(s.current().drill.is_none());
        s.on_key(key(KeyCode::Esc));
        assert_eq!(
            s.current().table.filter(),
            "",
            "a second Esc clears the filter"
        );
    }

    #[test]
    fn errors_stay_on_their_tab() {
        let mut s = state();
        s.on_result(result(
            QueryKind::Catalog,
            None,
            Err("permission denied (SQLSTATE 42501)".into()),
        ));
        // one catalog pass fills these tabs: its failure shows on each
        for name in ["indexes", "hypertables", "retention"] {
            assert_eq!(
                s.status(tab(name)).error(),
                Some("permission denied (SQLSTATE 42501)"),
                "{name}"
            );
        }
        assert!(s.status(tab("jobs")).error().is_none());
        assert_eq!(
            s.data.last_error.as_ref().unwrap().1,
            "permission denied (SQLSTATE 42501)"
        );
        s.on_result(result(
            QueryKind::Jobs,
            None,
            Ok(Payload::Unavailable("no TimescaleDB".into())),
        ));
        assert_eq!(s.status(tab("jobs")).unavailable(), Some("no TimescaleDB"));
    }

    #[test]
    fn disconnected_text_counts_down() {
        let mut s = state();
        let now = Instant::now();
        s.link = LinkState::Disconnected {
            error: "boom".into(),
            retry_at: now + Duration::from_millis(3500),
        };
        assert_eq!(s.link_text(now), "disconnected — retrying in 4s");
        assert_eq!(
            s.link_text(now + Duration::from_secs(10)),
            "disconnected — reconnecting…"
        );
    }
}

#[cfg(test)]
mod triage {
    //! From the overview to a problem's evidence and back, and from a job to who blocks it.

    use super::*;
    use crate::model::activity::Session;
    use crate::model::fixtures;
    use crate::screens::tab;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    /// A tab's read arriving, as the poller hands it over.
    fn arrive(s: &mut AppState, kind: QueryKind, payload: Payload) {
        arrive_for(s, kind, None, payload);
    }

    /// A read for a target (a drill-down's) arriving.
    fn arrive_for(s: &mut AppState, kind: QueryKind, target: Option<Subject>, payload: Payload) {
        s.on_result(QueryResult {
            kind,
            target,
            result: Ok(payload),
            elapsed: Duration::ZERO,
            finished_at: Utc::now(),
        });
    }

    fn loaded() -> AppState {
        let mut s = AppState::new("t".into(), Duration::from_secs(2), true, false);
        s.data.caps = Some(fixtures::caps());
        for (kind, payload) in fixtures::plant() {
            arrive(&mut s, kind, payload);
        }
        s
    }

    /// Only the shown tab holds its rows: a tab left lets them go, data read while it is
    /// hidden is there when it is shown again, and so are its sort and selected row.
    #[test]
    fn only_the_shown_tab_holds_rows() {
        let mut s = loaded();
        let (overview, hypertables) = (Tab::HOME, tab("hypertables"));
        let held = |s: &AppState| -> Vec<Tab> {
            Tab::all()
                .filter(|&t| s.view(t).table.total() > 0)
                .collect()
        };
        assert_eq!(held(&s), [overview]);
        s.switch_to(hypertables);
        assert_eq!(held(&s), [hypertables]);
        let rows = s.current().table.total();
        s.on_key(key(KeyCode::Down));
        let selected = s.current().table.selected_row().unwrap().id().to_string();
        s.switch_to(overview);
        assert_eq!(held(&s), [overview]);
        // a read while it is hidden: one hypertable more
        let mut more = s.data.hypertables.value().cloned().unwrap();
        more.push(hypertable_named("zz", "added"));
        arrive(&mut s, QueryKind::Catalog, Payload::Hypertables(more));
        assert_eq!(held(&s), [overview], "built only when shown");
        s.switch_to(hypertables);
        let table = &s.current().table;
        assert_eq!(table.total(), rows + 1);
        assert_eq!(table.selected_row().unwrap().id(), selected);
    }

    /// An index row holds no drill-down target: Enter finds its index when it is pressed,
    /// a hypertable's index opens its chunk indexes and a plain table's opens nothing.
    #[test]
    fn enter_on_an_index_opens_its_chunk_indexes_found_when_pressed() {
        let mut s = loaded();
        let mut indexes = s.data.indexes.value().cloned().unwrap();
        let mut plain = indexes[0].clone();
        let listed = std::sync::Arc::make_mut(&mut plain.listed);
        (listed.name, listed.on_hypertable) = ("plain_idx".into(), false);
        indexes.push(plain);
        arrive(&mut s, QueryKind::Catalog, Payload::Indexes(indexes));
        s.switch_to(tab("indexes"));
        let select = |s: &mut AppState, id: &str| {
            assert!(s.view_mut(tab("indexes")).table.select_id(id), "{id}");
        };
        select(&mut s, "telemetry.plain_idx");
        assert!(s.current().table.selected_row().unwrap().open().is_none());
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::None);
        assert!(s.current().drill.is_none());
        select(&mut s, "telemetry.readings_device_time_idx");
        assert!(s.current().table.selected_row().unwrap().open().is_none());
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
        let drill = s.current().drill.as_ref().expect("chunk indexes open");
        assert_eq!(drill.read().unwrap().0, QueryKind::IndexChunks);
        assert_eq!(
            drill.read().unwrap().1,
            &Subject::Relation {
                schema: "telemetry".into(),
                name: "readings_device_time_idx".into()
            }
        );
        assert_eq!(
            drill.title,
            "Chunk indexes of telemetry.readings_device_time_idx"
        );
        // Enter inside the drill-down opens nothing more, even on a row whose id reads like
        // a hypertable index's
        let target = drill.read().unwrap().1.clone();
        let chunk_index = crate::model::indexes::ChunkIndex {
            name: "telemetry.readings_time_idx".into(),
            chunk: "_hyper_1_1_chunk".into(),
            valid: true,
            scans: 1,
            tuples_read: 1,
            size_bytes: Some(8192),
        };
        arrive_for(
            &mut s,
            QueryKind::IndexChunks,
            Some(target.clone()),
            Payload::IndexChunks(target, vec![chunk_index]),
        );
        let drill = s.current().drill.as_ref().unwrap();
        assert_eq!(drill.table.total(), 1, "the chunk index arrived");
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::None);
        assert_eq!(
            s.current().drill.as_ref().unwrap().read().unwrap().1,
            &Subject::Relation {
                schema: "telemetry".into(),
                name: "readings_device_time_idx".into()
            }
        );
    }

    #[test]
    fn results_taken_in_together_are_settled_into_problems_once() {
        use crate::model::fixtures::job;
        let mut s = loaded();
        let before = s.data.problems.len();
        let failing = |id| job(id, "policy_compression", Some("a"), 3, true);
        for jobs in [vec![failing(2001)], vec![failing(2001), failing(2002)]] {
            s.take_result(QueryResult {
                kind: QueryKind::Jobs,
                target: None,
                result: Ok(Payload::Jobs(jobs)),
                elapsed: Duration::ZERO,
                finished_at: Utc::now(),
            });
        }
        // taken in, not yet derived: the problems are those drawn last
        assert_eq!(s.data.problems.len(), before);
        assert!(s.settle());
        let failing: Vec<_> = s
            .data
            .problems
            .iter()
            .filter(|p| p.kind == crate::problems::ProblemKind::JobFailing)
            .collect();
        assert_eq!(failing.len(), 2, "{failing:?}");
        // nothing taken in since: nothing to derive
        assert!(!s.settle());
    }

    #[test]
    fn enter_on_a_job_opens_its_runs_found_when_pressed() {
        use crate::model::fixtures::job;
        let mut s = loaded();
        let mut jobs = vec![job(1000, "policy_compression", Some("a"), 0, true)];
        jobs.push(job(1042, "policy_retention", Some("b"), 2, true));
        jobs[1].application_name = "Retention Policy [1042]".into();
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
        s.switch_to(tab("jobs"));
        assert!(s.view_mut(tab("jobs")).table.select_id("1042"));
        assert!(s.current().table.selected_row().unwrap().open().is_none());
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
        let drill = s.current().drill.as_ref().expect("its runs open");
        assert_eq!(
            drill.read().unwrap(),
            (QueryKind::JobRuns, &Subject::Job(1042))
        );
        assert_eq!(drill.title, "History of job 1042 (Retention Policy [1042])");
        // a job gone since its row was drawn opens nothing
        s.on_key(key(KeyCode::Esc));
        assert!(s.current().drill.is_none());
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(vec![]));
        assert_eq!(s.tab.screen().open_row(&s.data, "1042"), None);
    }

    fn hypertable_named(schema: &str, name: &str) -> crate::model::hypertables::Hypertable {
        let mut h = fixtures::hypertable(name, 3, 0, 3_000);
        h.schema = schema.into();
        h
    }

    #[test]
    fn enter_on_a_problem_opens_its_evidence_and_esc_comes_back() {
        let mut s = loaded();
        // The first problem is job 1000 failing: Enter opens its run history at once.
        assert_eq!(
            s.data.problems[0].kind,
            crate::problems::ProblemKind::JobFailing
        );
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
        assert_eq!(s.tab, tab("jobs"));
        let drill = s.current().drill.as_ref().expect("history open");
        assert_eq!(drill.read().unwrap().0, QueryKind::JobRuns);
        assert_eq!(drill.read().unwrap().1, &Subject::Job(1000));
        // One Esc: back to the problems, not to the Jobs table.
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, Tab::HOME);
        // Retention overdue: the chunks the next run drops, filtered.
        let at = s
            .data
            .problems
            .iter()
            .position(|p| p.kind == crate::problems::ProblemKind::RetentionOverdue)
            .unwrap();
        for _ in 0..at {
            s.on_key(key(KeyCode::Down));
        }
        s.on_key(key(KeyCode::Enter));
        assert_eq!(s.tab, tab("retention"));
        let drill = s.current().drill.as_ref().expect("chunks open");
        assert_eq!(drill.read().unwrap().0, QueryKind::Chunks);
        assert_eq!(drill.table.filter(), "overdue");
    }

    /// Jobs failing alike are one line; Enter shows them in the Jobs tab, filtered by their
    /// error, and Esc clears the filter, then comes back.
    #[test]
    fn enter_on_jobs_failing_alike_filters_the_jobs_tab_by_their_error() {
        let mut s = loaded();
        let error = "cannot drop portal \"\" while it is being set up";
        let mut jobs = s.data.jobs.value().cloned().unwrap_or_default();
        let before = jobs.len();
        jobs.extend((0..crate::problems::FOLD_FROM as i32 + 2).map(|i| {
            let mut j = fixtures::job(3000 + i, "policy_retention", Some("r"), 1, true);
            j.last_error = Some(error.into());
            j
        }));
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
        let at = s
            .data
            .problems
            .iter()
            .position(|p| matches!(p.subject, crate::problems::Subject::Jobs { .. }))
            .expect("one folded problem");
        let id = crate::screens::overview::row_id(&s.data.problems[at]);
        s.view_mut(Tab::HOME).table.select_id(&id);
        assert_eq!(
            s.current().table.selected_row().map(|r| r.id().to_string()),
            Some(id),
            "problem {at} is selected by its error"
        );
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
        assert_eq!(s.tab, tab("jobs"));
        let table = &s.current().table;
        assert_eq!(table.filter(), error);
        assert_eq!(table.len(), crate::problems::FOLD_FROM + 2);
        assert_eq!(table.total(), before + crate::problems::FOLD_FROM + 2);
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, tab("jobs"));
        assert_eq!(
            s.current().table.filter(),
            "",
            "the first Esc clears the filter"
        );
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, Tab::HOME, "the second comes back");
    }

    /// A fold with no error to filter by (jobs overdue alike) opens onto its members, one by
    /// one as the list would show each, in place of the panel; Enter on one shows its job, Esc
    /// comes back to them, a read refills them (those that joined too), fewer than FOLD_FROM
    /// are still listed, and none left says so.
    #[test]
    fn enter_on_jobs_overdue_alike_lists_them_one_by_one() {
        let mut s = loaded();
        let mut summary = s.data.summary.value().cloned().unwrap();
        summary.scheduler_running = false;
        arrive(&mut s, QueryKind::Summary, Payload::Summary(summary));
        let mut jobs = s.data.jobs.value().cloned().unwrap_or_default();
        let late = |id: i32| {
            let mut j = fixtures::job(id, "policy_retention", Some("r"), 0, true);
            j.next_start = Some(Utc::now() - chrono::Duration::hours(1));
            j
        };
        jobs.extend((0..crate::problems::FOLD_FROM as i32).map(|i| late(3000 + i)));
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
        let fold = s
            .data
            .problems
            .iter()
            .find(|p| p.kind == crate::problems::ProblemKind::JobOverdue && p.subject.count() > 1)
            .expect("one overdue fold");
        assert!(fold.chain[0].contains("jobs alike: job "), "{fold:?}");
        let first_job = crate::screens::row_id::subject(&fold.subject);
        let fold_id = fold.fold_id().expect("a fold");
        let id = crate::screens::overview::row_id(fold);
        assert!(s.view_mut(Tab::HOME).table.select_id(&id), "{id}");
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Redraw);
        assert_eq!(s.tab, Tab::HOME);
        let drill = s.current().drill.as_ref().expect("its members open");
        assert_eq!(drill.of, DrillOf::Members(fold_id));
        assert_eq!(drill.title, "10 jobs: job overdue");
        assert_eq!(drill.state.status(), Status::Ready);
        let ids = |s: &AppState| -> Vec<String> {
            let d = s.current().drill.as_ref().unwrap();
            d.table.visible().map(|r| r.id().to_string()).collect()
        };
        let listed = ids(&s);
        assert_eq!(listed.len(), crate::problems::FOLD_FROM, "{listed:?}");
        assert!(
            listed.iter().all(|i| i.starts_with("job overdue:job 30")),
            "{listed:?}"
        );
        assert!(
            s.wanted().iter().all(|(_, target)| target.is_none()),
            "nothing to read for it"
        );
        // a member opens its job's row, and Esc comes back to the members
        s.view_mut(Tab::HOME)
            .drill
            .as_mut()
            .unwrap()
            .table
            .select_id(&listed[0]);
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Refresh);
        assert_eq!(s.tab, tab("jobs"));
        assert_eq!(
            s.current().table.selected_row().map(|r| r.id().to_string()),
            Some(first_job)
        );
        assert!(
            s.current().drill.is_some(),
            "with its history, the evidence"
        );
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, Tab::HOME);
        assert!(s.current().drill.is_some(), "back to the members");
        // one more joins: the next read lists it
        jobs.push(late(2999));
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
        assert_eq!(ids(&s).len(), crate::problems::FOLD_FROM + 1);
        assert_eq!(
            s.current().drill.as_ref().unwrap().title,
            "11 jobs: job overdue"
        );
        // fewer than FOLD_FROM: no fold, its jobs still listed here, and said so
        jobs.retain(|j| j.job_id < 2999 || j.job_id > 3004);
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs.clone()));
        assert_eq!(ids(&s).len(), 5);
        assert_eq!(
            s.current().drill.as_ref().unwrap().title,
            "5 jobs: job overdue (no longer folded)"
        );
        // none left
        jobs.retain(|j| j.job_id < 2999);
        arrive(&mut s, QueryKind::Jobs, Payload::Jobs(jobs));
        let d = s.current().drill.as_ref().unwrap();
        assert!(
            matches!(d.state.status(), Status::Unavailable(why) if why.contains("No longer")),
            "{:?}",
            d.state.status()
        );
        s.on_key(key(KeyCode::Esc));
        assert!(s.current().drill.is_none());
    }

    #[test]
    fn enter_on_an_advice_puts_its_command_in_the_palette() {
        let mut s = loaded();
        let mut rows = s.data.compression.value().cloned().unwrap_or_default();
        rows[0].uncompressed_between = 2;
        let name = crate::format::qualified_escaped(&rows[0].schema, &rows[0].name);
        s.data.compression.set(rows, Utc::now(), Duration::ZERO);
        s.data.update_problems(&s.thresholds, Utc::now());
        let at = s
            .data
            .problems
            .iter()
            .position(|p| p.kind == crate::problems::ProblemKind::NotRecompressed)
            .expect("the advice");
        s.views[0]
            .table
            .set_rows(crate::screens::overview::rows(&s.data.problems));
        for _ in 0..at {
            s.on_key(key(KeyCode::Down));
        }
        assert_eq!(s.on_key(key(KeyCode::Enter)), MemberCommand::Redraw);
        let Modal::Palette(p) = &s.modal else {
            panic!("no palette");
        };
        assert_eq!(p.line(), format!("compress {name}"));
        assert_eq!(s.tab, Tab::HOME, "it stays on the overview");
    }

    #[test]
    fn b_on_a_job_shows_the_sessions_that_block_it() {
        let mut s = loaded();
        let now = Utc::now();
        let session = |pid, blocked_by: Vec<i32>, job_id| Session {
            pid,
            database: Some("metrics".into()),
            username: Some("app".into()),
            application: Some("psql".into()),
            client: None,
            backend_type: "client backend".into(),
            state: Some("idle in transaction".into()),
            wait_event_type: None,
            wait_event: None,
            backend_start: None,
            xact_start: None,
            query_start: None,
            state_change: Some(now),
            query: Some("LOCK telemetry.readings".into()),
            blocked_by,
            waiting_for: vec!["telemetry.readings".into()],
            job_id,
            server_now: now,
        };
        s.on_result(QueryResult {
            kind: QueryKind::Activity,
            target: None,
            result: Ok(Payload::Activity(vec![
                session(10, vec![], None),
                session(20, vec![10], Some(1000)),
                session(30, vec![], None),
            ])),
            elapsed: Duration::ZERO,
            finished_at: now,
        });
        s.on_key(key(KeyCode::Char('6')));
        s.view_mut(tab("jobs")).table.select_id("1000");
        assert_eq!(s.on_key(key(KeyCode::Char('B'))), MemberCommand::Refresh);
        assert_eq!(s.tab, tab("activity"));
        let t = &s.current().table;
        assert_eq!(t.filter(), "→job 1000");
        assert_eq!(t.len(), 1, "only the blocker");
        assert_eq!(t.selected_row().unwrap().id(), "10");
        // The Activity tab's keys cancel or terminate the selected session.
        assert!(matches!(
            s.on_key(key(KeyCode::Char('T'))),
            MemberCommand::Action(ModalCommand::Plan(Action::TerminateBackend { pid: 10 }))
        ));
        s.modal = Modal::None;
        // Esc: back where B was pressed.
        s.on_key(key(KeyCode::Esc));
        s.on_key(key(KeyCode::Esc));
        assert_eq!(s.tab, tab("jobs"));
    }
}
