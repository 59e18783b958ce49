//! The UI state and how keys, query results and link changes update it. Pure: no I/O.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::modal::{
    self, ConfirmState, Message, Modal, ModalCommand, Navigation, Palette, Running, Scroll,
};
use crate::actions::complete::Names;
use crate::actions::execute::Outcome;
use crate::actions::Plan;
use crate::capabilities::Capabilities;
use crate::grid::Column;
use crate::link::{LinkState, LinkStatus};
use crate::model::{caggs, compression, indexes, jobs, retention};
use crate::model::{Payload, QueryKind, Summary, Target};
use crate::poller::QueryResult;
use crate::problems::{self, Problem, Thresholds};
use crate::screens::{self, Ctx, Open, Tab, Table, TableRow};

/// Every key, shown by the `?` overlay. One list, so help never drifts from behaviour.
pub const KEYS: &[(&str, &str)] = &[
    (
        ": Ctrl-P",
        "command palette: actions, history, rollback (Tab completes)",
    ),
    ("P X", "on Jobs: pause / resume, run now the selected job"),
    (
        "C F",
        "on Compression: compress the backlog; on Caggs: refresh",
    ),
    (
        "1-7",
        "switch tab (Tab / Shift-Tab: next / previous; or :jobs, :caggs… in the palette)",
    ),
    ("↑↓ j k", "move; PgUp PgDn Home End (g G) jump"),
    (
        "Enter",
        "open: chunks, chunk indexes, job history; on a problem, its row",
    ),
    (
        "Esc",
        "back from a drill-down; clear the filter; back to the problem list after Enter on it",
    ),
    ("/", "filter rows (Enter keeps it, Esc clears it)"),
    ("s S", "sort by next / previous column (also > <)"),
    ("i", "invert the sort order"),
    ("r", "refresh now (retry now when disconnected)"),
    ("?", "show / hide this help"),
    ("q Ctrl-C", "quit"),
];

/// What the event loop must do after an input.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    None,
    Redraw,
    /// Refresh what the current tab shows (and redraw).
    Refresh,
    Quit,
    /// Something for the palette or an action (plan, execute, cancel, history).
    Action(ModalCommand),
}

/// A drill-down opened from a row: its own query and table.
#[derive(Debug, Clone)]
pub struct Drill {
    pub kind: QueryKind,
    pub target: Target,
    pub title: String,
    pub table: Table,
    pub loaded: bool,
    pub error: Option<String>,
}

/// One tab: its table, an open drill-down, and why it has nothing to show.
#[derive(Debug, Clone)]
pub struct TabView {
    pub table: Table,
    pub drill: Option<Drill>,
    pub loaded: bool,
    pub error: Option<String>,
    pub unavailable: Option<String>,
}

