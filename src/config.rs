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
    /// Who plans a statement's generic plan: a role name, or `{role}` (see `--plan-login`).
    pub plan_login: Option<String>,
    pub check: Option<CheckLimits>,
    /// `hypertop record`'s interval and bounds.
    pub record: Option<RecordSettings>,
    /// The team's store (a connection string): `record` writes there, every reader reads there.
    pub record_into: Option<String>,
}

/// `[profiles.NAME.record]`: as `record`'s flags (which override them).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecordSettings {
    /// Between reads (default 60s).
    pub every: Option<String>,
    /// Frames older than this are dropped (default 90d).
    pub max_age: Option<String>,
    /// The store's size at most, `256MiB` (the default), `1GiB`.
    pub max_size: Option<String>,
    /// The console and the exporter record what they read too (default true).
    pub console: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CheckLimits {
    pub max_cagg_lag: Option<String>,
    pub max_backlog_chunks: Option<i64>,
    pub critical_failures: Option<i32>,
    pub unused_index_bytes: Option<i64>,
    /// How old statistics must be before an index never scanned is called unused.
    pub unused_after: Option<String>,
    /// A job running this many times its usual run (default 5), and at least `long_run_floor`
    /// (default 10m), is a problem.
    pub long_run_factor: Option<f64>,
    pub long_run_floor: Option<String>,
    /// Compressed chunks less than this many times smaller are advice (default 2).
    pub min_compression_ratio: Option<f64>,
    /// A segmentby leaving fewer rows per segment in a chunk is advice (default 100).
    pub min_rows_per_segment: Option<f64>,
    /// The share of effective_cache_size the chunks being written should fit in (default 0.25).
    pub recent_chunks_memory_share: Option<f64>,
    /// A median chunk smaller than this (bytes; default 10 MiB) is advice, from
    /// `small_chunks_from` chunks (default 100).
    pub small_chunk_bytes: Option<i64>,
    pub small_chunks_from: Option<i64>,
    /// A hypertable without retention reaching this size (bytes; default 100 GiB) within a
    /// year is advice.
    pub retention_size_limit: Option<i64>,
}

/// Who may plan: the `plan_login` setting, read as a role name or `{role}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanLogin {
    /// The target's own user: planned only where it holds no more than the statement's role.
    Target,
    /// A login of its own for planning (one with no rights of its own but the author's).
    Named(String),
    /// The statement's own role, logging in itself (`{role}`; its password from the password
    /// file or `PGPASSWORD`).
    Author,
}

/// Why the config file, a profile or a setting of it is refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// `plan_login = ""`.
    EmptyPlanLogin,
    /// A plan_login longer than a role name.
    PlanLoginTooLong { text: String },
    /// A plan_login with a NUL.
    PlanLoginNul,
    /// The file is not TOML of a config (TOML's reason, at `line`); `password` when the key
    /// refused is a password.
    Syntax {
        path: PathBuf,
        line: Option<usize>,
        message: String,
        password: bool,
    },
    /// The file could not be read.
    Read {
        path: PathBuf,
        error: crate::paths::FileError,
    },
    /// No profile of that name; `known` are the file's.
    NoProfile {
        name: String,
        path: PathBuf,
        known: Vec<String>,
    },
    /// The command line's connection string does not parse (why).
    Conninfo(crate::conninfo::parse::SyntaxError),
    /// The profile's connection string does not parse (why).
    ProfileConninfo(crate::conninfo::parse::SyntaxError),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::EmptyPlanLogin => {
                write!(f, "plan_login is empty: give a role name or {{role}}")
            }
            ConfigError::PlanLoginTooLong { text } => write!(
                f,
                "plan_login {} is longer than a role name can be (63 bytes)",
                crate::format::printable(text)
            ),
            ConfigError::PlanLoginNul => write!(f, "plan_login contains a NUL character"),
            ConfigError::Syntax {
                path,
                line,
                message,
                password,
            } => {
                write!(f, "{}", path.display())?;
                if let Some(l) = line {
                    write!(f, ":{l}")?;
                }
                write!(f, ": {message}")?;
                if *password {
                    f.write_str(" (passwords are not kept in the config file: use ~/.pgpass, PGPASSWORD or the prompt)")?;
                }
                Ok(())
            }
            ConfigError::Read { path, error } => f.write_str(&error.said(path)),
            ConfigError::NoProfile { name, path, known } => write!(
                f,
                "no profile \"{name}\" in {} ({})",
                path.display(),
                if known.is_empty() {
                    "it defines none".to_string()
                } else {
                    format!("profiles: {}", known.join(", "))
                }
            ),
            ConfigError::Conninfo(why) => why.fmt(f),
            ConfigError::ProfileConninfo(why) => write!(f, "profile conninfo: {why}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl PlanLogin {
    /// `{role}` or a role name.
    pub fn parse(text: &str) -> Result<PlanLogin, ConfigError> {
        match text.trim() {
            "{role}" => Ok(PlanLogin::Author),
            "" => Err(ConfigError::EmptyPlanLogin),
            t if t.len() > 63 => Err(ConfigError::PlanLoginTooLong {
                text: t.to_string(),
            }),
            t if t.contains('\0') => Err(ConfigError::PlanLoginNul),
            t => Ok(PlanLogin::Named(t.to_string())),
        }
    }
}

