//! `hypertop replay`: a database's recorded reads shown as `snapshot --format text` showed
//! them then, a tab per section (the problem list among them), stepped through in time; it
//! never connects. Here the state and what keys do to it (pure); `draw` draws it, `run` is the
//! loop (terminal, keys, signals, the recording read on a thread of its own).

pub mod draw;
pub mod run;

use std::time::Duration;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::recording::error::RecordError;
use crate::recording::source::Source;
use crate::recording::store::Frame;

/// One section of a recorded read: `server`, each tab's table, `problems`.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub lines: Vec<String>,
}

/// The read on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub at: DateTime<Utc>,
    pub sections: Vec<Section>,
}

/// What the loop does for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Read the frame recorded at this time (at most one read at a time).
    Load(DateTime<Utc>),
    Quit,
}

/// The replay's whole state.
#[derive(Debug)]
pub struct Replay {
    pub target: String,
    /// Every recorded read's time, oldest first.
    pub times: Vec<DateTime<Utc>>,
    /// The read asked for (an index into `times`); `shown` catches up with it.
    pub index: usize,
    pub shown: Shown,
    pub tab: usize,
    /// The first line shown, and how many columns the text is moved left.
    pub top: usize,
    pub left: usize,
    /// A read of the recording is under way.
    pub loading: bool,
    /// A one-line remark (the first or latest read reached, a read that failed).
    pub note: Option<String>,
}

/// The sections of a frame's text form: each `== name` heading starts one.
pub fn sections_of(frame: &Frame) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let texts = frame
        .sections
        .iter()
        .filter(|(name, _)| crate::recorder::is_text(name));
    for line in texts.flat_map(|(_, text)| text.lines()) {
        // the store is the user's own file, but what it holds came from the database
        let line = crate::format::printable(line);
        match line.strip_prefix("== ") {
            Some(name) => sections.push(Section {
                name: name.to_string(),
                lines: Vec::new(),
            }),
            None => match sections.last_mut() {
                Some(s) => s.lines.push(line),
                None if line.is_empty() => {}
                None => sections.push(Section {
                    name: "read".into(),
                    lines: vec![line],
                }),
            },
        }
    }
    for s in &mut sections {
        while s.lines.last().is_some_and(String::is_empty) {
            s.lines.pop();
        }
    }
    if sections.is_empty() {
        sections.push(Section {
            name: "read".into(),
            lines: vec![
                "this read recorded no text form (see snapshot --at … --format json)".into(),
            ],
        });
    }
    sections
}

/// Opens the recording at `path` on the read recorded at `at` or last before it (the latest
/// when `at` is None): what the replay shows first.
pub fn open(
    store: Source,
    target: &str,
    at: Option<DateTime<Utc>>,
) -> Result<(Source, Replay), RecordError> {
    let times = store.times()?;
    let Some(&last) = times.last() else {
        return Err(RecordError::Empty {
            target: target.to_string(),
            place: store.place(),
        });
    };
    let at = at.unwrap_or(last);
    let frame = store.at_or_before(at)?.ok_or(RecordError::BeforeStart {
        target: target.to_string(),
        at,
        first: times[0],
    })?;
    let replay = Replay::new(target.to_string(), times, frame);
    Ok((store, replay))
}

/// The last index whose time is at or before `at` (0 when none is).
fn at_or_before(times: &[DateTime<Utc>], at: DateTime<Utc>) -> usize {
    times.partition_point(|t| *t <= at).saturating_sub(1)
}

impl Replay {
    pub fn new(target: String, times: Vec<DateTime<Utc>>, frame: Frame) -> Replay {
        let index = at_or_before(&times, frame.at);
        Replay {
            target,
            times,
            index,
            shown: Shown {
                at: frame.at,
                sections: sections_of(&frame),
            },
            tab: 0,
            top: 0,
            left: 0,
            loading: false,
            note: None,
        }
    }

    pub fn section(&self) -> &Section {
        &self.shown.sections[self.tab.min(self.shown.sections.len() - 1)]
    }

