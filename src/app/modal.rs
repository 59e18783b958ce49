//! The palette and the dialogs that follow it: planning, confirm (default Cancel; typed name for
//! what cannot be undone), progress (cancellable) and results. Key handling only; no I/O.

use crate::command::spec::family;
use std::time::Instant;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

use crate::actions::complete::{self, Names};
use crate::actions::execute::Outcome;
use crate::actions::journal;
use crate::actions::parse::{parse, Command as Action};
use crate::actions::Plan;

/// How many suggestions the palette shows.
pub const SUGGESTIONS: usize = 5;

pub struct Palette {
    pub input: TextArea<'static>,
    pub suggestions: Vec<String>,
    /// The parse error of what is typed (shown muted while typing, as an error after Enter).
    pub error: Option<String>,
    pub submitted_error: bool,
    history_pos: Option<usize>,
    /// Tab again cycles through these (the line before the word, the candidates, which one is
    /// in): set by a Tab that accepted one of several, ended by any other key.
    cycle: Option<(String, Vec<String>, usize)>,
    /// The suggestion shown selected (the one a cycle is on).
    pub selected: usize,
}

impl Palette {
    pub fn new(text: &str, names: &Names) -> Palette {
        let mut input = TextArea::default();
        input.set_cursor_line_style(ratatui::style::Style::default());
        input.set_placeholder_text("a command, e.g. pause-job 1000 (Tab completes)");
        input.insert_str(text);
        let mut p = Palette {
            input,
            suggestions: Vec::new(),
            error: None,
            submitted_error: false,
            history_pos: None,
            cycle: None,
            selected: 0,
        };
        p.update(names);
        p
    }

    pub fn line(&self) -> String {
        self.input.lines().join(" ")
    }

    /// The cursor is after the last character.
    fn at_end(&self) -> bool {
        let ratatui_textarea::DataCursor(row, col) = self.input.cursor();
        let lines = self.input.lines();
        row + 1 >= lines.len() && lines.get(row).is_none_or(|l| col >= l.chars().count())
    }

    fn set_line(&mut self, text: &str, names: &Names) {
        self.input = {
            let mut t = TextArea::default();
            t.set_cursor_line_style(ratatui::style::Style::default());
            t.insert_str(text);
            t
        };
        self.update(names);
    }

    fn update(&mut self, names: &Names) {
        let line = self.line();
        self.suggestions = complete::suggest(&line, names, SUGGESTIONS);
        // Still typing the command name: suggestions say more than "unknown command".
        let naming = !line.contains(char::is_whitespace) || line.trim().is_empty();
        self.error = if naming {
            None
        } else {
            parse(&line).err().map(|e| e.to_string())
        };
        self.submitted_error = false;
        self.cycle = None;
        self.selected = 0;
    }

    /// Tab (`forward`) or Shift-Tab: in a cycle, the next or previous candidate in place of the
    /// last; else as [`complete::tab`] says: the word extended to what the candidates share,
    /// or the first accepted (and a cycle begun when there are others).
    fn tab(&mut self, forward: bool, names: &Names) {
        if let Some((base, candidates, at)) = self.cycle.take() {
            let n = candidates.len();
            let at = if forward {
                (at + 1) % n
            } else {
                (at + n - 1) % n
            };
            self.set_line(&complete::accept(&base, &candidates[at]), names);
            (self.suggestions, self.selected) = (candidates.clone(), at);
            self.cycle = Some((base, candidates, at));
            return;
        }
        if !forward {
            return;
        }
        let line = self.line();
        let candidates = self.suggestions.clone();
        match complete::tab(&line, &candidates) {
            Some(complete::TabStep::Extend(text)) => self.set_line(&text, names),
            Some(complete::TabStep::Accept(text)) => {
                self.set_line(&text, names);
                let at = (candidates.iter()).position(|c| complete::accept(&line, c) == text);
                if let (Some(at), true) = (at, candidates.len() > 1) {
                    (self.suggestions, self.selected) = (candidates.clone(), at);
                    self.cycle = Some((line, candidates, at));
                }
            }
            None => {}
        }
    }

    /// The synopsis of the command typed, or of the first suggestion while typing its name.
    pub fn hint(&self) -> Option<String> {
        let line = self.line();
        complete::hint(&line).or_else(|| {
            let single = !line.trim().contains(char::is_whitespace);
            let first = self.suggestions.first().filter(|_| single)?;
            complete::hint(first).map(|h| format!("{h}   (Tab completes)"))
        })
    }
}

