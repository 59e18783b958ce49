//! A target's settings: the command line's flags over its profile over the defaults, and the
//! fleet of every profile.

use std::time::Duration;

use crate::capabilities::Capabilities;
use crate::cli::{Cli, Sub};
use crate::config::{self, PlanLogin, Profile};
use crate::connect::{Connector, Session, SessionSettings};
use crate::conninfo::{self, ConnectionInputs, Environment};
use crate::problems::Thresholds;

/// Everything that decides how hypertop runs, after flags, profile and defaults.
pub struct Settings {
    pub inputs: ConnectionInputs,
    pub refresh: Duration,
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
    pub read_only: bool,
    pub theme: Option<String>,
    pub journal: std::path::PathBuf,
    pub limits: Thresholds,
    pub plan_login: PlanLogin,
    /// `record`'s interval and bounds (its flags over the profile's `[record]`).
    pub record_every: Duration,
    pub record_max_age: Option<Duration>,
    pub record_max_size: Option<u64>,
    /// The console and the exporter record their reads (not under --no-record or `[record]
    /// console = false`).
    pub record_reads: bool,
    /// The team's store (`record --into`, a profile's `record_into`, HYPERTOP_RECORD_INTO).
    pub record_into: Option<String>,
    /// `record`: keep statement texts in the team store's frames.
    pub record_statements: bool,
}

impl Settings {
    /// Where the target `r` is recorded, and within what bounds (None: no home directory).
    pub fn recording(
        &self,
        r: &crate::conninfo::Resolved,
    ) -> Option<(std::path::PathBuf, crate::recording::bounds::Bounds)> {
        let path = crate::recording::place::file_for(r)?;
        let mut bounds = crate::recording::bounds::Bounds::default();
        if let Some(age) = self.record_max_age {
            bounds = bounds.with_max_age(age);
        }
        if let Some(bytes) = self.record_max_size {
            bounds.max_bytes = bytes;
        }
        Some((path, bounds))
    }

    /// Where a read of the target `r` keeps what it learned for the next (none when reads are
    /// not recorded): its recording, or the team's store when one is configured.
    pub fn keep_in(&self, r: &crate::conninfo::Resolved) -> Option<crate::store::keeping::KeepIn> {
        if !self.record_reads {
            return None;
        }
        let (file, bounds) = self.recording(r)?;
        let team = self.record_into.as_deref().and_then(|store| {
            crate::recording::team::resolve(store)
                .map_err(|e| {
                    let line = format!("hypertop: {e}");
                    eprintln!("{}", crate::format::printable(&line));
                })
                .ok()
        });
        Some(crate::store::keeping::KeepIn { file, bounds, team })
    }

    /// Where the team's history of the target `r` is read from, when a store is configured:
    /// by the identity a connected reader found (`id`), else by the address.
    pub fn team_source(
        &self,
        r: &crate::conninfo::Resolved,
        id: Option<crate::recording::team::TargetId>,
    ) -> Result<Option<crate::recording::team::TeamSource>, crate::recording::error::RecordError>
    {
        use crate::recording::team::{self, reader::Which};
        let Some(store) = &self.record_into else {
            return Ok(None);
        };
        Ok(Some(team::TeamSource {
            store: team::resolve(store)?,
            which: match id {
                Some(id) => Which::Identity(id),
                None => Which::Address(team::address(r)),
            },
        }))
    }
}

/// Why a target's settings, the fleet or a connector could not be made.
#[derive(Debug)]
pub enum SettingsError {
    /// The profile's settings fail `config check`.
    Profile {
        problems: Vec<config::SettingProblem>,
    },
    /// The config file, or a connection string or plan_login in it.
    Config(config::ConfigError),
    /// A fleet's file defines no profiles (or does not exist).
    NoProfiles {
        path: std::path::PathBuf,
        exists: bool,
    },
    /// A fleet member's settings.
    Member {
        path: std::path::PathBuf,
        name: String,
        error: Box<SettingsError>,
    },
    /// The connection settings do not resolve.
    Conninfo(crate::conninfo::ConnInfoError),
    /// The connector could not be made (its TLS).
    Connector(crate::connect::ConnectError),
}

impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SettingsError::Profile { problems } => {
                let all: Vec<String> = problems
                    .iter()
                    .map(|p| format!("{}: {}", p.key, p.message))
                    .collect();
                write!(
                    f,
                    "profile: {} (hypertop config check shows where)",
                    all.join("; ")
                )
            }
            SettingsError::Config(e) => e.fmt(f),
            SettingsError::NoProfiles { path, exists } => write!(
                f,
                "{} {}: every database at once (check --all, --fleet, the exporter's --fleet) is one profile each in that file, e.g.\n\n{SAMPLE_PROFILES}\n(--targets FILE reads another file; `hypertop config check` validates it)",
                path.display(),
                if *exists {
                    "defines no profiles"
                } else {
                    "does not exist"
                }
            ),
            SettingsError::Member { path, name, error } => {
                write!(f, "{}: profile {name}: {error}", path.display())
            }
            SettingsError::Conninfo(e) => write!(f, "invalid connection settings: {e}"),
            SettingsError::Connector(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SettingsError {}

impl From<config::ConfigError> for SettingsError {
    fn from(e: config::ConfigError) -> Self {
        SettingsError::Config(e)
    }
}

pub fn settings(cli: &Cli, profile: &Profile) -> Result<Settings, SettingsError> {
    settings_with(cli, profile, true)
}

/// A profile's settings, with the command line's connection flags (`flags`) or without them
/// (each target of a fleet keeps its own connection).
pub fn settings_with(cli: &Cli, profile: &Profile, flags: bool) -> Result<Settings, SettingsError> {
    // The same validation as `config check`.
    let checked = profile
        .check(crate::paths::config_dir().as_deref())
        .map_err(|problems| SettingsError::Profile { problems })?;
    let overridden: Vec<&str> = [
        ("host", flags && cli.host.is_some()),
        ("port", flags && cli.port.is_some()),
        ("user", flags && cli.user.is_some()),
        ("dbname", flags && cli.dbname.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    let from_profile = config::profile_conninfo(profile, &overridden)?;
    // `-d` over a profile's connection overrides its database (or, a connection string, its
    // fields), as a positional one does: flags override a profile.
    let (given, dbname) = match (
        cli.conninfo().filter(|_| flags),
        cli.dbname.clone().filter(|_| flags),
    ) {
        (None, Some(d)) if from_profile.is_some() => (Some(d), None),
        other => other,
    };
    let conninfo = config::merge_conninfo(from_profile, given)?;
    let check = profile.check.clone().unwrap_or_default();
    let defaults = Thresholds::default();
    // a limit the profile's [check] sets, else the default
    macro_rules! from_check {
        ($field:ident) => {
            check.$field.unwrap_or(defaults.$field)
        };
    }
    let (mut max_lag, mut max_backlog, mut critical) = (None, None, None);
    if let Some(Sub::Check {
        max_cagg_lag,
        max_backlog_chunks,
        critical_failures,
        ..
    }) = &cli.command
    {
        (max_lag, max_backlog, critical) = (*max_cagg_lag, *max_backlog_chunks, *critical_failures);
    }
    let (mut every, mut max_age, mut max_size) = (None, None, None);
    let (mut into, mut record_statements) = (None, false);
    if let Some(Sub::Record {
        every: e,
        max_age: a,
        max_size: s,
        into: i,
        with_statements,
        ..
    }) = &cli.command
    {
        (every, max_age, max_size) = (*e, *a, *s);
        (into, record_statements) = (i.clone(), *with_statements);
    }
    let record_into = into
        .or_else(|| profile.record_into.clone())
        .or_else(|| std::env::var(crate::recording::team::ENV).ok())
        .filter(|s| !s.trim().is_empty());
    Ok(Settings {
        record_every: every
            .or(checked.record_every)
            .unwrap_or(Duration::from_secs(60)),
        record_max_age: max_age.or(checked.record_max_age),
        record_max_size: max_size.or(checked.record_max_size),
        record_into,
        record_statements,
        record_reads: !cli.no_record
            && profile.record.as_ref().and_then(|r| r.console) != Some(false),
        inputs: ConnectionInputs {
            conninfo,
            host: cli.host.clone().filter(|_| flags),
            port: cli.port.clone().filter(|_| flags),
            user: cli.user.clone().filter(|_| flags),
            dbname,
        },
        refresh: cli
            .refresh
            .or(checked.refresh)
            .unwrap_or(Duration::from_secs(2)),
        statement_timeout: cli
            .statement_timeout
            .or(checked.statement_timeout)
            .unwrap_or(Duration::from_secs(5)),
        lock_timeout: cli
            .lock_timeout
            .or(checked.lock_timeout)
            .unwrap_or(Duration::from_secs(5)),
        read_only: cli.read_only || profile.read_only.unwrap_or(false),
        plan_login: match cli.plan_login.as_deref().or(profile.plan_login.as_deref()) {
            Some(text) => PlanLogin::parse(text)?,
            None => PlanLogin::Target,
        },
        theme: cli.theme.clone().or(profile.theme.clone()),
        journal: cli
            .journal
            .clone()
            .or(profile.journal.clone())
            .or_else(crate::actions::journal::default_path)
            .unwrap_or_else(|| "hypertop-journal.jsonl".into()),
        limits: Thresholds {
            max_cagg_lag: max_lag
                .or(checked.max_cagg_lag)
                .unwrap_or(defaults.max_cagg_lag),
            max_backlog_chunks: max_backlog
                .or(check.max_backlog_chunks)
                .unwrap_or(defaults.max_backlog_chunks),
            critical_failures: critical
                .or(check.critical_failures)
                .unwrap_or(defaults.critical_failures),
            unused_index_bytes: from_check!(unused_index_bytes),
            unused_after: checked.unused_after.unwrap_or(defaults.unused_after),
            min_compression_ratio: from_check!(min_compression_ratio),
            min_rows_per_segment: from_check!(min_rows_per_segment),
            recent_chunks_memory_share: from_check!(recent_chunks_memory_share),
            small_chunk_bytes: from_check!(small_chunk_bytes),
            small_chunks_from: from_check!(small_chunks_from),
            retention_size_limit: from_check!(retention_size_limit),
            long_run_factor: from_check!(long_run_factor),
            long_run_floor: checked.long_run_floor.unwrap_or(defaults.long_run_floor),
        },
    })
}

/// What a fleet's config file holds, for the message that says there is none.
const SAMPLE_PROFILES: &str = "[profiles.prod]
conninfo = \"host=db1.internal dbname=metrics user=monitor\"

[profiles.staging]
conninfo = \"postgres://monitor@db2.internal/metrics?sslmode=verify-full\"
";

/// Every target of a fleet, by name: the profiles of `--targets FILE`, else of the config file.
pub fn fleet(cli: &Cli) -> Result<Vec<(String, Settings)>, SettingsError> {
    let path = cli
        .targets
        .clone()
        .or_else(config::default_path)
        .unwrap_or_else(|| "config.toml".into());
    let file = config::load(&path)?;
    if file.profiles.is_empty() {
        let exists = path.exists();
        return Err(SettingsError::NoProfiles { path, exists });
    }
    file.profiles
        .iter()
        .map(|(name, p)| {
            settings_with(cli, p, false)
                .map(|s| (name.clone(), s))
                .map_err(|e| SettingsError::Member {
                    path: path.clone(),
                    name: name.clone(),
                    error: Box::new(e),
                })
        })
        .collect()
}

/// A target's connector, without connecting (a fleet member may be down).
pub fn connector(s: &Settings) -> Result<Connector, SettingsError> {
    let env = Environment::from_process();
    let resolved = conninfo::resolve(&s.inputs, &env).map_err(SettingsError::Conninfo)?;
    let session_settings = SessionSettings::monitoring(s.statement_timeout, s.lock_timeout, true);
    Connector::new(resolved, session_settings).map_err(SettingsError::Connector)
}

/// Why the binary could not start on its target, each said as the one line it prints.
#[derive(Debug)]
pub enum StartError {
    Settings(conninfo::ConnInfoError),
    Connect(crate::connect::ConnectError),
    /// Connected, but the capabilities could not be read.
    Catalog {
        target: String,
        error: tokio_postgres::Error,
    },
    Time(crate::recording::when::TimeError),
    NoHome,
    Record(crate::recording::error::RecordError),
    Write(std::io::Error),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Settings(e) => write!(f, "invalid connection settings: {e}"),
            StartError::Connect(e) => e.fmt(f),
            StartError::Catalog { target, error } => write!(
                f,
                "connected to {target}, but could not read the catalog: {}",
                crate::connect::describe_error(error)
            ),
            StartError::Time(e) => e.fmt(f),
            StartError::NoHome => f.write_str("no home directory: set XDG_STATE_HOME or HOME"),
            StartError::Record(e) => e.fmt(f),
            StartError::Write(e) => write!(f, "cannot write the snapshot: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

/// Resolves the connection settings and opens the first session (asking for a password on the
/// terminal when the server wants one).
pub async fn open(s: &Settings) -> Result<(Connector, Session, Capabilities), StartError> {
    let env = Environment::from_process();
    let resolved = conninfo::resolve(&s.inputs, &env).map_err(StartError::Settings)?;
    for w in &resolved.warnings {
        eprintln!("hypertop: {w}");
    }
    let session_settings =
        SessionSettings::monitoring(s.statement_timeout, s.lock_timeout, s.read_only);
    let mut connector = Connector::new(resolved, session_settings).map_err(StartError::Connect)?;
    // Before the console takes the terminal, a person waiting sees what is being waited for
    // (scripts reading stderr from a file or a pipe get nothing extra).
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        eprintln!("hypertop: {}", connector.connecting_note());
    }
    let session = connector
        .connect_interactive()
        .await
        .map_err(StartError::Connect)?;
    let caps = Capabilities::detect(&session.client)
        .await
        .map_err(|error| StartError::Catalog {
            target: connector.target(),
            error,
        })?;
    Ok((connector, session, caps))
}