/// `$XDG_CONFIG_HOME/hypertop/config.toml` (default `~/.config/hypertop/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    crate::paths::config_dir().map(|d| d.join("config.toml"))
}

/// Parses a config file's text; errors name the file and line.
pub fn parse(path: &Path, text: &str) -> Result<ConfigFile, ConfigError> {
    toml::from_str::<ConfigFile>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        ConfigError::Syntax {
            path: path.to_path_buf(),
            line,
            message: e.message().to_string(),
            // the refused key, read from the file where the parser points
            password: e
                .span()
                .and_then(|s| text.get(s))
                .map(|k| k.trim_matches(['"', '\'']))
                == Some("password"),
        }
    })
}

/// Reads the config file (a missing file is an empty config); one that holds a password
/// others may read is said so on stderr (it is read all the same: refusing would stop a
/// service at 3 a.m. for a mode).
pub fn load(path: &Path) -> Result<ConfigFile, ConfigError> {
    let text = load_text(path)?;
    if let Some(warning) = exposed_password(path, &text) {
        eprintln!("hypertop: {warning}");
    }
    parse(path, &text)
}

/// A warning when `text` (the file at `path`) names a `password=` in a connection string and
/// users other than its owner may read the file.
pub fn exposed_password(path: &Path, text: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let holds = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .any(|l| l.contains("password=") || l.contains("password ="));
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (holds && mode & 0o044 != 0).then(|| {
        format!(
            "{} holds a password (password=) and other users may read it (mode {mode:o}): chmod 600 it, or give the password in a pgpass file (a service: its credential, LoadCredential=pgpass:…)",
            crate::format::printable(&path.display().to_string())
        )
    })
}

/// The config file's text ("" when there is none).
pub fn load_text(path: &Path) -> Result<String, ConfigError> {
    // a config of a thousand profiles is well within this bound
    Ok(crate::paths::read_text(path, 4 * 1024 * 1024)
        .map_err(|error| ConfigError::Read {
            path: path.to_path_buf(),
            error,
        })?
        .unwrap_or_default())
}

impl ConfigFile {
    pub fn profile(&self, name: &str, path: &Path) -> Result<Profile, ConfigError> {
        self.profiles
            .get(name)
            .cloned()
            .ok_or_else(|| ConfigError::NoProfile {
                name: name.to_string(),
                path: path.to_path_buf(),
                known: self.profiles.keys().cloned().collect(),
            })
    }
}

/// A profile's settings as they will be used: durations parsed and bounded (the same rule as
/// the flags), the sslmode and theme known, the connection string valid.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checked {
    pub refresh: Option<std::time::Duration>,
    pub statement_timeout: Option<std::time::Duration>,
    pub lock_timeout: Option<std::time::Duration>,
    pub max_cagg_lag: Option<std::time::Duration>,
    pub unused_after: Option<std::time::Duration>,
    pub long_run_floor: Option<std::time::Duration>,
    pub record_every: Option<std::time::Duration>,
    pub record_max_age: Option<std::time::Duration>,
    pub record_max_size: Option<u64>,
}

/// A setting that would fail when used: which key (dotted, as in the file) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct SettingProblem {
    pub key: &'static str,
    pub message: String,
}