pub struct ConfirmState {
    pub plan: Plan,
    /// Execute is highlighted (the default is Cancel).
    pub execute_selected: bool,
    /// What has been typed, when the plan asks for the name.
    pub typed: String,
    /// What was typed last and did not match (the prompt says so and asks again).
    pub mismatch: Option<String>,
    pub scroll: Scroll,
}

impl ConfirmState {
    pub fn new(plan: Plan) -> ConfirmState {
        ConfirmState {
            plan,
            execute_selected: false,
            typed: String::new(),
            mismatch: None,
            scroll: Scroll::default(),
        }
    }
}

/// Where a dialog's body is scrolled to, and how far it can scroll and how many rows a page is
/// as the last frame drew it (they depend on the terminal's size: the frame says them, see
/// [`ScrollBounds`]), so keys never scroll past the end.
#[derive(Debug, Default)]
pub struct Scroll {
    pub offset: u16,
    pub bounds: ScrollBounds,
}

/// What a frame drew that the state keeps (it depends on the terminal's size): how far the
/// open dialog's body and the help scroll. Drawing returns it; the loop hands it to `update`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drawn {
    pub help: Option<ScrollBounds>,
    pub modal: Option<ScrollBounds>,
}

/// How far a dialog's body can scroll and how many rows a page is, as a frame drew it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScrollBounds {
    pub max: u16,
    pub page: u16,
}

impl Scroll {
    /// Starts at the end (for lists that are newest last).
    pub fn at_end() -> Scroll {
        Scroll {
            offset: u16::MAX,
            ..Scroll::default()
        }
    }

    /// Scrolls for ↑↓ PgUp PgDn Home End; false for any other key.
    pub fn on_key(&mut self, code: KeyCode) -> bool {
        let max = self.bounds.max;
        let page = self.bounds.page.max(1);
        let at = self.offset.min(max);
        self.offset = match code {
            KeyCode::Up => at.saturating_sub(1),
            KeyCode::Down => at.saturating_add(1).min(max),
            KeyCode::PageUp => at.saturating_sub(page),
            KeyCode::PageDown => at.saturating_add(page).min(max),
            KeyCode::Home => 0,
            KeyCode::End => max,
            _ => return false,
        };
        true
    }
}

/// A message (an error, an outcome, the history) closed by any key but the scrolling ones.
pub struct Message {
    pub title: String,
    pub lines: Vec<String>,
    pub error: bool,
    pub scroll: Scroll,
    /// What Enter does after reading it, and the row it does it for (a problem's card: go to
    /// its row, its command in the palette); None: any key closes it.
    pub then: Option<Then>,
}

/// A card's second Enter: what it does, said in the card, and the row (by id) it opens — the
/// row the card was opened on, even if a refresh moved the selection meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub struct Then {
    pub what: String,
    pub row: String,
}

impl Message {
    pub fn modal(title: impl Into<String>, lines: Vec<String>, error: bool) -> Modal {
        Message::with_scroll(title.into(), lines, error, Scroll::default())
    }

    /// A list read newest last: opens on its end.
    pub fn newest_last(title: impl Into<String>, lines: Vec<String>) -> Modal {
        Message::with_scroll(title.into(), lines, false, Scroll::at_end())
    }

    /// A problem's whole text, wrapped and scrolled, before Enter goes where `then` says.
    pub fn card(title: impl Into<String>, lines: Vec<String>, then: Then) -> Modal {
        Modal::Message(Box::new(Message {
            then: Some(then),
            ..Message::new(title.into(), lines, false, Scroll::default())
        }))
    }

    fn with_scroll(title: String, lines: Vec<String>, error: bool, scroll: Scroll) -> Modal {
        Modal::Message(Box::new(Message::new(title, lines, error, scroll)))
    }

    fn new(title: String, lines: Vec<String>, error: bool, scroll: Scroll) -> Message {
        Message {
            title,
            lines,
            error,
            scroll,
            then: None,
        }
    }
}

pub struct RunProgress {
    pub command: String,
    pub step: usize,
    pub total: usize,
    pub label: String,
    pub started: Instant,
    pub cancelling: bool,
    /// What the outcome message may offer: the entry this undoes, or an undo of this.
    pub rollback_of: Option<String>,
    pub undoable: bool,
}

