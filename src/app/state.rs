//! The UI state and how keys, query results and link changes update it. Pure: no I/O.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::capabilities::Capabilities;
use crate::link::{LinkState, LinkStatus};
use crate::model::{Payload, Summary};
use crate::poller::QueryResult;

/// Every key, shown by the `?` overlay. One list, so help never drifts from behaviour.
pub const KEYS: &[(&str, &str)] = &[
    ("?", "show / hide this help"),
    ("r", "refresh now (retry now when disconnected)"),
    ("q", "quit"),
    ("Ctrl-C", "quit"),
    ("Esc", "close help"),
];

/// What the event loop must do after an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    None,
    Redraw,
    Refresh,
    Quit,
}

pub struct AppState {
    /// `user@host:port/dbname`, for the header.
    pub target_short: String,
    pub refresh_every: Duration,
    pub utc: bool,
    pub read_only: bool,
    pub link: LinkState,
    pub caps: Option<Capabilities>,
    pub summary: Option<Summary>,
    pub last_refresh: Option<(DateTime<Utc>, Duration)>,
    pub last_error: Option<(DateTime<Utc>, String)>,
    pub show_help: bool,
    generation: u64,
}

impl AppState {
    pub fn new(target_short: String, refresh_every: Duration, utc: bool, read_only: bool) -> Self {
        AppState {
            target_short,
            refresh_every,
            utc,
            read_only,
            link: LinkState::Connecting,
            caps: None,
            summary: None,
            last_refresh: None,
            last_error: None,
            show_help: false,
            generation: 0,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Command {
        if key.kind == KeyEventKind::Release {
            return Command::None;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('c') if ctrl => Command::Quit,
            KeyCode::Char('q') => Command::Quit,
            KeyCode::Char('?') => {
                self.show_help = !self.show_help;
                Command::Redraw
            }
            KeyCode::Esc if self.show_help => {
                self.show_help = false;
                Command::Redraw
            }
            KeyCode::Char('r') => Command::Refresh,
            _ => Command::None,
        }
    }

    pub fn on_result(&mut self, r: QueryResult) {
        match r.result {
            Ok(Payload::Summary(s)) => {
                self.summary = Some(s);
                self.last_refresh = Some((r.finished_at, r.elapsed));
            }
            Err(e) => self.last_error = Some((r.finished_at, e)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    fn state() -> AppState {
        AppState::new("host=h".into(), Duration::from_secs(2), true, false)
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
    fn help_toggles_and_esc_closes_it() {
        let mut s = state();
        s.on_key(key(KeyCode::Char('?')));
        assert!(s.show_help);
        assert_eq!(s.on_key(key(KeyCode::Esc)), Command::Redraw);
        assert!(!s.show_help);
        assert_eq!(s.on_key(key(KeyCode::Esc)), Command::None);
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
    fn errors_are_kept_until_replaced() {
        let mut s = state();
        s.on_result(QueryResult {
            kind: crate::model::QueryKind::Summary,
            result: Err("permission denied".into()),
            elapsed: Duration::from_millis(3),
            finished_at: Utc::now(),
        });
        assert_eq!(s.last_error.as_ref().unwrap().1, "permission denied");
        assert!(s.summary.is_none());
    }
}
