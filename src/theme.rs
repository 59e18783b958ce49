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

/// Why a theme is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ThemeError {
    /// Not TOML of a theme (TOML's reason).
    Toml { name: String, error: String },
    /// A role hypertop does not draw.
    UnknownRole { name: String, role: String },
    /// A role's colour or modifier.
    Style { name: String, fault: StyleFault },
    /// The file could not be read.
    Read {
        path: std::path::PathBuf,
        error: crate::paths::FileError,
    },
    /// No such file.
    Missing { path: std::path::PathBuf },
    /// The file's theme is refused.
    InFile {
        path: std::path::PathBuf,
        error: Box<ThemeError>,
    },
    /// Neither built in nor a file.
    Unknown { name: String },
}

/// What is wrong with a role's style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StyleFault {
    Colour { role: String, colour: String },
    Modifier { role: String, modifier: String },
}

impl std::fmt::Display for ThemeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ThemeError::Toml { name, error } => write!(f, "theme \"{name}\": {error}"),
            ThemeError::UnknownRole { name, role } => write!(
                f,
                "theme \"{name}\": unknown role [{role}] (roles: {})",
                ROLES.join(", ")
            ),
            ThemeError::Style { name, fault } => match fault {
                StyleFault::Colour { role, colour } => {
                    write!(f, "theme \"{name}\" [{role}]: unknown colour \"{colour}\"")
                }
                StyleFault::Modifier { role, modifier } => write!(
                    f,
                    "theme \"{name}\" [{role}]: unknown modifier \"{modifier}\""
                ),
            },
            ThemeError::Read { path, error } => write!(f, "theme: {}", error.said(path)),
            ThemeError::Missing { path } => {
                write!(f, "cannot read theme {}: no such file", path.display())
            }
            ThemeError::InFile { path, error } => write!(f, "{error} (in {})", path.display()),
            ThemeError::Unknown { name } => {
                let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
                write!(
                    f,
                    "unknown theme \"{name}\" (built in: {}; or a path to a .toml file)",
                    names.join(", ")
                )
            }
        }
    }
}

impl std::error::Error for ThemeError {}

fn colour(role: &str, s: &str) -> Result<Color, StyleFault> {
    if s == "default" {
        return Ok(Color::Reset);
    }
    Color::from_str(s).map_err(|_| StyleFault::Colour {
        role: role.to_string(),
        colour: s.to_string(),
    })
}

fn style(role: &str, spec: &RoleSpec) -> Result<Style, StyleFault> {
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
            other => {
                return Err(StyleFault::Modifier {
                    role: role.to_string(),
                    modifier: other.to_string(),
                })
            }
        });
    }
    Ok(st)
}

impl Theme {
    /// Parses a theme file; unknown roles or keys are errors, missing roles are unstyled.
    pub fn parse(name: &str, text: &str) -> Result<Theme, ThemeError> {
        let roles: BTreeMap<String, RoleSpec> =
            toml::from_str(text).map_err(|e| ThemeError::Toml {
                name: name.to_string(),
                error: e.to_string(),
            })?;
        if let Some(unknown) = roles.keys().find(|k| !ROLES.contains(&k.as_str())) {
            return Err(ThemeError::UnknownRole {
                name: name.to_string(),
                role: unknown.clone(),
            });
        }
        let get = |role: &str| {
            roles
                .get(role)
                .map_or(Ok(Style::new()), |spec| style(role, spec))
                .map_err(|fault| ThemeError::Style {
                    name: name.to_string(),
                    fault,
                })
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
    ) -> Result<Theme, ThemeError> {
        let read = |path: &std::path::Path, name: &str| -> Result<Theme, ThemeError> {
            // a theme is a few hundred bytes
            let text = crate::paths::read_text(path, 64 * 1024)
                .map_err(|error| ThemeError::Read {
                    path: path.to_path_buf(),
                    error,
                })?
                .ok_or_else(|| ThemeError::Missing {
                    path: path.to_path_buf(),
                })?;
            Theme::parse(name, &text).map_err(|e| ThemeError::InFile {
                path: path.to_path_buf(),
                error: Box::new(e),
            })
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
        Theme::builtin(name).ok_or_else(|| ThemeError::Unknown {
            name: name.to_string(),
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
        let e = pick(Some("solarized")).unwrap_err().to_string();
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
        let e = pick(Some(bad.to_str().unwrap())).unwrap_err().to_string();
        assert!(
            e.contains("unknown colour \"nope\"") && e.contains("bad.toml"),
            "{e}"
        );
        let e = pick(Some("/does/not/exist.toml")).unwrap_err();
        assert!(matches!(e, ThemeError::Missing { .. }), "{e}");
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
        assert!(
            e.to_string()
                .contains("[header]: unknown colour \"chartreuse-ish\""),
            "{e}"
        );
        let e = Theme::parse("x", "[headr]\n").unwrap_err();
        assert!(matches!(e, ThemeError::UnknownRole { role, .. } if role == "headr"));
        let e = Theme::parse("x", "[header]\ncolour = \"red\"\n").unwrap_err();
        assert!(e.to_string().contains("unknown field"), "{e}");
        let e = Theme::parse("x", "[header]\nmodifiers = [\"blink-fast\"]\n").unwrap_err();
        assert!(
            matches!(
                e,
                ThemeError::Style {
                    fault: StyleFault::Modifier { .. },
                    ..
                }
            ),
            "{e}"
        );
        // "default" keeps the terminal's own colour.
        let t = Theme::parse("x", "[status]\nbg = \"default\"\n").unwrap();
        assert_eq!(t.status.bg, Some(Color::Reset));
    }
}