pub enum Modal {
    None,
    Palette(Box<Palette>),
    Planning(String),
    Confirm(Box<ConfirmState>),
    Running(RunProgress),
    Message(Box<Message>),
}

/// What the event loop must do for the modal.
#[derive(Debug, Clone, PartialEq)]
pub enum ModalCommand {
    None,
    Redraw,
    /// Resolve and plan this command (off the input path).
    Plan(Action),
    /// Read the journal and show it.
    History,
    Execute,
    Cancel,
    /// A palette word that moves rather than acts: a tab, help, quit.
    Navigate(Navigation),
}

/// What `:jobs`, `:help`, `:q`, `:fleet`, `:ctx NAME` ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Navigation {
    Tab(crate::screens::Tab),
    Help,
    Quit,
    /// The Fleet view.
    Fleet,
    /// The fleet member of that name.
    Context(String),
    /// The row of this id, opened as Enter on it opens (after its card).
    OpenRow(String),
}

impl Navigation {
    /// The words the palette takes besides commands, for help: the tabs' names (or their
    /// numbers), help, quit.
    pub fn words() -> String {
        let tabs: Vec<&str> = crate::screens::SCREENS.iter().map(|s| s.name()).collect();
        format!(
            "{} (or 1-{}), fleet, ctx NAME, help, q / quit",
            tabs.join(" "),
            crate::screens::Tab::count()
        )
    }

    pub fn parse(line: &str) -> Option<Navigation> {
        let word = line.trim();
        if let Some((verb, name)) = word.split_once(char::is_whitespace) {
            return matches!(verb.to_lowercase().as_str(), "ctx" | "context")
                .then(|| Navigation::Context(name.trim().to_string()));
        }
        match word.to_lowercase().as_str() {
            "q" | "quit" | "q!" | "exit" => Some(Navigation::Quit),
            "help" | "?" | "h" => Some(Navigation::Help),
            "fleet" | "ctx" | "context" => Some(Navigation::Fleet),
            _ => crate::screens::Tab::named(word).map(Navigation::Tab),
        }
    }
}