impl Profile {
    /// Every setting checked as it will be used (one validation for `config check` and for
    /// starting with the profile); all problems, not just the first.
    pub fn check(&self, config_dir: Option<&Path>) -> Result<Checked, Vec<SettingProblem>> {
        use crate::cli::{duration_at_least, MIN_REFRESH, MIN_TIMEOUT};
        let mut problems = Vec::new();
        let mut duration = |key: &'static str, text: Option<&String>, min| {
            text.and_then(|t| match duration_at_least(t, min) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(SettingProblem {
                        key,
                        message: e.to_string(),
                    });
                    None
                }
            })
        };
        let mut timeout_problems = Vec::new();
        let mut timeout = |key: &'static str, text: Option<&String>| {
            text.and_then(|t| match crate::cli::parse_timeout(t) {
                Ok(d) => Some(d),
                Err(e) => {
                    timeout_problems.push(SettingProblem {
                        key,
                        message: e.to_string(),
                    });
                    None
                }
            })
        };
        let check = self.check.clone().unwrap_or_default();
        let record = self.record.clone().unwrap_or_default();
        let mut checked = Checked {
            refresh: duration("refresh", self.refresh.as_ref(), MIN_REFRESH),
            statement_timeout: timeout("statement_timeout", self.statement_timeout.as_ref()),
            lock_timeout: timeout("lock_timeout", self.lock_timeout.as_ref()),
            max_cagg_lag: duration(
                "check.max_cagg_lag",
                check.max_cagg_lag.as_ref(),
                MIN_TIMEOUT,
            ),
            unused_after: duration(
                "check.unused_after",
                check.unused_after.as_ref(),
                MIN_TIMEOUT,
            ),
            long_run_floor: duration(
                "check.long_run_floor",
                check.long_run_floor.as_ref(),
                MIN_TIMEOUT,
            ),
            record_every: duration(
                "record.every",
                record.every.as_ref(),
                crate::cli::MIN_RECORD_EVERY,
            ),
            record_max_age: duration(
                "record.max_age",
                record.max_age.as_ref(),
                crate::cli::MIN_RECORD_AGE,
            ),
            record_max_size: None,
        };
        if let Some(size) = &record.max_size {
            match crate::cli::parse_size(size) {
                Ok(b) => checked.record_max_size = Some(b),
                Err(e) => problems.push(SettingProblem {
                    key: "record.max_size",
                    message: e.to_string(),
                }),
            }
        }
        problems.extend(timeout_problems);
        if let Some(mode) = self
            .sslmode
            .as_deref()
            .filter(|m| !crate::conninfo::SSLMODES.contains(m))
        {
            problems.push(SettingProblem {
                key: "sslmode",
                message: format!(
                    "\"{mode}\" is not an sslmode ({})",
                    crate::conninfo::SSLMODES.join(", ")
                ),
            });
        }
        if let Some(theme) = &self.theme {
            if let Err(e) = crate::theme::Theme::resolve(Some(theme), config_dir, false, None) {
                problems.push(SettingProblem {
                    key: "theme",
                    message: e.to_string(),
                });
            }
        }
        if let Some(Err(e)) = self.plan_login.as_deref().map(PlanLogin::parse) {
            problems.push(SettingProblem {
                key: "plan_login",
                message: e.to_string(),
            });
        }
        if let Err(e) = profile_conninfo(self, &[]) {
            problems.push(SettingProblem {
                key: "conninfo",
                message: e.to_string(),
            });
        }
        for (key, value) in [
            ("check.max_backlog_chunks", check.max_backlog_chunks),
            ("check.unused_index_bytes", check.unused_index_bytes),
            ("check.small_chunk_bytes", check.small_chunk_bytes),
            ("check.small_chunks_from", check.small_chunks_from),
            ("check.retention_size_limit", check.retention_size_limit),
            (
                "check.critical_failures",
                check.critical_failures.map(i64::from),
            ),
        ] {
            if value.is_some_and(|v| v < 0) {
                problems.push(SettingProblem {
                    key,
                    message: "must not be negative".into(),
                });
            }
        }
        if let Some(r) = check
            .min_compression_ratio
            .filter(|r| !(r.is_finite() && *r >= 1.0))
        {
            problems.push(SettingProblem {
                key: "check.min_compression_ratio",
                message: format!("must be a number of times, 1 or more (got {r})"),
            });
        }
        if let Some(r) = check
            .min_rows_per_segment
            .filter(|r| !(r.is_finite() && *r >= 1.0))
        {
            problems.push(SettingProblem {
                key: "check.min_rows_per_segment",
                message: format!("must be a number of rows, 1 or more (got {r})"),
            });
        }
        if let Some(r) = check
            .recent_chunks_memory_share
            .filter(|r| !(r.is_finite() && *r > 0.0 && *r <= 1.0))
        {
            problems.push(SettingProblem {
                key: "check.recent_chunks_memory_share",
                message: format!("must be a share of memory above 0, at most 1 (got {r})"),
            });
        }
        if problems.is_empty() {
            Ok(checked)
        } else {
            Err(problems)
        }
    }
}

