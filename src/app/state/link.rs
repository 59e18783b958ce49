//! The member's link: connected, connecting, or down and when it is retried.

use super::*;

impl AppState {
    /// Returns true when this is a new session (the caller then refreshes everything).
    pub fn on_link(&mut self, status: &LinkStatus) -> bool {
        self.link = status.state.clone();
        if let LinkState::Disconnected { error, .. } = &status.state {
            self.data.failed(Utc::now(), &error.to_string());
        }
        if let Some(caps) = &status.caps {
            self.data.set_caps(caps);
        }
        // a client is published exactly while the state is Connected (link::connected_status)
        let fresh =
            matches!(status.state, LinkState::Connected) && status.generation != self.generation;
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
