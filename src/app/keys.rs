//! The keys every tab has, as one table: the console matches keys against it and the `?` help
//! is drawn from it, so help never drifts from behaviour (a test checks each key is shown).
//! A tab's own uppercase keys come from its screen ([`screens::screen_keys_help`]).

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::screens::{self, Tab};

/// What a key does on a tab when no dialog, filter line or help is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Palette,
    /// Move the selection by this many rows.
    Move(isize),
    Home,
    End,
    Open,
    Back,
    Filter,
    WhoBlocks,
    SortNext,
    SortPrevious,
    SortReverse,
    /// Scroll the columns by this many (← -1, → 1): those a narrow terminal hides.
    Columns(isize),
    Refresh,
    Help,
    Quit,
    /// The tab of this number (1-based).
    SwitchTab(usize),
    NextTab,
    PreviousTab,
    /// The pictures reach further back (`[`) or nearer (`]`).
    Zoom {
        longer: bool,
    },
}

/// A key as the table names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    /// A character, whatever the modifiers (Ctrl-C is taken before the table).
    Char(char),
    Ctrl(char),
    Code(KeyCode),
    /// `1` to the number of tabs.
    Digit,
}

impl Key {
    /// How help writes it.
    fn label(self) -> String {
        match self {
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::Digit => format!("1-{}", Tab::count()),
            Key::Code(code) => match code {
                KeyCode::Up => "↑".into(),
                KeyCode::Down => "↓".into(),
                KeyCode::Left => "←".into(),
                KeyCode::Right => "→".into(),
                KeyCode::PageUp => "PgUp".into(),
                KeyCode::PageDown => "PgDn".into(),
                KeyCode::BackTab => "Shift-Tab".into(),
                other => other.to_string(),
            },
        }
    }

    fn hit(self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (self, key.code) {
            (Key::Char(c), KeyCode::Char(k)) => c == k,
            (Key::Ctrl(c), KeyCode::Char(k)) => ctrl && c == k,
            (Key::Code(c), k) => c == k,
            (Key::Digit, KeyCode::Char(k @ '1'..='9')) => digit(k) <= Tab::count(),
            _ => false,
        }
    }
}

fn digit(k: char) -> usize {
    k as usize - '0' as usize
}

/// A row of help, or `None` for a binding shown by the row above it.
type HelpRow = Option<(&'static str, &'static str)>;

struct Binding {
    keys: &'static [Key],
    action: KeyAction,
    help: HelpRow,
}

const fn bind(keys: &'static [Key], action: KeyAction, help: HelpRow) -> Binding {
    Binding { keys, action, help }
}

const PAGE: isize = 10;

/// Every tab's keys, in the order help lists them (after the first row come the tabs' own
/// keys). `1-N` in a row's keys is the number of tabs.
const BINDINGS: &[Binding] = &[
    bind(
        &[Key::Char(':'), Key::Ctrl('p')],
        KeyAction::Palette,
        Some((
            ": Ctrl-P",
            "command palette: actions, history, rollback (Tab completes)",
        )),
    ),
    bind(
        &[Key::Digit],
        KeyAction::SwitchTab(0), // the digit pressed
        Some((
            "1-N",
            "switch tab (Tab / Shift-Tab: next / previous; or :jobs, :caggs… in the palette)",
        )),
    ),
    bind(&[Key::Code(KeyCode::Tab)], KeyAction::NextTab, None),
    bind(&[Key::Code(KeyCode::BackTab)], KeyAction::PreviousTab, None),
    bind(
        &[Key::Code(KeyCode::Down), Key::Char('j')],
        KeyAction::Move(1),
        Some((
            "↑↓ j k",
            "move; PgUp PgDn Home End (g G) jump; ← → hidden columns",
        )),
    ),
    bind(
        &[Key::Code(KeyCode::Up), Key::Char('k')],
        KeyAction::Move(-1),
        None,
    ),
    bind(&[Key::Code(KeyCode::Right)], KeyAction::Columns(1), None),
    bind(&[Key::Code(KeyCode::Left)], KeyAction::Columns(-1), None),
    bind(&[Key::Code(KeyCode::PageDown)], KeyAction::Move(PAGE), None),
    bind(&[Key::Code(KeyCode::PageUp)], KeyAction::Move(-PAGE), None),
    bind(
        &[Key::Code(KeyCode::Home), Key::Char('g')],
        KeyAction::Home,
        None,
    ),
    bind(
        &[Key::Code(KeyCode::End), Key::Char('G')],
        KeyAction::End,
        None,
    ),
    bind(
        &[Key::Code(KeyCode::Enter)],
        KeyAction::Open,
        Some((
            "Enter",
            "open: chunks, chunk indexes, job history; on a problem, its row",
        )),
    ),
    bind(
        &[Key::Code(KeyCode::Esc)],
        KeyAction::Back,
        Some((
            "Esc",
            "back: close a drill-down, clear the filter, return to the problem list",
        )),
    ),
    bind(
        &[Key::Char('/')],
        KeyAction::Filter,
        Some(("/", "filter rows (Enter keeps it, Esc clears it)")),
    ),
    bind(
        &[Key::Char('B')],
        KeyAction::WhoBlocks,
        Some((
            "B",
            "on a job or relation: the sessions blocking it (Activity)",
        )),
    ),
    bind(
        &[Key::Char('s'), Key::Char('>')],
        KeyAction::SortNext,
        Some((
            "s S i",
            "sort by next / previous column (also > <); i inverts",
        )),
    ),
    bind(
        &[Key::Char('S'), Key::Char('<')],
        KeyAction::SortPrevious,
        None,
    ),
    bind(&[Key::Char('i')], KeyAction::SortReverse, None),
    bind(
        &[Key::Char('[')],
        KeyAction::Zoom { longer: true },
        Some((
            "[ ]",
            "pictures: further back / nearer (1h 6h 24h 7d, recorded)",
        )),
    ),
    bind(&[Key::Char(']')], KeyAction::Zoom { longer: false }, None),
    bind(
        &[Key::Char('r')],
        KeyAction::Refresh,
        Some(("r", "refresh now (retry now when disconnected)")),
    ),
    bind(
        &[Key::Char('?')],
        KeyAction::Help,
        Some(("?", "show / hide this help")),
    ),
    bind(
        &[Key::Char('q')],
        KeyAction::Quit,
        Some(("q Ctrl-C", "quit")),
    ),
];