impl TabView {
    fn new(columns: Vec<Column>, sort: Option<(usize, bool)>) -> TabView {
        TabView {
            table: Table::new(columns, sort),
            drill: None,
            loaded: false,
            error: None,
            unavailable: None,
        }
    }

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

/// The latest data of the screens the problem list draws on.
#[derive(Debug, Clone, Default)]
pub struct Data {
    pub summary: Option<Summary>,
    pub jobs: Option<Vec<jobs::Job>>,
    pub compression: Option<Vec<compression::Compression>>,
    pub retention: Option<Vec<retention::Retention>>,
    pub indexes: Option<Vec<indexes::Index>>,
    pub caggs: Option<Vec<caggs::Cagg>>,
    pub problems: Vec<Problem>,
}

pub struct AppState {
    /// `user@host:port/dbname`, for the header.
    pub target_short: String,
    pub refresh_every: Duration,
    pub utc: bool,
    pub read_only: bool,
    pub thresholds: Thresholds,
    pub link: LinkState,
    pub caps: Option<Capabilities>,
    pub data: Data,
    pub tab: Tab,
    pub views: Vec<TabView>,
    /// Some while the filter line is being edited.
    pub filter_input: Option<String>,
    pub last_refresh: HashMap<QueryKind, (DateTime<Utc>, Duration)>,
    pub last_error: Option<(DateTime<Utc>, String)>,
    pub show_help: bool,
    pub help_scroll: Scroll,
    /// The tab a problem's Enter jumped from: Esc goes back there.
    pub jumped_from: Option<Tab>,
    /// The palette or a dialog, when one is open.
    pub modal: Modal,
    /// Command lines entered in the palette this session (Up/Down recall them).
    pub palette_history: Vec<String>,
    /// Object names for completion, from what the screens have read.
    pub names: Names,
    generation: u64,
}

impl AppState {
    pub fn new(target_short: String, refresh_every: Duration, utc: bool, read_only: bool) -> Self {
        let views = Tab::ALL
            .iter()
            .map(|tab| match tab {
                // Problems arrive ranked; sorting is by rank unless asked otherwise.
                Tab::Overview => TabView::new(screens::overview::columns(), None),
                Tab::Hypertables => TabView::new(screens::hypertables::columns(), Some((1, true))),
                Tab::Compression => TabView::new(screens::compression::columns(), Some((2, true))),
                Tab::Retention => TabView::new(screens::retention::columns(), Some((3, true))),
                Tab::Indexes => TabView::new(screens::indexes::columns(), Some((4, true))),
                Tab::Jobs => TabView::new(screens::jobs::columns(), Some((0, false))),
                Tab::Caggs => TabView::new(screens::caggs::columns(), None),
            })
            .collect();
        AppState {
            target_short,
            refresh_every,
            utc,
            read_only,
            thresholds: Thresholds::default(),
            link: LinkState::Connecting,
            caps: None,
            data: Data::default(),
            tab: Tab::Overview,
            views,
            filter_input: None,
            last_refresh: HashMap::new(),
            last_error: None,
            show_help: false,
            help_scroll: Scroll::default(),
            jumped_from: None,
            modal: Modal::None,
            palette_history: Vec::new(),
            names: Names::default(),
            generation: 0,
        }
    }

    pub fn timescaledb(&self) -> bool {
        self.caps.as_ref().is_none_or(|c| c.timescaledb.is_some())
    }

    pub fn view(&self, tab: Tab) -> &TabView {
        &self.views[tab.index()]
    }

    fn view_mut(&mut self, tab: Tab) -> &mut TabView {
        &mut self.views[tab.index()]
    }

    pub fn current(&self) -> &TabView {
        self.view(self.tab)
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            now: Utc::now(),
            utc: self.utc,
        }
    }

