//! `~/.config/hypertop/config.toml`: named profiles (connection, read-only, theme, refresh,
//! check thresholds). Strict: unknown keys are errors with their line. Passwords never live
//! here (pgpass, PGPASSWORD or the prompt).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::conninfo::parse as conninfo_parse;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A connection string or URL; the fields below add to or override it.
    pub conninfo: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
    pub sslrootcert: Option<String>,
    pub service: Option<String>,
    pub application_name: Option<String>,
    pub read_only: Option<bool>,
    pub theme: Option<String>,
    /// Durations as on the command line: `2s`, `500ms`, `1m` or seconds.
    pub refresh: Option<String>,
    pub statement_timeout: Option<String>,
    pub lock_timeout: Option<String>,
    pub journal: Option<PathBuf>,
    pub check: Option<CheckLimits>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckLimits {
    pub max_cagg_lag: Option<String>,
    pub max_backlog_chunks: Option<i64>,
    pub critical_failures: Option<i32>,
    pub unused_index_bytes: Option<i64>,
}

/// `$XDG_CONFIG_HOME/hypertop/config.toml` (default `~/.config/hypertop/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    crate::paths::config_dir().map(|d| d.join("config.toml"))
}

/// Parses a config file's text; errors name the file and line.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, String> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let mut msg = format!(
            "{}{}: {}",
            path.display(),
            line.map(|l| format!(":{l}")).unwrap_or_default(),
            e.message()
        );
        if e.message().contains("`password`") {
            msg.push_str(" (passwords are not kept in the config file: use ~/.pgpass, PGPASSWORD or the prompt)");
        }
        msg
    })
}

/// Reads the config file (a missing file is an empty config).
pub fn load(path: &Path) -> Result<ConfigFile, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ConfigFile::default()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

impl ConfigFile {
    pub fn profile(&self, name: &str, path: &Path) -> Result<Profile, String> {
        self.profiles.get(name).cloned().ok_or_else(|| {
            let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
            format!(
                "no profile \"{name}\" in {} ({})",
                path.display(),
                if known.is_empty() {
                    "it defines none".to_string()
                } else {
                    format!("profiles: {}", known.join(", "))
                }
            )
        })
    }
}

fn quote(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `key='value' …`, values quoted for libpq.
fn keyword_value(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", quote(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The connection string to use: the profile's (see [`profile_conninfo`]) with the command
/// line's connection string (or bare database name) winning key by key.
pub fn merge_conninfo(
    profile: Option<String>,
    cli: Option<String>,
) -> Result<Option<String>, String> {
    Ok(match (cli, profile) {
        (Some(c), Some(p))
            if conninfo_parse::looks_like_conninfo(&c) || conninfo_parse::is_url(&c) =>
        {
            let pairs = conninfo_parse::parse(&c).map_err(|e| e.0)?;
            Some(format!("{p} {}", keyword_value(&pairs)))
        }
        (Some(db), Some(p)) => Some(format!("{p} {}", keyword_value(&[("dbname".into(), db)]))),
        (c, p) => c.or(p),
    })
}

/// The profile's connection as a keyword/value string, without the keywords the command line
/// sets (`overridden`: host, port, user, dbname given as flags), so flags win.
pub fn profile_conninfo(p: &Profile, overridden: &[&str]) -> Result<Option<String>, String> {
    let mut pairs: Vec<(String, String)> = match &p.conninfo {
        Some(c) => conninfo_parse::parse(c).map_err(|e| format!("profile conninfo: {}", e.0))?,
        None => Vec::new(),
    };
    let fields = [
        ("host", p.host.clone()),
        ("port", p.port.map(|n| n.to_string())),
        ("user", p.user.clone()),
        ("dbname", p.dbname.clone()),
        ("sslmode", p.sslmode.clone()),
        ("sslrootcert", p.sslrootcert.clone()),
        ("service", p.service.clone()),
        ("application_name", p.application_name.clone()),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            pairs.retain(|(key, _)| key != k);
            pairs.push((k.to_string(), v));
        }
    }
    pairs.retain(|(k, _)| !overridden.contains(&k.as_str()));
    if pairs.is_empty() {
        return Ok(None);
    }
    Ok(Some(keyword_value(&pairs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let p = Path::new("/x/config.toml");
        let e = parse(p, "[profiles.prod]\nhost = \"db1\"\nhots = \"x\"\n").unwrap_err();
        assert!(
            e.starts_with("/x/config.toml:3:") && e.contains("unknown field `hots`"),
            "{e}"
        );
        let e = parse(p, "[profiles.prod]\npassword = \"s3cret\"\n").unwrap_err();
        assert!(e.contains("passwords are not kept"), "{e}");
        let e = parse(p, "[profiles.prod.check]\nmax_cag_lag = \"1h\"\n").unwrap_err();
        assert!(e.contains(":2:"), "{e}");
        let c = parse(p, "[profiles.prod]\nconninfo = \"postgres://mon@db1/metrics\"\nport = 6432\nread_only = true\n[profiles.prod.check]\nmax_backlog_chunks = 10\n").unwrap();
        let prod = c.profile("prod", p).unwrap();
        assert_eq!(prod.read_only, Some(true));
        assert_eq!(prod.check.unwrap().max_backlog_chunks, Some(10));
        assert!(c.profile("dev", p).unwrap_err().contains("profiles: prod"));
    }

    #[test]
    fn flags_override_profile_connections() {
        let p = Profile {
            conninfo: Some("postgres://mon@db1:5432/metrics?sslmode=require".into()),
            port: Some(6432),
            ..Default::default()
        };
        let s = profile_conninfo(&p, &[]).unwrap().unwrap();
        assert!(
            s.contains("host='db1'")
                && s.contains("port='6432'")
                && s.contains("sslmode='require'"),
            "{s}"
        );
        assert!(!s.contains("5432"), "{s}");
        let s = profile_conninfo(&p, &["host", "dbname"]).unwrap().unwrap();
        assert!(!s.contains("host=") && !s.contains("dbname="), "{s}");
        assert_eq!(profile_conninfo(&Profile::default(), &[]).unwrap(), None);
        let odd = Profile {
            dbname: Some("it's a \\ db".into()),
            ..Default::default()
        };
        assert_eq!(
            profile_conninfo(&odd, &[]).unwrap().unwrap(),
            "dbname='it\\'s a \\\\ db'"
        );
    }
}
