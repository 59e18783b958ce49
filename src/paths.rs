//! Where hypertop keeps user files, following the XDG base directories.

use std::path::PathBuf;

/// `$XDG_CONFIG_HOME/hypertop`, else `~/.config/hypertop` (None without a home directory).
pub fn config_dir() -> Option<PathBuf> {
    base("XDG_CONFIG_HOME", ".config").map(|d| d.join("hypertop"))
}

fn base(var: &str, fallback: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(v) if !v.is_empty() && PathBuf::from(&v).is_absolute() => Some(PathBuf::from(v)),
        _ => std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(fallback)),
    }
}
