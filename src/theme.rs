//! Semantic styles, read from the TOML files in `themes/` (embedded at build time). `mono`
//! (no colour) is chosen when NO_COLOR is set or TERM is dumb/unset, so odd TERM setups over SSH
//! stay readable.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Built-in themes: name and TOML text.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../themes/default.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../themes/mono.toml")),
];

#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    pub header: Style,
    pub label: Style,
    pub value: Style,
    pub ok: Style,
    pub warn: Style,
    pub critical: Style,
    pub muted: Style,
    pub status: Style,
    pub border: Style,
    pub selection: Style,
    pub tab: Style,
    pub tab_active: Style,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    modifiers: Vec<String>,
}

const ROLES: &[&str] = &[
    "header",
    "label",
    "value",
    "ok",
    "warn",
    "critical",
    "muted",
    "status",
    "border",
    "selection",
    "tab",
    "tab_active",
];

fn colour(role: &str, s: &str) -> Result<Color, String> {
    if s == "default" {
        return Ok(Color::Reset);
    }
    Color::from_str(s).map_err(|_| format!("[{role}]: unknown colour \"{s}\""))
}

fn style(role: &str, spec: &RoleSpec) -> Result<Style, String> {
    let mut st = Style::new();
    if let Some(fg) = &spec.fg {
        st = st.fg(colour(role, fg)?);
    }
    if let Some(bg) = &spec.bg {
        st = st.bg(colour(role, bg)?);
    }
    for m in &spec.modifiers {
        st = st.add_modifier(match m.as_str() {
            "bold" => Modifier::BOLD,
            "dim" => Modifier::DIM,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            other => return Err(format!("[{role}]: unknown modifier \"{other}\"")),
        });
    }
    Ok(st)
}

