//! Semantic styles. `mono` (no colour) is chosen when NO_COLOR is set or the terminal reports no
//! colour support, so odd TERM setups over SSH stay readable.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: &'static str,
    pub header: Style,
    pub label: Style,
    pub value: Style,
    pub ok: Style,
    pub warn: Style,
    pub critical: Style,
    pub muted: Style,
    pub status: Style,
    pub border: Style,
}

impl Theme {
    pub fn default_dark() -> Theme {
        Theme {
            name: "default",
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            label: Style::new().fg(Color::Gray),
            value: Style::new(),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            critical: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            muted: Style::new().fg(Color::DarkGray),
            status: Style::new().add_modifier(Modifier::REVERSED),
            border: Style::new().fg(Color::DarkGray),
        }
    }

    /// No colour at all; emphasis by bold/reverse only.
    pub fn mono() -> Theme {
        Theme {
            name: "mono",
            header: Style::new().add_modifier(Modifier::BOLD),
            label: Style::new(),
            value: Style::new(),
            ok: Style::new(),
            warn: Style::new().add_modifier(Modifier::BOLD),
            critical: Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            muted: Style::new().add_modifier(Modifier::DIM),
            status: Style::new().add_modifier(Modifier::REVERSED),
            border: Style::new(),
        }
    }

    /// Picks the theme for this terminal: mono under NO_COLOR or TERM=dumb.
    pub fn for_environment(no_color: bool, term: Option<&str>) -> Theme {
        if no_color || matches!(term, Some("dumb") | None) {
            Theme::mono()
        } else {
            Theme::default_dark()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_selects_mono() {
        assert_eq!(
            Theme::for_environment(true, Some("xterm-256color")).name,
            "mono"
        );
        assert_eq!(Theme::for_environment(false, Some("dumb")).name, "mono");
        assert_eq!(
            Theme::for_environment(false, Some("screen-256color")).name,
            "default"
        );
    }
}