    /// The queries the screen needs now: the tab's own, and its open drill-down.
    pub fn wanted(&self) -> Vec<(QueryKind, Option<Target>)> {
        let mut out: Vec<_> = self.tab.kinds().iter().map(|k| (*k, None)).collect();
        if let Some(d) = &self.current().drill {
            out.push((d.kind, Some(d.target.clone())));
        }
        out
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Command {
        if key.kind == KeyEventKind::Release {
            return Command::None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if !matches!(self.modal, Modal::None) {
            let c = modal::on_key(
                &mut self.modal,
                key,
                &self.names,
                &self.palette_history,
                self.read_only,
            );
            if let ModalCommand::Plan(line) = &c {
                if self.palette_history.last() != Some(line) {
                    self.palette_history.push(line.clone());
                }
            }
            return match c {
                ModalCommand::None => Command::None,
                ModalCommand::Redraw => Command::Redraw,
                ModalCommand::Navigate(Navigation::Quit) => Command::Quit,
                ModalCommand::Navigate(Navigation::Help) => {
                    self.show_help = true;
                    Command::Redraw
                }
                ModalCommand::Navigate(Navigation::Tab(tab)) => self.switch_to(tab),
                other => Command::Action(other),
            };
        }
        if ctrl && key.code == KeyCode::Char('c') {
            return Command::Quit;
        }
        if self.filter_input.is_some() {
            return self.on_filter_key(key);
        }
        if self.show_help {
            if self.help_scroll.on_key(key.code) {
                return Command::Redraw;
            }
            return match key.code {
                KeyCode::Char('q') => Command::Quit,
                KeyCode::Char('?') | KeyCode::Esc | KeyCode::Enter => {
                    self.show_help = false;
                    Command::Redraw
                }
                _ => Command::None,
            };
        }
        let page = 10;
        match key.code {
            KeyCode::Char('q') => Command::Quit,
            KeyCode::Char('?') => {
                self.show_help = true;
                Command::Redraw
            }
            KeyCode::Char('r') => Command::Refresh,
            KeyCode::Char(c @ '1'..='7') => {
                self.switch_to(Tab::from_index(c as usize - '1' as usize))
            }
            KeyCode::Tab => self.switch_to(Tab::from_index(self.tab.index() + 1)),
            KeyCode::BackTab => {
                self.switch_to(Tab::from_index(self.tab.index() + Tab::ALL.len() - 1))
            }
            KeyCode::Down | KeyCode::Char('j') => self.table_op(|t| t.move_by(1)),
            KeyCode::Up | KeyCode::Char('k') => self.table_op(|t| t.move_by(-1)),
            KeyCode::PageDown => self.table_op(|t| t.move_by(page)),
            KeyCode::PageUp => self.table_op(|t| t.move_by(-page)),
            KeyCode::Home | KeyCode::Char('g') => self.table_op(|t| t.home()),
            KeyCode::End | KeyCode::Char('G') => self.table_op(|t| t.end()),
            KeyCode::Char('s') | KeyCode::Char('>') => self.table_op(|t| t.sort_step(true)),
            KeyCode::Char('S') | KeyCode::Char('<') => self.table_op(|t| t.sort_step(false)),
            KeyCode::Char('i') => self.table_op(|t| t.sort_reverse()),
            KeyCode::Char(':') => self.open_palette(""),
            KeyCode::Char('p') if ctrl => self.open_palette(""),
            KeyCode::Char('P') | KeyCode::Char('X') | KeyCode::Char('C') | KeyCode::Char('F') => {
                match self.screen_action(key.code) {
                    Some(line) => self.plan_line(line),
                    None => Command::None,
                }
            }
            KeyCode::Char('/') => {
                self.filter_input = Some(self.current().active().filter().to_string());
                Command::Redraw
            }
            KeyCode::Enter => self.open_selected(),
            KeyCode::Esc => self.back(),
            _ => Command::None,
        }
    }

    fn open_palette(&mut self, text: &str) -> Command {
        self.modal = Modal::Palette(Box::new(Palette::new(text, &self.names)));
        Command::Redraw
    }

    /// A screen key's command for the selected row (the same preview as the palette's).
    fn screen_action(&self, key: KeyCode) -> Option<String> {
        let row = self.current().active().selected_row()?;
        let id = row.id().to_string();
        match (self.tab, key) {
            (Tab::Jobs, KeyCode::Char('P')) => {
                let job = self
                    .data
                    .jobs
                    .as_ref()?
                    .iter()
                    .find(|j| j.job_id.to_string() == id)?;
                Some(format!(
                    "{} {}",
                    if job.scheduled {
                        "pause-job"
                    } else {
                        "resume-job"
                    },
                    job.job_id
                ))
            }
            (Tab::Jobs, KeyCode::Char('X')) => Some(format!("run-job {id}")),
            (Tab::Caggs, KeyCode::Char('F')) => Some(format!("refresh {id}")),
            (Tab::Compression, KeyCode::Char('C')) => {
                let c = self
                    .data
                    .compression
                    .as_ref()?
                    .iter()
                    .find(|c| crate::screens::row_id::relation(&c.schema, &c.name) == id)?;
                Some(match &c.compress_after {
                    Some(after)
                        if c.compress_after_seconds.is_some() && !after.starts_with("created") =>
                    {
                        format!("compress {id} older-than '{after}'")
                    }
                    _ => format!("compress {id}"),
                })
            }
            _ => None,
        }
    }

    /// Plans `line` as if it was entered in the palette.
    fn plan_line(&mut self, line: String) -> Command {
        let mut palette = Modal::Palette(Box::new(Palette::new(&line, &self.names)));
        let c = modal::on_key(
            &mut palette,
            KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
            &self.names,
            &[],
            self.read_only,
        );
        self.modal = palette;
        match c {
            ModalCommand::Plan(l) => {
                self.palette_history.push(l.clone());
                Command::Action(ModalCommand::Plan(l))
            }
            _ => Command::Redraw,
        }
    }

    /// The plan (or why there is none) for the command being planned.
    pub fn on_planned(&mut self, result: Result<(Plan, Option<String>), String>) {
        let Modal::Planning(line) = &self.modal else {
            return; // closed meanwhile
        };
        self.modal = match result {
            Ok((plan, rollback_of)) => {
                Modal::Confirm(Box::new(ConfirmState::new(plan, rollback_of)))
            }
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
    pub fn start_running(&mut self) -> Option<(Plan, Option<String>)> {
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
            rollback_of: c.rollback_of.clone(),
            undoable: c.plan.inverse.is_some(),
        });
        Some((c.plan, c.rollback_of))
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
        let lines = outcome_lines(&o, rollback_of.as_deref(), undoable);
        let error = o.status != "ok" || o.journal_error.is_some();
        self.modal = Message::modal(format!("{}: {command}", o.status), lines, error);
    }

    fn table_op(&mut self, op: impl FnOnce(&mut Table)) -> Command {
        let tab = self.tab;
        op(self.view_mut(tab).active_mut());
        Command::Redraw
    }

    fn on_filter_key(&mut self, key: KeyEvent) -> Command {
        let Some(buf) = self.filter_input.as_mut() else {
            return Command::None;
        };
        match key.code {
            KeyCode::Enter => {
                self.filter_input = None;
                return Command::Redraw;
            }
            KeyCode::Esc => {
                buf.clear();
                self.filter_input = None;
                self.table_op(|t| t.set_filter(""));
                return Command::Redraw;
            }
            KeyCode::Backspace => {
                buf.pop();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => buf.push(c),
            _ => return Command::None,
        }
        let text = buf.clone();
        self.table_op(|t| t.set_filter(&text))
    }

    fn switch_to(&mut self, tab: Tab) -> Command {
        self.jumped_from = None;
        if self.tab == tab {
            return Command::Redraw;
        }
        self.tab = tab;
        Command::Refresh
    }

    fn open_selected(&mut self) -> Command {
        let Some(open) = self
            .current()
            .active()
            .selected_row()
            .and_then(|r| r.open().cloned())
        else {
            return Command::None;
        };
        match open {
            Open::Drill(kind, target, title) => {
                let columns = match kind {
                    QueryKind::Chunks => screens::hypertables::chunk_columns(),
                    QueryKind::IndexChunks => screens::indexes::chunk_columns(),
                    _ => screens::jobs::run_columns(),
                };
                let tab = self.tab;
                self.view_mut(tab).drill = Some(Drill {
                    kind,
                    target,
                    title,
                    table: Table::new(columns, None),
                    loaded: false,
                    error: None,
                });
                Command::Refresh
            }
            Open::Jump(tab, id) => {
                let view = self.view_mut(tab);
                view.drill = None;
                view.table.set_filter("");
                view.table.select_id(&id);
                self.jumped_from = Some(self.tab);
                self.tab = tab;
                Command::Refresh
            }
        }
    }

    fn back(&mut self) -> Command {
        let tab = self.tab;
        let view = self.view_mut(tab);
        if view.drill.take().is_some() {
            return Command::Redraw;
        }
        if !view.table.filter().is_empty() {
            view.table.set_filter("");
            return Command::Redraw;
        }
        match self.jumped_from.take() {
            Some(from) => {
                self.tab = from;
                Command::Refresh
            }
            None => Command::None,
        }
    }

    pub fn on_result(&mut self, r: QueryResult) {
        let ctx = self.ctx();
        let kind = r.kind;
        let payload = match r.result {
            Ok(p) => p,
            Err(e) => {
                self.last_error = Some((r.finished_at, e.clone()));
                self.set_error(kind, r.target.as_ref(), e);
                return;
            }
        };
        if !matches!(payload, Payload::Unavailable(_)) {
            self.last_refresh.insert(kind, (r.finished_at, r.elapsed));
        }
        self.apply(kind, payload, ctx);
        self.refresh_problems(ctx.now);
    }

    /// Puts one payload's rows into the tabs (and drill-downs) that show them.
    fn apply(&mut self, kind: QueryKind, payload: Payload, ctx: Ctx) {
        match payload {
            Payload::Tables(t) => {
                for p in t.into_payloads() {
                    self.apply(kind, p, ctx);
                }
            }
            Payload::Summary(s) => {
                self.data.summary = Some(s);
                self.mark_loaded(Tab::Overview);
            }
            Payload::Hypertables(v) => {
                self.fill(Tab::Hypertables, screens::hypertables::rows(&v, ctx))
            }
            Payload::Compression(v) => {
                if self.names.hypertables.is_empty() {
                    self.names.hypertables = v
                        .iter()
                        .map(|c| crate::format::qualified(&c.schema, &c.name))
                        .collect();
                }
                self.fill(Tab::Compression, screens::compression::rows(&v));
                self.data.compression = Some(v);
            }
            Payload::Retention(v) => {
                self.set_columns(Tab::Retention, screens::retention::columns());
                self.fill(Tab::Retention, screens::retention::rows(&v, ctx));
                self.data.retention = Some(v);
            }
            Payload::Partitions(v) => {
                self.set_columns(Tab::Retention, screens::retention::partition_columns());
                self.fill(Tab::Retention, screens::retention::partition_rows(&v));
                // Plain PostgreSQL: the other two tabs of the same read have nothing to show.
                if let Some(caps) = &self.caps {
                    let why = crate::model::no_timescaledb(caps);
                    for tab in [Tab::Hypertables, Tab::Compression] {
                        let view = self.view_mut(tab);
                        view.unavailable = Some(why.clone());
                        view.loaded = true;
                    }
                }
            }
            Payload::Indexes(v) => {
                self.names.indexes = v
                    .iter()
                    .map(|i| crate::format::qualified(&i.index_schema, &i.name))
                    .collect();
                self.names.tables = v
                    .iter()
                    .filter(|i| !i.on_hypertable)
                    .map(|i| crate::format::qualified(&i.schema, &i.table))
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                self.fill(Tab::Indexes, screens::indexes::rows(&v));
                self.data.indexes = Some(v);
            }
            Payload::Jobs(v) => {
                self.names.jobs = v.iter().map(|j| j.job_id.to_string()).collect();
                self.fill(Tab::Jobs, screens::jobs::rows(&v, ctx));
                self.data.jobs = Some(v);
            }
            Payload::Caggs(v) => {
                self.names.caggs = v
                    .iter()
                    .map(|c| crate::format::qualified(&c.schema, &c.name))
                    .collect();
                self.set_columns(Tab::Caggs, screens::caggs::columns());
                let limit = self.thresholds.max_cagg_lag.as_secs_f64();
                self.fill(Tab::Caggs, screens::caggs::rows(&v, limit, ctx));
                self.data.caggs = Some(v);
            }
            Payload::MatViews(v) => {
                self.set_columns(Tab::Caggs, screens::caggs::matview_columns());
                self.fill(Tab::Caggs, screens::caggs::matview_rows(&v));
            }
            Payload::Chunks(t, v) => {
                self.fill_drill(kind, &t, screens::hypertables::chunk_rows(&v, ctx))
            }
            Payload::IndexChunks(t, v) => {
                self.fill_drill(kind, &t, screens::indexes::chunk_rows(&v))
            }
            Payload::JobRuns(t, v) => self.fill_drill(kind, &t, screens::jobs::run_rows(&v, ctx)),
            Payload::Unavailable(why) => {
                for tab in Self::tabs_of(kind) {
                    let view = self.view_mut(tab);
                    view.unavailable = Some(why.clone());
                    view.loaded = true;
                }
            }
        }
    }

    fn tabs_of(kind: QueryKind) -> impl Iterator<Item = Tab> {
        Tab::ALL.into_iter().filter(move |t| t.kind() == kind)
    }

    fn mark_loaded(&mut self, tab: Tab) {
        let view = self.view_mut(tab);
        view.loaded = true;
        view.error = None;
        view.unavailable = None;
    }

    fn fill(&mut self, tab: Tab, rows: impl IntoIterator<Item = TableRow>) {
        self.mark_loaded(tab);
        self.view_mut(tab).table.set_rows(rows);
    }

    /// The same tab shows different tables with and without TimescaleDB.
    fn set_columns(&mut self, tab: Tab, columns: Vec<Column>) {
        let view = self.view_mut(tab);
        if view.table.columns != columns {
            view.table = Table::new(columns, None);
        }
    }

    fn fill_drill(
        &mut self,
        kind: QueryKind,
        target: &Target,
        rows: impl IntoIterator<Item = TableRow>,
    ) {
        for view in &mut self.views {
            if let Some(d) = view
                .drill
                .as_mut()
                .filter(|d| d.kind == kind && &d.target == target)
            {
                d.table.set_rows(rows);
                d.loaded = true;
                d.error = None;
                return;
            }
        }
    }

    fn set_error(&mut self, kind: QueryKind, target: Option<&Target>, error: String) {
        for view in &mut self.views {
            if let Some(d) = view
                .drill
                .as_mut()
                .filter(|d| d.kind == kind && Some(&d.target) == target)
            {
                d.error = Some(error.clone());
            }
        }
        let tabs: Vec<Tab> = Self::tabs_of(kind).collect();
        for tab in tabs {
            self.view_mut(tab).error = Some(error.clone());
        }
    }

    fn refresh_problems(&mut self, now: DateTime<Utc>) {
        let d = &self.data;
        let inputs = problems::Inputs {
            summary: d.summary.as_ref(),
            timescaledb: self.caps.as_ref().is_some_and(|c| c.timescaledb.is_some()),
            jobs: d.jobs.as_deref(),
            compression: d.compression.as_deref(),
            retention: d.retention.as_deref(),
            indexes: d.indexes.as_deref(),
            caggs: d.caggs.as_deref(),
        };
        let found = problems::find(&inputs, &self.thresholds, now);
        if found != self.data.problems {
            let rows = screens::overview::rows(&found);
            self.view_mut(Tab::Overview).table.set_rows(rows);
            self.data.problems = found;
        }
    }

    /// Returns true when this is a new session (the caller then refreshes everything).
    pub fn on_link(&mut self, status: &LinkStatus) -> bool {
        self.link = status.state.clone();
        if let LinkState::Disconnected { error, .. } = &status.state {
            self.last_error = Some((Utc::now(), error.clone()));
        }
        if let Some(caps) = &status.caps {
            self.caps = Some((**caps).clone());
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
}

/// What an action's outcome says, consistently with what it was: a rollback names the entry
/// it undid; an undo is offered only for what was done, can be undone, and was journaled.
fn outcome_lines(o: &Outcome, rollback_of: Option<&str>, undoable: bool) -> Vec<String> {
    let journal = o
        .journal_id
        .as_deref()
        .map(|id| format!("journal entry {id}"))
        .unwrap_or_else(|| "not journaled".into());
    let mut lines = vec![format!(
        "{} statement(s) completed · {journal}",
        o.completed
    )];
    lines.extend(o.error.clone());
    if let Some(e) = &o.journal_error {
        lines.push(format!("the outcome was NOT journaled: {e}"));
    }
    let journaled = o.journal_error.is_none() && o.journal_id.is_some();
    match (rollback_of, o.status) {
        (Some(of), "ok") => lines.push(format!("{of} is rolled back.")),
        (Some(of), _) => lines.push(format!("{of} is not (fully) rolled back.")),
        (None, _) if undoable && journaled && o.completed > 0 => lines.push(format!(
            "Undo {} with the palette: rollback {}",
            if o.status == "ok" {
                "it"
            } else {
                "the statements that ran"
            },
            o.journal_id.as_deref().unwrap_or_default()
        )),
        (None, "ok") if !undoable => lines.push("It cannot be undone.".into()),
        (None, _) if o.completed == 0 => lines.push("Nothing was changed.".into()),
        _ => {}
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::hypertables::Hypertable;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn state() -> AppState {
        AppState::new("host=h".into(), Duration::from_secs(2), true, false)
    }

    fn result(
        kind: QueryKind,
        target: Option<Target>,
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
        Hypertable {
            schema: schema.into(),
            name: name.into(),
            compression_enabled: false,
            chunks,
            compressed_chunks: 0,
            heap_bytes: 0,
            index_bytes: 0,
            toast_bytes: 0,
            total_bytes: chunks * 1000,
            time_column: None,
            time_type: None,
            interval_seconds: None,
            interval_integer: None,
            range_start: None,
            range_end: None,
            policies: vec![],
        }
    }

    #[test]
    fn keys_map_to_commands() {
        let mut s = state();
        assert_eq!(s.on_key(key(KeyCode::Char('q'))), Command::Quit);
        assert_eq!(
            s.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Command::Quit
        );
        assert_eq!(s.on_key(key(KeyCode::Char('r'))), Command::Refresh);
        assert_eq!(s.on_key(key(KeyCode::Char('x'))), Command::None);
    }

    #[test]
    fn tabs_switch_by_number_tab_and_backtab() {
        let mut s = state();
        assert_eq!(s.on_key(key(KeyCode::Char('5'))), Command::Refresh);
        assert_eq!(s.tab, Tab::Indexes);
        s.on_key(key(KeyCode::Tab));
        assert_eq!(s.tab, Tab::Jobs);
        s.on_key(key(KeyCode::BackTab));
        s.on_key(key(KeyCode::BackTab));
        assert_eq!(s.tab, Tab::Retention);
        s.on_key(key(KeyCode::Char('1')));
        s.on_key(key(KeyCode::BackTab));
        assert_eq!(s.tab, Tab::Caggs, "wraps around");
    }

    #[test]
    fn help_toggles_and_esc_closes_it() {
        let mut s = state();
        s.on_key(key(KeyCode::Char('?')));
        assert!(s.show_help);
        assert_eq!(
            s.on_key(key(KeyCode::Char('5'))),
            Command::None,
            "keys wait while help is open"
        );
        assert_eq!(s.on_key(key(KeyCode::Esc)), Command::Redraw);
        assert!(!s.show_help);
    }

    #[test]
    fn filter_drill_down_and_back() {
        let mut s = state();
        s.on_key(key(KeyCode::Char('2')));
        s.on_result(result(
            QueryKind::Tables,
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
            Command::Refresh,
            "opens the chunks"
        );
        let wanted = s.wanted();
        let target = Target::Relation {
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
        let other = Target::Relation {
            schema: "scn".into(),
            name: "metrics".into(),
        };
        s.on_result(result(
            QueryKind::Chunks,
            Some(other.clone()),
            Ok(Payload::Chunks(other, vec![])),
        ));
        assert!(!s.current().drill.as_ref().unwrap().loaded);
        s.on_result(result(
            QueryKind::Chunks,
            Some(target.clone()),
            Ok(Payload::Chunks(target, vec![])),
        ));
        assert!(s.current().drill.as_ref().unwrap().loaded);
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
            QueryKind::Indexes,
            None,
            Err("permission denied (SQLSTATE 42501)".into()),
        ));
        assert_eq!(
            s.view(Tab::Indexes).error.as_deref(),
            Some("permission denied (SQLSTATE 42501)")
        );
        assert!(s.view(Tab::Jobs).error.is_none());
        assert_eq!(
            s.last_error.as_ref().unwrap().1,
            "permission denied (SQLSTATE 42501)"
        );
        s.on_result(result(
            QueryKind::Jobs,
            None,
            Ok(Payload::Unavailable("no TimescaleDB".into())),
        ));
        assert_eq!(
            s.view(Tab::Jobs).unavailable.as_deref(),
            Some("no TimescaleDB")
        );
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

    #[test]
    fn outcome_messages_agree_with_what_ran() {
        let outcome = |status, completed| Outcome {
            status,
            completed,
            error: None,
            journal_id: Some("j2".into()),
            journal_error: None,
        };
        let said =
            |o: &Outcome, of: Option<&str>, undoable| outcome_lines(o, of, undoable).join(" | ");
        let rollback = said(&outcome("ok", 1), Some("j1"), true);
        assert!(
            rollback.contains("j1 is rolled back") && !rollback.contains("rollback j2"),
            "{rollback}"
        );
        assert!(said(&outcome("ok", 1), None, true).contains("rollback j2"));
        assert!(said(&outcome("ok", 1), None, false).contains("cannot be undone"));
        let failed = said(&outcome("failed", 0), None, true);
        assert!(
            failed.contains("Nothing was changed") && !failed.contains("rollback"),
            "{failed}"
        );
        assert!(said(&outcome("failed", 2), None, true).contains("the statements that ran"));
        let mut lost = outcome("ok", 1);
        lost.journal_error = Some("disk full".into());
        let lost = said(&lost, None, true);
        assert!(
            lost.contains("NOT journaled") && !lost.contains("rollback j2"),
            "{lost}"
        );
    }
}
