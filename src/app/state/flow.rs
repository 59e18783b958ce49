//! The palette and an action's flow on a member's console: plan, preview, run, outcome.

use super::*;

/// Why a target's journal history could not be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryError {
    /// The target is not connected yet (its database is not known).
    NotConnected,
    /// The journal could not be read.
    Journal(crate::actions::journal::JournalError),
}

impl std::fmt::Display for HistoryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistoryError::NotConnected => write!(f, "not connected yet"),
            HistoryError::Journal(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for HistoryError {}

impl AppState {
    /// A message in a dialog (closed by any key).
    pub fn say(&mut self, title: &str, line: String) {
        self.modal = Message::modal(title, vec![line], true);
    }

    /// `[` / `]`: the pictures' span; beyond the hour the recording is read for it.
    pub fn zoom(&mut self, longer: bool) -> MemberCommand {
        let history = &mut self.data.history;
        if !history.can_zoom() {
            self.say(
                "No recording",
                "the pictures reach back the hour this console keeps; further back they are read from the recording, which is off here (--no-record, or [record] console = false)".into(),
            );
            return MemberCommand::Redraw;
        }
        let now = crate::history::seconds(chrono::Utc::now());
        let zoomed = history.zoom(longer, now);
        // the span changed: the pictures drawn over it made again
        self.redress_pictures();
        match zoomed {
            Some(span) => MemberCommand::Zoom(span),
            None => MemberCommand::Redraw,
        }
    }

    pub(super) fn open_palette(&mut self, text: &str) -> MemberCommand {
        let names = self.names.get_or_insert_with(|| Names::of(&self.data));
        self.modal = Modal::Palette(Box::new(Palette::new(text, names)));
        MemberCommand::Redraw
    }

    /// A tab's key for the selected row: its command (the same preview as the palette's).
    pub(super) fn screen_action(&self, key: char) -> Option<Action> {
        let view = self.current();
        if view.drill.is_some() {
            return None;
        }
        let row = view.table.selected_row()?;
        let k = self.tab.screen().keys().iter().find(|k| k.key == key)?;
        (k.command)(&self.data, row.id())
    }

    /// Plans a command from a tab's key, as if its canonical text was entered in the palette.
    pub(super) fn plan(&mut self, action: Action) -> MemberCommand {
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
    pub fn on_planned(&mut self, result: Result<Plan, crate::actions::runner::PlanningError>) {
        let Modal::Planning(line) = &self.modal else {
            return; // closed meanwhile
        };
        self.modal = match result {
            Ok(plan) => Modal::Confirm(Box::new(ConfirmState::new(plan))),
            Err(e) => Message::modal(format!("Cannot plan: {line}"), vec![e.to_string()], true),
        };
    }

    pub fn on_history(&mut self, result: Result<Vec<String>, HistoryError>) {
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
            Err(e) => Message::modal("History", vec![e.to_string()], true),
        };
    }

    /// The confirmed plan, now running.
    pub fn start_running(&mut self) -> Option<Plan> {
        let Modal::Confirm(c) = std::mem::replace(&mut self.modal, Modal::None) else {
            return None;
        };
        self.modal = Modal::Running(RunProgress {
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
}