/// What `key` does on a tab, if the table has it (a tab's own uppercase keys are not here).
pub fn action(key: &KeyEvent) -> Option<KeyAction> {
    let binding = BINDINGS
        .iter()
        .find(|b| b.keys.iter().any(|k| k.hit(key)))?;
    Some(match (binding.action, key.code) {
        (KeyAction::SwitchTab(_), KeyCode::Char(k)) => KeyAction::SwitchTab(digit(k)),
        (action, _) => action,
    })
}

/// Every key, for the help: the palette, the tabs' own keys, then the rest.
pub fn help() -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = BINDINGS
        .iter()
        .filter_map(|b| b.help)
        .map(|(keys, what)| {
            let keys = keys.replace("1-N", &Key::Digit.label());
            (keys, what.to_string())
        })
        .collect();
    let mut out = vec![rows[0].clone()];
    out.extend(screens::screen_keys_help());
    out.extend(rows.into_iter().skip(1));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each binding's keys are named in its help row (its own, or the row it is shown with).
    #[test]
    fn help_names_every_key_the_table_matches() {
        let mut row: Option<(&str, &str)> = None;
        for b in BINDINGS {
            row = b.help.or(row);
            let (keys, what) = row.expect("the first binding has a help row");
            let shown = format!("{} {what}", keys.replace("1-N", &Key::Digit.label()));
            for k in b.keys {
                let label = k.label();
                assert!(
                    shown.contains(&label),
                    "{label} ({:?}) is not in its help: {shown}",
                    b.action
                );
            }
        }
        // And what help says is what the table does.
        let press = |code| action(&KeyEvent::new(code, KeyModifiers::NONE));
        assert_eq!(press(KeyCode::Char('G')), Some(KeyAction::End));
        assert_eq!(press(KeyCode::PageUp), Some(KeyAction::Move(-PAGE)));
        assert_eq!(press(KeyCode::Char('1')), Some(KeyAction::SwitchTab(1)));
        if let Some(past) = char::from_digit(Tab::count() as u32 + 1, 10) {
            assert_eq!(press(KeyCode::Char(past)), None);
        }
        assert_eq!(
            action(&KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
            Some(KeyAction::Palette)
        );
        assert_eq!(press(KeyCode::Char('p')), None);
        assert_eq!(press(KeyCode::Char('T')), None, "a tab's own key");
    }

    /// No key is bound twice (the first binding would hide the second).
    #[test]
    fn no_key_is_bound_twice() {
        let keys: Vec<Key> = BINDINGS
            .iter()
            .flat_map(|b| b.keys.iter().copied())
            .collect();
        for (i, k) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(k), "{k:?} is bound twice");
        }
    }
}