/// Keys while a modal is open. `read_only` refuses changing commands at once.
pub fn on_key(
    modal: &mut Modal,
    key: KeyEvent,
    names: &Names,
    history: &[String],
    read_only: bool,
) -> ModalCommand {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match modal {
        Modal::None => ModalCommand::None,
        Modal::Palette(p) => match key.code {
            // a terminal's Enter can arrive as Ctrl-M or Ctrl-J: the palette is one line
            KeyCode::Char('m' | 'j') if ctrl => on_key(
                modal,
                KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE),
                names,
                history,
                read_only,
            ),
            KeyCode::Esc => {
                *modal = Modal::None;
                ModalCommand::Redraw
            }
            KeyCode::Tab | KeyCode::BackTab => {
                p.tab(key.code == KeyCode::Tab, names);
                ModalCommand::Redraw
            }
            KeyCode::Up | KeyCode::Down => {
                if history.is_empty() {
                    return ModalCommand::None;
                }
                let last = history.len() - 1;
                let pos = match (p.history_pos, key.code) {
                    (None, KeyCode::Up) => Some(last),
                    (Some(0), KeyCode::Up) => Some(0),
                    (Some(i), KeyCode::Up) => Some(i - 1),
                    (Some(i), KeyCode::Down) if i < last => Some(i + 1),
                    _ => None,
                };
                let text = pos.map(|i| history[i].clone()).unwrap_or_default();
                p.set_line(&text, names);
                p.history_pos = pos;
                ModalCommand::Redraw
            }
            KeyCode::Enter => {
                let line = p.line();
                if let Some(nav) = Navigation::parse(&line) {
                    *modal = Modal::None;
                    return ModalCommand::Navigate(nav);
                }
                match parse(&line) {
                    Err(e) => {
                        p.error = Some(e.to_string());
                        p.submitted_error = true;
                        ModalCommand::Redraw
                    }
                    Ok(Action::Journal(family::Journal::History)) => {
                        *modal = Modal::Planning(line);
                        ModalCommand::History
                    }
                    Ok(cmd) if read_only && cmd.is_mutating() => {
                        p.error = Some(crate::actions::READ_ONLY_REFUSAL.into());
                        p.submitted_error = true;
                        ModalCommand::Redraw
                    }
                    Ok(cmd) => {
                        *modal = Modal::Planning(line);
                        ModalCommand::Plan(cmd)
                    }
                }
            }
            _ => {
                match key.code {
                    KeyCode::Char('c') if ctrl => {
                        *modal = Modal::None;
                        return ModalCommand::Redraw;
                    }
                    // readline's kill to the start of the line (the text area's Ctrl-U undoes
                    // one edit, which looked like deleting one character)
                    KeyCode::Char('u') if ctrl => {
                        p.input.delete_line_by_head();
                    }
                    // words are one space apart: a space typed after a completion's own is
                    // not a second one (inside quotes it is kept)
                    KeyCode::Char(' ') if p.at_end() && complete::ends_between_words(&p.line()) => {
                    }
                    _ => {
                        p.input.input(key);
                    }
                }
                p.history_pos = None;
                p.update(names);
                ModalCommand::Redraw
            }
        },
        Modal::Planning(_) => match key.code {
            KeyCode::Esc => {
                *modal = Modal::None;
                ModalCommand::Redraw
            }
            _ => ModalCommand::None,
        },
        Modal::Confirm(c) => {
            let typed_name = c.plan.confirm.asked();
            if c.scroll.on_key(key.code) {
                return ModalCommand::Redraw;
            }
            match (key.code, typed_name) {
                (KeyCode::Esc, _) => {
                    *modal = Modal::None;
                    ModalCommand::Redraw
                }
                (KeyCode::Enter, Some(_)) => {
                    if c.plan.confirm.accepts(&c.typed) {
                        ModalCommand::Execute
                    } else {
                        // said, and asked again: Esc is how to cancel
                        c.mismatch = Some(std::mem::take(&mut c.typed));
                        ModalCommand::Redraw
                    }
                }
                (KeyCode::Backspace, Some(_)) => {
                    c.typed.pop();
                    ModalCommand::Redraw
                }
                (KeyCode::Char(ch), Some(_)) if !ctrl => {
                    c.typed.push(ch);
                    ModalCommand::Redraw
                }
                (KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab, None) => {
                    c.execute_selected = !c.execute_selected;
                    ModalCommand::Redraw
                }
                (KeyCode::Enter, None) => {
                    if c.execute_selected {
                        ModalCommand::Execute
                    } else {
                        *modal = Modal::None;
                        ModalCommand::Redraw
                    }
                }
                _ => ModalCommand::None,
            }
        }
        Modal::Running(r) => match key.code {
            KeyCode::Esc => {
                r.cancelling = true;
                ModalCommand::Cancel
            }
            KeyCode::Char('c') if ctrl => {
                r.cancelling = true;
                ModalCommand::Cancel
            }
            _ => ModalCommand::None,
        },
        Modal::Message(m) => {
            if let (KeyCode::Enter, Some(then)) = (key.code, &m.then) {
                let row = then.row.clone();
                *modal = Modal::None;
                return ModalCommand::Navigate(Navigation::OpenRow(row));
            }
            if !m.scroll.on_key(key.code) {
                *modal = Modal::None;
            }
            ModalCommand::Redraw
        }
    }
}