/// The line of `key` (`refresh`, `check.max_cagg_lag`) in profile `name`'s table, if written
/// there as `key = …` (tables `[profiles.NAME]`, `[profiles."NAME"]`, `[profiles.NAME.check]` and
/// `[profiles.NAME.record]`).
pub fn line_of(text: &str, name: &str, key: &str) -> Option<usize> {
    let (table_suffix, key) = match key.split_once('.') {
        Some((sub, k)) => (format!(".{sub}"), k),
        None => (String::new(), key),
    };
    let headers = [
        format!("[profiles.{name}{table_suffix}]"),
        format!("[profiles.\"{name}\"{table_suffix}]"),
    ];
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            inside = headers
                .iter()
                .any(|h| t.replace(' ', "") == h.replace(' ', ""));
        } else if inside
            && t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return Some(i + 1);
        }
    }
    None
}

/// Each problem of each profile as `path:line: profile NAME: key: message`.
pub fn problems(
    config: &ConfigFile,
    path: &Path,
    text: &str,
    config_dir: Option<&Path>,
) -> Vec<String> {
    config
        .profiles
        .iter()
        .flat_map(|(name, profile)| {
            profile
                .check(config_dir)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(move |p| {
                    let line = line_of(text, name, p.key)
                        .map(|l| format!(":{l}"))
                        .unwrap_or_default();
                    format!(
                        "{}{line}: profile {name}: {}: {}",
                        path.display(),
                        p.key,
                        p.message
                    )
                })
        })
        .collect()
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
) -> Result<Option<String>, ConfigError> {
    Ok(match (cli, profile) {
        (Some(c), Some(p))
            if conninfo_parse::looks_like_conninfo(&c) || conninfo_parse::is_url(&c) =>
        {
            let pairs = conninfo_parse::parse(&c).map_err(ConfigError::Conninfo)?;
            Some(format!("{p} {}", keyword_value(&pairs)))
        }
        (Some(db), Some(p)) => Some(format!("{p} {}", keyword_value(&[("dbname".into(), db)]))),
        (c, p) => c.or(p),
    })
}