impl Theme {
    /// Parses a theme file; unknown roles or keys are errors, missing roles are unstyled.
    pub fn parse(name: &str, text: &str) -> Result<Theme, String> {
        let roles: BTreeMap<String, RoleSpec> =
            toml::from_str(text).map_err(|e| format!("theme \"{name}\": {e}"))?;
        if let Some(unknown) = roles.keys().find(|k| !ROLES.contains(&k.as_str())) {
            return Err(format!(
                "theme \"{name}\": unknown role [{unknown}] (roles: {})",
                ROLES.join(", ")
            ));
        }
        let get = |role: &str| {
            roles
                .get(role)
                .map_or(Ok(Style::new()), |spec| style(role, spec))
                .map_err(|e| format!("theme \"{name}\" {e}"))
        };
        Ok(Theme {
            name: name.to_string(),
            header: get("header")?,
            label: get("label")?,
            value: get("value")?,
            ok: get("ok")?,
            warn: get("warn")?,
            critical: get("critical")?,
            muted: get("muted")?,
            status: get("status")?,
            border: get("border")?,
            selection: get("selection")?,
            tab: get("tab")?,
            tab_active: get("tab_active")?,
        })
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Theme> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, text)| Theme::parse(n, text).expect("built-in themes are valid"))
    }

    pub fn mono() -> Theme {
        Theme::builtin("mono").expect("mono is built in")
    }

    /// Picks the theme for this terminal: mono under NO_COLOR or TERM=dumb/unset.
    pub fn for_environment(no_color: bool, term: Option<&str>) -> Theme {
        Theme::builtin(Self::environment_name(no_color, term)).expect("built in")
    }

    fn environment_name(no_color: bool, term: Option<&str>) -> &'static str {
        if no_color || matches!(term, Some("dumb") | None) {
            "mono"
        } else {
            "default"
        }
    }

    /// The theme to use: `choice` is a name or a path to a `.toml` file (None: chosen from the
    /// environment). A file `<config_dir>/themes/<name>.toml` overrides the built-in of that
    /// name. Errors say what is wrong and where, before the terminal is touched.
    pub fn resolve(
        choice: Option<&str>,
        config_dir: Option<&std::path::Path>,
        no_color: bool,
        term: Option<&str>,
    ) -> Result<Theme, String> {
        let read = |path: &std::path::Path, name: &str| -> Result<Theme, String> {
            // a theme is a few hundred bytes
            let text = crate::paths::read_text(path, 64 * 1024)
                .map_err(|e| format!("theme: {}", e.said(path)))?
                .ok_or_else(|| format!("cannot read theme {}: no such file", path.display()))?;
            Theme::parse(name, &text).map_err(|e| format!("{e} (in {})", path.display()))
        };
        let name = match choice {
            Some(c) if c.contains('/') || c.ends_with(".toml") => {
                let path = std::path::Path::new(c);
                let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(c);
                return read(path, stem);
            }
            Some(c) => c,
            None => Self::environment_name(no_color, term),
        };
        if let Some(user) = config_dir.map(|d| d.join("themes").join(format!("{name}.toml"))) {
            if user.exists() {
                return read(&user, name);
            }
        }
        Theme::builtin(name).ok_or_else(|| {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            format!(
                "unknown theme \"{name}\" (built in: {}; or a path to a .toml file)",
                names.join(", ")
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_parse() {
        for (name, text) in BUILTIN {
            Theme::parse(name, text).unwrap();
        }
        assert_eq!(Theme::builtin("default").unwrap().ok.fg, Some(Color::Green));
        assert_eq!(Theme::mono().ok.fg, None, "mono uses no colour");
    }

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

    #[test]
    fn themes_resolve_by_name_path_and_user_override() {
        let dir = tempfile::tempdir().unwrap();
        let pick =
            |choice: Option<&str>| Theme::resolve(choice, Some(dir.path()), false, Some("xterm"));
        assert_eq!(pick(None).unwrap().name, "default");
        assert_eq!(pick(Some("high-contrast")).unwrap().name, "high-contrast");
        let e = pick(Some("solarized")).unwrap_err();
        assert!(
            e.contains("unknown theme \"solarized\"") && e.contains("light"),
            "{e}"
        );
        // A user file of a built-in's name wins.
        std::fs::create_dir_all(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/light.toml"),
            "[ok]\nfg = \"magenta\"\n",
        )
        .unwrap();
        assert_eq!(pick(Some("light")).unwrap().ok.fg, Some(Color::Magenta));
        // A path, and a broken file named in the error.
        let bad = dir.path().join("bad.toml");
        std::fs::write(&bad, "[ok]\nfg = \"nope\"\n").unwrap();
        let e = pick(Some(bad.to_str().unwrap())).unwrap_err();
        assert!(
            e.contains("unknown colour \"nope\"") && e.contains("bad.toml"),
            "{e}"
        );
        let e = pick(Some("/does/not/exist.toml")).unwrap_err();
        assert!(e.contains("cannot read theme /does/not/exist.toml"), "{e}");
        assert_eq!(
            Theme::resolve(None, None, true, Some("xterm"))
                .unwrap()
                .name,
            "mono"
        );
    }

    #[test]
    fn broken_themes_are_clear_errors() {
        let e = Theme::parse("x", "[header]\nfg = \"chartreuse-ish\"\n").unwrap_err();
        assert!(e.contains("unknown colour \"chartreuse-ish\""), "{e}");
        let e = Theme::parse("x", "[headr]\n").unwrap_err();
        assert!(e.contains("unknown role [headr]"), "{e}");
        let e = Theme::parse("x", "[header]\ncolour = \"red\"\n").unwrap_err();
        assert!(e.contains("unknown field"), "{e}");
        let e = Theme::parse("x", "[header]\nmodifiers = [\"blink-fast\"]\n").unwrap_err();
        assert!(e.contains("unknown modifier"), "{e}");
        // "default" keeps the terminal's own colour.
        let t = Theme::parse("x", "[status]\nbg = \"default\"\n").unwrap();
        assert_eq!(t.status.bg, Some(Color::Reset));
    }
}