/// What an action's outcome says, consistently with what it was: a rollback names the entry
/// it undid; an undo is offered only for what was done, can be undone, and was journaled.
pub fn outcome_lines(o: &Outcome, rollback_of: Option<&str>, undoable: bool) -> Vec<String> {
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
        (Some(of), journal::Status::Ok) => lines.push(format!("{of} is rolled back.")),
        (Some(of), _) => lines.push(format!("{of} is not (fully) rolled back.")),
        (None, _) if undoable && journaled && o.completed > 0 => lines.push(format!(
            "Undo {} with the palette: {}",
            if o.status == journal::Status::Ok {
                "it"
            } else {
                "the statements that ran"
            },
            Action::Journal(family::Journal::Rollback {
                entry: o.journal_id.clone()
            })
        )),
        (None, journal::Status::Ok) if !undoable => lines.push("It cannot be undone.".into()),
        (None, _) if o.completed == 0 => lines.push("Nothing was changed.".into()),
        _ => {}
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::Confirm as ConfirmKind;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn type_in(m: &mut Modal, s: &str, names: &Names) {
        for ch in s.chars() {
            on_key(m, key(KeyCode::Char(ch)), names, &[], false);
        }
    }

    fn plan(confirm: ConfirmKind) -> Plan {
        Plan {
            confirm,
            ..Plan::new("drop-index x".into(), String::new(), vec![], "")
        }
    }

    #[test]
    fn tab_extends_then_cycles_and_shift_tab_goes_back() {
        let names = Names {
            indexes: vec![
                "plant.telemetry_machine_time_idx".into(),
                "plant.telemetry_machine_ts_idx".into(),
            ],
            ..Default::default()
        };
        let line = |m: &Modal| match m {
            Modal::Palette(p) => (p.line(), p.selected),
            _ => panic!("not the palette"),
        };
        let mut m = Modal::Palette(Box::new(Palette::new("", &names)));
        type_in(&mut m, "drop-index plant.tel", &names);
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        assert_eq!(line(&m).0, "drop-index plant.telemetry_machine_t");
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        let first = line(&m);
        assert!(first.0.ends_with("_idx ") && first.1 == 0, "{first:?}");
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        let second = line(&m);
        assert!(second.0 != first.0 && second.1 == 1, "{second:?}");
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        assert_eq!(line(&m), first, "round again");
        on_key(&mut m, key(KeyCode::BackTab), &names, &[], false);
        assert_eq!(line(&m), second, "Shift-Tab goes back");
        // another key ends the cycle: Tab then completes the next word
        type_in(&mut m, "x", &names);
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        assert_eq!(line(&m).0, format!("{}x", second.0));
    }

    #[test]
    fn palette_completes_submits_and_reports_errors() {
        let names = Names {
            caggs: vec!["scn.metrics_hourly".into()],
            ..Default::default()
        };
        let mut m = Modal::Palette(Box::new(Palette::new("", &names)));
        type_in(&mut m, "refr", &names);
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        type_in(&mut m, "hour", &names);
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        let Modal::Palette(p) = &m else { panic!() };
        assert_eq!(p.line(), "refresh scn.metrics_hourly ");
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Plan(parse("refresh scn.metrics_hourly").unwrap())
        );
        assert!(matches!(m, Modal::Planning(_)));

        let mut m = Modal::Palette(Box::new(Palette::new("pause-job x", &names)));
        on_key(&mut m, key(KeyCode::Enter), &names, &[], false);
        let Modal::Palette(p) = &m else { panic!() };
        assert!(p.submitted_error && p.error.as_deref().unwrap().contains("not a job id"));
    }

    #[test]
    fn read_only_refuses_in_the_palette_and_history_recalls() {
        let names = Names::default();
        let mut m = Modal::Palette(Box::new(Palette::new("pause-job 1", &names)));
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], true),
            ModalCommand::Redraw
        );
        let Modal::Palette(p) = &m else { panic!() };
        assert!(p.error.as_deref().unwrap().contains("read-only"));
        let history = vec!["history".to_string(), "pause-job 7".to_string()];
        on_key(&mut m, key(KeyCode::Up), &names, &history, true);
        let Modal::Palette(p) = &m else { panic!() };
        assert_eq!(p.line(), "pause-job 7");
        assert_eq!(
            on_key(&mut m, key(KeyCode::Up), &names, &history, true),
            ModalCommand::Redraw
        );
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &history, true),
            ModalCommand::History,
            "history reads only"
        );
    }

    #[test]
    fn confirm_defaults_to_cancel_and_typed_names_must_match() {
        let names = Names::default();
        let mut m = Modal::Confirm(Box::new(ConfirmState::new(plan(ConfirmKind::Choose))));
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Redraw
        );
        assert!(matches!(m, Modal::None), "Enter on Cancel cancels");
        let mut m = Modal::Confirm(Box::new(ConfirmState::new(plan(ConfirmKind::Choose))));
        on_key(&mut m, key(KeyCode::Right), &names, &[], false);
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Execute
        );

        let mut m = Modal::Confirm(Box::new(ConfirmState::new(plan(ConfirmKind::TypeName(
            "idx".into(),
        )))));
        type_in(&mut m, "idy", &names);
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Redraw,
        );
        let Modal::Confirm(c) = &m else {
            panic!("a wrong name asks again, it does not cancel")
        };
        assert_eq!((c.mismatch.as_deref(), c.typed.as_str()), (Some("idy"), ""));
        type_in(&mut m, "idx", &names);
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Execute
        );
        // a relation's name as the screens show it, bare or quoted, confirms
        for typed in ["events", "ops.events", "\"ops\".\"events\"", "OPS.EVENTS"] {
            let mut m = Modal::Confirm(Box::new(ConfirmState::new(plan(
                ConfirmKind::TypeRelation {
                    schema: "ops".into(),
                    name: "events".into(),
                },
            ))));
            type_in(&mut m, typed, &names);
            assert_eq!(
                on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
                ModalCommand::Execute,
                "{typed}"
            );
        }
        let other = ConfirmKind::TypeRelation {
            schema: "ops".into(),
            name: "events".into(),
        };
        assert!(
            !other.accepts("other.events") && !other.accepts("\"Events\"") && !other.accepts("")
        );
        let mut m = Modal::Confirm(Box::new(ConfirmState::new(plan(ConfirmKind::TypeName(
            "idx".into(),
        )))));
        type_in(&mut m, "idx", &names);
        assert_eq!(
            on_key(&mut m, key(KeyCode::Enter), &names, &[], false),
            ModalCommand::Execute
        );
    }

    #[test]
    fn the_palette_edits_like_readline() {
        let names = Names {
            hypertables: vec!["scn.metrics".into()],
            ..Names::default()
        };
        let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        let line = |m: &Modal| match m {
            Modal::Palette(p) => p.line(),
            _ => panic!("not the palette"),
        };
        let mut m = Modal::Palette(Box::new(Palette::new("", &names)));
        type_in(&mut m, "compress scn.metrics", &names);
        // Ctrl-U kills the whole line before the cursor, not one character
        on_key(&mut m, ctrl('u'), &names, &[], false);
        assert_eq!(line(&m), "");
        // a completion's space and the space typed after it make one
        type_in(&mut m, "compress scn.me", &names);
        on_key(&mut m, key(KeyCode::Tab), &names, &[], false);
        assert_eq!(line(&m), "compress scn.metrics ");
        type_in(&mut m, " older-than  1d", &names);
        assert_eq!(line(&m), "compress scn.metrics older-than 1d");
        // inside a quoted name, spaces are the name's
        on_key(&mut m, ctrl('u'), &names, &[], false);
        type_in(&mut m, "compress \"a  b", &names);
        assert_eq!(line(&m), "compress \"a  b");
        // Ctrl-M is Enter: the line is submitted, not broken in two
        on_key(&mut m, ctrl('u'), &names, &[], false);
        type_in(&mut m, "history", &names);
        assert_eq!(
            on_key(&mut m, ctrl('m'), &names, &[], false),
            ModalCommand::History
        );
    }

    #[test]
    fn running_actions_cancel_with_esc_or_ctrl_c() {
        let names = Names::default();
        let running = || {
            Modal::Running(RunProgress {
                command: "x".into(),
                step: 0,
                total: 3,
                label: "a".into(),
                started: Instant::now(),
                cancelling: false,
                rollback_of: None,
                undoable: false,
            })
        };
        let mut m = running();
        assert_eq!(
            on_key(&mut m, key(KeyCode::Esc), &names, &[], false),
            ModalCommand::Cancel
        );
        let mut m = running();
        assert_eq!(
            on_key(
                &mut m,
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                &names,
                &[],
                false
            ),
            ModalCommand::Cancel
        );
        let Modal::Running(r) = &m else { panic!() };
        assert!(r.cancelling);
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
        let rollback = said(
            &outcome(crate::actions::journal::Status::Ok, 1),
            Some("j1"),
            true,
        );
        assert!(
            rollback.contains("j1 is rolled back") && !rollback.contains("rollback j2"),
            "{rollback}"
        );
        assert!(
            said(&outcome(crate::actions::journal::Status::Ok, 1), None, true)
                .contains("rollback j2")
        );
        assert!(said(
            &outcome(crate::actions::journal::Status::Ok, 1),
            None,
            false
        )
        .contains("cannot be undone"));
        let failed = said(
            &outcome(crate::actions::journal::Status::Failed, 0),
            None,
            true,
        );
        assert!(
            failed.contains("Nothing was changed") && !failed.contains("rollback"),
            "{failed}"
        );
        assert!(said(
            &outcome(crate::actions::journal::Status::Failed, 2),
            None,
            true
        )
        .contains("the statements that ran"));
        let mut lost = outcome(crate::actions::journal::Status::Ok, 1);
        lost.journal_error = Some("disk full".into());
        let lost = said(&lost, None, true);
        assert!(
            lost.contains("NOT journaled") && !lost.contains("rollback j2"),
            "{lost}"
        );
    }
}