/// The profile's connection as a keyword/value string, without the keywords the command line
/// sets (`overridden`: host, port, user, dbname given as flags), so flags win.
pub fn profile_conninfo(p: &Profile, overridden: &[&str]) -> Result<Option<String>, ConfigError> {
    let mut pairs: Vec<(String, String)> = match &p.conninfo {
        Some(c) => conninfo_parse::parse(c).map_err(ConfigError::ProfileConninfo)?,
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
    fn a_password_others_may_read_is_said_and_a_private_one_is_not() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("targets.toml");
        let with = "[profiles.a]\nconninfo = \"host=db1 user=m password=s3cret\"\n";
        let commented =
            "# conninfo = \"host=db1 password=example\"\n[profiles.a]\nhost = \"db1\"\n";
        for (text, mode, warned) in [
            (with, 0o644, true),
            (with, 0o640, true),
            (with, 0o600, false),
            (commented, 0o644, false),
        ] {
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let w = exposed_password(&path, text);
            assert_eq!(w.is_some(), warned, "{mode:o} {text}: {w:?}");
            assert!(w.is_none_or(|w| w.contains("chmod 600") && !w.contains("s3cret")));
        }
    }

    #[test]
    fn a_profile_sets_the_recorders_bounds_and_a_bad_one_is_said_where() {
        let p = Path::new("/x/config.toml");
        let text = "[profiles.bastion]\nhost = \"db1\"\n[profiles.bastion.record]\nevery = \"30s\"\nmax_age = \"14d\"\nmax_size = \"1GiB\"\n";
        let c = parse(p, text).unwrap();
        let checked = c.profiles["bastion"].check(None).unwrap();
        assert_eq!(
            checked.record_every,
            Some(std::time::Duration::from_secs(30))
        );
        assert_eq!(
            checked.record_max_age,
            Some(std::time::Duration::from_secs(14 * 86_400))
        );
        assert_eq!(checked.record_max_size, Some(1 << 30));
        let bad = "[profiles.b]\n[profiles.b.record]\nevery = \"10ms\"\nmax_size = \"tiny\"\n";
        let c = parse(p, bad).unwrap();
        let said = problems(&c, p, bad, None);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].starts_with("/x/config.toml:3: profile b: record.every"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("/x/config.toml:4: profile b: record.max_size"),
            "{said:?}"
        );
        assert!(parse(p, "[profiles.b.record]\nevry = \"1m\"\n").is_err());
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let p = Path::new("/x/config.toml");
        let e = parse(p, "[profiles.prod]\nhost = \"db1\"\nhots = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("/x/config.toml:3:") && e.contains("unknown field `hots`"),
            "{e}"
        );
        let e = parse(p, "[profiles.prod]\npassword = \"s3cret\"\n").unwrap_err();
        assert!(
            matches!(e, ConfigError::Syntax { password: true, .. }),
            "{e}"
        );
        assert!(e.to_string().contains("passwords are not kept"), "{e}");
        let e = parse(p, "[profiles.prod.check]\nmax_cag_lag = \"1h\"\n").unwrap_err();
        assert!(
            matches!(e, ConfigError::Syntax { line: Some(2), .. }),
            "{e}"
        );
        let c = parse(p, "[profiles.prod]\nconninfo = \"postgres://mon@db1/metrics\"\nport = 6432\nread_only = true\n[profiles.prod.check]\nmax_backlog_chunks = 10\n").unwrap();
        let prod = c.profile("prod", p).unwrap();
        assert_eq!(prod.read_only, Some(true));
        assert_eq!(prod.check.unwrap().max_backlog_chunks, Some(10));
        assert!(matches!(
            c.profile("dev", p),
            Err(ConfigError::NoProfile { known, .. }) if known == ["prod"]
        ));
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

    #[test]
    fn config_check_finds_what_would_fail_when_used_with_its_line() {
        let text = r#"
[profiles.lab]
host = "db1"
refresh = "0s"
lock_timeout = "500us"
sslmode = "requir"
theme = "nope"
plan_login = " "


[profiles.lab.check]
max_cagg_lag = "soon"
max_backlog_chunks = -1
recent_chunks_memory_share = 1.5
small_chunk_bytes = -1
min_rows_per_segment = 0.5

[profiles."ok one"]
refresh = "2s"
"#;
        let path = Path::new("/c.toml");
        let c = parse(path, text).unwrap();
        let p = problems(&c, path, text, None);
        let expect = [
            "/c.toml:4: profile lab: refresh:",
            "/c.toml:5: profile lab: lock_timeout:",
            "/c.toml:12: profile lab: check.max_cagg_lag:",
            "/c.toml:6: profile lab: sslmode: \"requir\" is not an sslmode",
            "/c.toml:7: profile lab: theme: unknown theme \"nope\"",
            "/c.toml:8: profile lab: plan_login: plan_login is empty",
            "/c.toml:13: profile lab: check.max_backlog_chunks: must not be negative",
            "/c.toml:14: profile lab: check.recent_chunks_memory_share: must be a share of memory above 0, at most 1 (got 1.5)",
            "/c.toml:15: profile lab: check.small_chunk_bytes: must not be negative",
            "/c.toml:16: profile lab: check.min_rows_per_segment: must be a number of rows, 1 or more (got 0.5)",
        ];
        for e in expect {
            assert!(p.iter().any(|l| l.starts_with(e)), "{e} in {p:#?}");
        }
        assert_eq!(p.len(), expect.len(), "{p:#?}");
        assert_eq!(PlanLogin::parse("{role}"), Ok(PlanLogin::Author));
        assert_eq!(
            PlanLogin::parse(" planner "),
            Ok(PlanLogin::Named("planner".into()))
        );
        assert!(PlanLogin::parse(&"x".repeat(64)).is_err());
        let ok = &c.profiles["ok one"];
        assert_eq!(
            ok.check(None).unwrap().refresh,
            Some(std::time::Duration::from_secs(2))
        );
    }
}