    /// What `key` does, with `page` lines of text on screen.
    pub fn key(&mut self, key: KeyEvent, page: usize) -> Option<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let n = self.shown.sections.len();
        let lines = self.section().lines.len();
        let bottom = lines.saturating_sub(page);
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Some(Effect::Quit),
            KeyCode::Char('c') if ctrl => return Some(Effect::Quit),
            KeyCode::Tab => self.show_tab((self.tab + 1) % n),
            KeyCode::BackTab => self.show_tab((self.tab + n - 1) % n),
            KeyCode::Char(c @ '1'..='9') => {
                let i = c as usize - '1' as usize;
                if i < n {
                    self.show_tab(i);
                }
            }
            KeyCode::Down | KeyCode::Char('j') => self.top = (self.top + 1).min(bottom),
            KeyCode::Up | KeyCode::Char('k') => self.top = self.top.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => self.top = (self.top + page).min(bottom),
            KeyCode::PageUp => self.top = self.top.saturating_sub(page),
            KeyCode::Home => self.top = 0,
            KeyCode::End => self.top = bottom,
            KeyCode::Right | KeyCode::Char('l') => self.left += 8,
            KeyCode::Left | KeyCode::Char('h') => self.left = self.left.saturating_sub(8),
            KeyCode::Char(',') => return self.step(-1),
            KeyCode::Char('.') => return self.step(1),
            KeyCode::Char('<') => return self.jump(-(10 * 60)),
            KeyCode::Char('>') => return self.jump(10 * 60),
            KeyCode::Char('[') => return self.jump(-3600),
            KeyCode::Char(']') => return self.jump(3600),
            _ => {}
        }
        None
    }

    fn show_tab(&mut self, tab: usize) {
        self.tab = tab;
        self.top = 0;
        self.left = 0;
    }

    /// One recorded read back or forward.
    fn step(&mut self, by: isize) -> Option<Effect> {
        let last = self.times.len() - 1;
        let to = self.index.saturating_add_signed(by).min(last);
        self.go(to)
    }

    /// `secs` back or forward: the read at or last before that time going back, the first at
    /// or after it going forward (so a jump always moves when there is somewhere to go).
    fn jump(&mut self, secs: i64) -> Option<Effect> {
        let now = self.times[self.index];
        let to = now + chrono::Duration::seconds(secs);
        let index = if secs < 0 {
            at_or_before(&self.times, to)
        } else {
            self.times
                .partition_point(|t| *t < to)
                .min(self.times.len() - 1)
        };
        self.go(index)
    }

    fn go(&mut self, index: usize) -> Option<Effect> {
        self.note = None;
        if index == self.index {
            self.note = Some(if index == 0 {
                "the first recorded read".into()
            } else {
                "the latest recorded read (new ones show as they are recorded)".into()
            });
            // at the end, ask again: a recorder may have written since
            return (index + 1 == self.times.len() && !self.loading)
                .then(|| self.load(self.times[index]));
        }
        self.index = index;
        (!self.loading).then(|| self.load(self.times[index]))
    }

    fn load(&mut self, at: DateTime<Utc>) -> Effect {
        self.loading = true;
        Effect::Load(at)
    }

    /// A read of the recording came back: every time now recorded, and the frame asked for.
    /// Asks again when keys moved on meanwhile.
    pub fn loaded(
        &mut self,
        times: Vec<DateTime<Utc>>,
        frame: Result<Option<Frame>, RecordError>,
    ) -> Option<Effect> {
        self.loading = false;
        let wanted = self.times[self.index];
        match frame {
            Ok(Some(frame)) => {
                if !times.is_empty() {
                    self.times = times;
                }
                let name = self.section().name.clone();
                self.shown = Shown {
                    at: frame.at,
                    sections: sections_of(&frame),
                };
                // the same tab, where the new read has it
                self.tab = self
                    .shown
                    .sections
                    .iter()
                    .position(|s| s.name == name)
                    .unwrap_or(0);
                self.top = self.top.min(self.section().lines.len().saturating_sub(1));
                self.index = at_or_before(&self.times, wanted);
                if frame.at != wanted {
                    return Some(self.load(wanted));
                }
            }
            // pruned since the list was read: the list as it is now
            Ok(None) => {
                if !times.is_empty() {
                    self.times = times;
                    self.index = at_or_before(&self.times, self.shown.at);
                }
                self.note = Some("that read is no longer in the recording".into());
            }
            Err(e) => self.note = Some(format!("cannot read the recording: {e}")),
        }
        None
    }

    /// "read 12 of 340", and how far the shown read is from the latest.
    pub fn position(&self) -> String {
        let last = *self.times.last().unwrap_or(&self.shown.at);
        let behind = (last - self.shown.at).to_std().unwrap_or_default();
        let behind = if behind < Duration::from_secs(1) {
            "the latest".to_string()
        } else {
            format!("{} before the latest", crate::format::duration(behind))
        };
        format!("read {} of {} · {behind}", self.index + 1, self.times.len())
    }
}

#[cfg(test)]
mod tests;
