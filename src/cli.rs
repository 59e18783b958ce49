//! Command-line interface. `-h` is the host (as in psql); help is `--help` or `-?`.

use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

/// The smallest refresh interval: below it the console would keep a backend busy.
pub const MIN_REFRESH: Duration = Duration::from_millis(100);
/// The smallest timeout: PostgreSQL takes a timeout that rounds to 0 ms as "no limit".
pub const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// Why a duration setting is refused (`text`, as given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// A number of seconds that is not positive (or not finite, or absurd).
    NotPositive { text: String },
    /// Neither seconds nor humantime (humantime's reason).
    Invalid { text: String, error: String },
    /// Under the least it may be.
    TooShort { text: String, min: Duration },
    /// Over the most it may be, and why.
    TooLong {
        text: String,
        max: Duration,
        why: &'static str,
    },
}

impl std::fmt::Display for DurationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DurationError::NotPositive { text } => {
                write!(f, "\"{text}\" must be a positive number of seconds")
            }
            DurationError::Invalid { text, error } => write!(
                f,
                "invalid duration \"{text}\": {error} (examples: 5s, 500ms, 2m)"
            ),
            DurationError::TooShort { text, min } => write!(
                f,
                "\"{text}\" is too short: at least {}",
                humantime::format_duration(*min)
            ),
            DurationError::TooLong { text, max, why } => write!(
                f,
                "\"{text}\" is too long: at most {}{why}",
                humantime::format_duration(*max)
            ),
        }
    }
}

impl std::error::Error for DurationError {}

/// A duration setting as seconds (`2`, `0.5`) or humantime (`5s`, `500ms`, `1m`), at least
/// `min`: one rule for flags and profiles.
pub fn duration_at_least(s: &str, min: Duration) -> Result<Duration, DurationError> {
    duration_within(s, min, Duration::MAX, "")
}

fn duration_within(
    s: &str,
    min: Duration,
    max: Duration,
    why_max: &'static str,
) -> Result<Duration, DurationError> {
    let text = || s.to_string();
    let d = match s.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => Duration::from_secs_f64(secs),
        Ok(_) => return Err(DurationError::NotPositive { text: text() }),
        Err(_) => humantime::parse_duration(s.trim()).map_err(|e| DurationError::Invalid {
            text: text(),
            error: e.to_string(),
        })?,
    };
    match d {
        d if d < min => Err(DurationError::TooShort { text: text(), min }),
        d if d > max => Err(DurationError::TooLong {
            text: text(),
            max,
            why: why_max,
        }),
        d => Ok(d),
    }
}

fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    duration_at_least(s, MIN_TIMEOUT)
}

/// PostgreSQL's timeouts are milliseconds in an int: about 24.8 days at most.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 24 * 3600);

/// A timeout (statement, lock, a scrape's deadline): at least [`MIN_TIMEOUT`], at most
/// [`MAX_TIMEOUT`].
pub fn parse_timeout(s: &str) -> Result<Duration, DurationError> {
    duration_within(
        s,
        MIN_TIMEOUT,
        MAX_TIMEOUT,
        " (PostgreSQL's timeouts stop near 24.8 days)",
    )
}

/// Why a size was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SizeError {
    NotASize {
        text: String,
    },
    /// Below the least a recording may be bounded to (1 MiB).
    TooSmall {
        text: String,
    },
}

impl std::fmt::Display for SizeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SizeError::NotASize { text } => {
                write!(f, "\"{text}\" is not a size (examples: 64MiB, 1GiB)")
            }
            SizeError::TooSmall { text } => {
                write!(f, "\"{text}\": a size of at least 1MiB is needed")
            }
        }
    }
}

impl std::error::Error for SizeError {}

/// A size as bytes: `1048576`, `512KiB`, `256MiB`, `1GiB` (`K`, `M`, `G`, `KB`… taken as the
/// binary units too), at least 1 MiB (a recording's bound).
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let not_a_size = || SizeError::NotASize {
        text: s.to_string(),
    };
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(not_a_size()),
    };
    let n: u64 = number.parse().map_err(|_| not_a_size())?;
    n.checked_mul(1 << shift)
        .filter(|&b| b >= 1 << 20)
        .ok_or_else(|| SizeError::TooSmall {
            text: s.to_string(),
        })
}

/// `record`'s shortest interval.
pub const MIN_RECORD_EVERY: Duration = Duration::from_secs(1);
/// The shortest a recording may keep frames.
pub const MIN_RECORD_AGE: Duration = Duration::from_secs(60);

fn parse_every(s: &str) -> Result<Duration, DurationError> {
    duration_at_least(s, MIN_RECORD_EVERY)
}

fn parse_max_age(s: &str) -> Result<Duration, DurationError> {
    duration_at_least(s, MIN_RECORD_AGE)
}

fn parse_refresh(s: &str) -> Result<Duration, DurationError> {
    duration_at_least(s, MIN_REFRESH)
}

/// Whether a change is only shown or also carried out, and whether that is asked first.
#[derive(Debug, Clone, Copy, Args)]
pub struct Execute {
    /// Print the plan and stop
    #[arg(long)]
    pub dry_run: bool,
    /// Execute without asking (required when stdin is not a terminal)
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Parser)]
#[command(
    name = "hypertop",
    version,
    disable_help_flag = true,
    about = "A terminal console for the health and policies of TimescaleDB and PostgreSQL",
    long_about = "A terminal console for the health and policies of TimescaleDB and PostgreSQL.\n\n\
Connects the way psql does: a connection string or URL, -h/-p/-U/-d, the PG* environment\n\
variables, ~/.pgpass and pg_service.conf, with libpq's precedence.",
    after_help = "Connection examples:\n  \
hypertop postgres://monitor@db1:5432/metrics?sslmode=verify-full\n  \
hypertop 'host=db1 dbname=metrics user=monitor'\n  \
hypertop -h db1 -U monitor -d metrics\n  \
PGSERVICE=prod hypertop\n\n\
Environment: PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE PGSSLROOTCERT\n\
PGCONNECT_TIMEOUT PGAPPNAME PGPASSFILE PGSERVICE PGSERVICEFILE; NO_COLOR selects the mono theme.\n\n\
Keys: 1-9 tabs, Enter drill down, Esc back, / filter, s sort, ? help, r refresh, q quit.\n\n\
Exit status: 0 after quitting, 2 when the connection fails, 1 on other errors,\n\
128+N when ended by signal N."
)]
pub struct Cli {
    /// Connection string (`host=… dbname=…`), URL (`postgres://…`) or database name
    #[arg(value_name = "CONNINFO")]
    pub conninfo: Option<String>,

    /// Database server host or socket directory
    #[arg(short = 'h', long = "host", value_name = "HOST", global = true)]
    pub host: Option<String>,

    /// Database server port (for `demo`: the engine's port on 127.0.0.1; default 55432, 0 for
    /// any free one)
    #[arg(short = 'p', long = "port", value_name = "PORT", global = true)]
    pub port: Option<String>,

    /// Database user name
    #[arg(short = 'U', long = "username", value_name = "USER", global = true)]
    pub user: Option<String>,

    /// Database name (or a connection string)
    #[arg(short = 'd', long = "dbname", value_name = "DBNAME", global = true)]
    pub dbname: Option<String>,

    /// Journal of executed actions (default: $XDG_STATE_HOME/hypertop/journal.jsonl)
    #[arg(long, value_name = "PATH", global = true)]
    pub journal: Option<std::path::PathBuf>,

    /// How long an action waits for a lock before failing (default 5s)
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout, global = true)]
    pub lock_timeout: Option<Duration>,

    /// A named profile from ~/.config/hypertop/config.toml (flags override it)
    #[arg(long, value_name = "NAME", global = true, env = "HYPERTOP_PROFILE")]
    pub profile: Option<String>,

    /// Every profile of the config file at once (the console's Fleet tab, the exporter's
    /// targets, check's lines, one `record` for them all); connection flags do not apply then
    #[arg(long, global = true)]
    pub fleet: bool,

    /// A file of profiles to use as the fleet instead of the config file (implies --fleet)
    #[arg(long, value_name = "FILE", global = true)]
    pub targets: Option<std::path::PathBuf>,

    #[command(subcommand)]
    pub command: Option<Sub>,

    /// Start on a tab, with a row there selected and opened: `jobs:1004`,
    /// `caggs:plant.telemetry_1h`, `retention` (an alert's annotation carries it)
    #[arg(long, value_name = "TAB[:OBJECT]")]
    pub open: Option<String>,

    /// Seconds between refreshes (default 2; also accepts 500ms, 1m)
    #[arg(long, value_name = "SECS", value_parser = parse_refresh)]
    pub refresh: Option<Duration>,

    /// statement_timeout of the monitoring session (default 5s)
    #[arg(long, value_name = "DURATION", value_parser = parse_timeout, global = true)]
    pub statement_timeout: Option<Duration>,

    /// Open sessions read-only (default_transaction_read_only = on); actions are refused
    #[arg(long, global = true)]
    pub read_only: bool,

    /// Who plans a statement's generic plan (Statements tab, Enter): a login with no rights
    /// but the statement's role's, or {role} to log in as that role; by default the connected
    /// user, only where it holds no more than the statement's role (never a superuser)
    #[arg(long, value_name = "ROLE|{role}", global = true)]
    pub plan_login: Option<String>,

    /// Show times in UTC instead of local time
    #[arg(long, global = true)]
    pub utc: bool,

    /// The console and the exporter do not record what they read (the console's pictures then
    /// start empty); by default they record into $XDG_STATE_HOME/hypertop/record/, as
    /// `hypertop record` does
    #[arg(long, global = true)]
    pub no_record: bool,

    /// Colour theme: default, light, high-contrast, mono, or a path to a .toml file
    /// (~/.config/hypertop/themes/NAME.toml overrides a built-in)
    #[arg(long, value_name = "NAME|PATH", global = true)]
    pub theme: Option<String>,

    /// Print help
    #[arg(short = '?', long = "help", action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
}

#[derive(Debug, Subcommand)]
pub enum Sub {
    /// Plan an action (print its SQL) and, with --yes, execute and journal it
    #[command(disable_help_flag = true)]
    Run {
        /// The command, as typed in the palette, e.g. 'pause-job 1000'
        #[arg(value_name = "COMMAND")]
        action: String,
        #[command(flatten)]
        execute: Execute,
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// With --yes: also roll back when a later entry changed the same setting
        #[arg(long)]
        force: bool,
    },
    /// Print the journal of actions on this database
    #[command(disable_help_flag = true)]
    History {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
    },
    /// Read every screen once and print it (JSON: the stable schema in docs/headless.md)
    #[command(disable_help_flag = true)]
    Snapshot {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Text format: cut lines to this many columns (default: the terminal's width on a
        /// terminal, nothing cut otherwise)
        #[arg(long, value_name = "COLUMNS")]
        width: Option<u16>,
        /// Read on one connection even when the catalog is large (by default, from 10,000
        /// relations, a second one shares the reading and measures half of the files)
        #[arg(long)]
        one_session: bool,
        /// Include each statement's text in the Statements section (left out by default: a
        /// text can hold what a user typed, a password in CREATE ROLE among them)
        #[arg(long)]
        statement_texts: bool,
        /// Print what `hypertop record` recorded at TIME instead of reading the database:
        /// RFC 3339, HH:MM (today, local time) or how long ago (10m); the frame at or last
        /// before it
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// Record what each read sees into the local store every interval, until SIGTERM or
    /// Ctrl-C (`snapshot --at` prints it back); one file per database under
    /// $XDG_STATE_HOME/hypertop/record/
    #[command(disable_help_flag = true)]
    Record {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// Between reads (default 60s)
        #[arg(long, value_name = "DURATION", value_parser = parse_every)]
        every: Option<Duration>,
        /// Record one frame and exit
        #[arg(long)]
        once: bool,
        /// Drop frames older than this (default 90d: everything of the last hour, then a frame
        /// a minute for 7 days, then a frame an hour)
        #[arg(long, value_name = "DURATION", value_parser = parse_max_age)]
        max_age: Option<Duration>,
        /// The store's size at most: the oldest frames go first (default 256MiB)
        #[arg(long, value_name = "SIZE", value_parser = parse_size)]
        max_size: Option<u64>,
        /// Record into the team's store, a PostgreSQL or TimescaleDB database (connection
        /// string or URL), instead of the local file: a frame a minute of each target, read
        /// by every console, replay and `snapshot --at` given the same store (a profile's
        /// `record_into`, or HYPERTOP_RECORD_INTO)
        #[arg(long, value_name = "CONNINFO")]
        into: Option<String>,
        /// Make or upgrade the team store as its owner (with --into), its roles
        /// hypertop_store_writer and hypertop_store_reader, TimescaleDB's compression and
        /// --max-age as its retention; then exit
        #[arg(long)]
        init_store: bool,
        /// Keep statement texts in the team store's frames (left out by default: its readers
        /// are other logins, and a text can hold what a user typed)
        #[arg(long)]
        with_statements: bool,
    },
    /// Show what `hypertop record` recorded, read-only, as tabs, at TIME (default: the latest
    /// read), with keys to step through time (`,` `.` a read, `<` `>` 10 minutes, `[` `]` an
    /// hour); never connects
    #[command(disable_help_flag = true)]
    Replay {
        /// Connection string, URL or database name (which recording)
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// RFC 3339, HH:MM (today, local time) or how long ago (10m): the read at or last
        /// before it
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
    /// One-line health check with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
    #[command(disable_help_flag = true)]
    Check {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// A continuous aggregate lagging more than this is a warning (default 1h)
        #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
        max_cagg_lag: Option<Duration>,
        /// More chunks than this in a compression backlog is a warning (default 0)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(0..))]
        max_backlog_chunks: Option<i64>,
        /// Consecutive job failures from which a failing job is critical (default 3)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(i32).range(0..))]
        critical_failures: Option<i32>,
        /// Every target of the fleet (--fleet): one line each, the worst exit code
        #[arg(long)]
        all: bool,
        /// Read on one connection even when the catalog is large (by default, from 10,000
        /// relations, a second one shares the reading and measures half of the files)
        #[arg(long)]
        one_session: bool,
    },
    /// What an update of TimescaleDB would meet, from the catalog: each blocker and warning
    /// with its evidence and fix; exit 0 nothing in the way, 1 warnings, 2 blockers, 3 unknown
    #[command(disable_help_flag = true)]
    UpgradeCheck {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// The release to update to (default: the newest installed on the server or known to
        /// hypertop, whichever is newer)
        #[arg(long, value_name = "VERSION")]
        to: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Serve Prometheus metrics (/metrics; /probe?target=NAME with --fleet)
    #[command(disable_help_flag = true)]
    Exporter {
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        /// Address to listen on (loopback unless told otherwise)
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9871")]
        listen: String,
        /// A target's read is served to other scrapes this long (each read reads what moved
        /// since the last: what a scrape serves is at most this old)
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5s")]
        cache: Duration,
        /// The longest a scrape waits for one target, which is then `hypertop_up 0` (lowered to
        /// Prometheus's scrape timeout less 0.5 s when the scrape sends it)
        #[arg(long, value_name = "DURATION", value_parser = parse_timeout, default_value = "8s")]
        deadline: Duration,
    },
    /// Policies as code: export them to a TOML file, diff, apply or lint one
    #[command(disable_help_flag = true)]
    Policy {
        #[command(subcommand)]
        what: PolicyWhat,
    },
    /// Open the console on a built-in TimescaleDB demo database (needs node and npm)
    #[command(disable_help_flag = true)]
    Demo {
        /// Rebuild the demo data from scratch
        #[arg(long)]
        reset: bool,
        /// Where the demo keeps its engine and data (default: ~/.cache/hypertop)
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
    /// Where the config file is, and whether it is valid
    #[command(disable_help_flag = true)]
    Config {
        #[arg(value_enum)]
        what: ConfigWhat,
    },
    /// Print shell completions (bash, zsh, fish, elvish, powershell), made from these very
    /// options: `hypertop completions bash > /etc/bash_completion.d/hypertop`
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), made from these very options: `hypertop man | man -l -`;
    /// a subcommand's own page with its name (`hypertop man policy export`)
    Man {
        /// The subcommand whose page to print (none: hypertop's own)
        #[arg(value_name = "SUBCOMMAND")]
        path: Vec<String>,
        /// List every page's subcommand, one a line (the first, empty, is hypertop's own)
        #[arg(long)]
        list: bool,
    },
}

impl Cli {
    /// The completions for `shell`, written to `out`.
    pub fn completions(shell: clap_complete::Shell, out: &mut dyn std::io::Write) {
        use clap::CommandFactory;
        clap_complete::generate(shell, &mut Cli::command(), "hypertop", out);
    }

    /// The manual page of the subcommand at `path` (none: hypertop's own), written to `out`.
    /// Each page is named as the pages above it list it (`hypertop-policy-export`).
    pub fn man(path: &[String], out: &mut dyn std::io::Write) -> std::io::Result<()> {
        use clap::CommandFactory;
        let mut cmd = Cli::command();
        cmd.build();
        let mut name = String::from("hypertop");
        for word in path {
            let Some(sub) = cmd.find_subcommand(word).cloned() else {
                let err = format!("{name} has no subcommand {word:?} (hypertop man --list)");
                return Err(std::io::Error::new(std::io::ErrorKind::NotFound, err));
            };
            name = format!("{name}-{}", sub.get_name());
            cmd = sub;
        }
        // a page's name is the command's, which clap keeps as a static string: made once
        // for this one page
        let name: &'static str = Box::leak(name.into_boxed_str());
        clap_mangen::Man::new(cmd.name(name)).render(out)
    }

    /// Every manual page's subcommand path, hypertop's own first (empty), one a line.
    pub fn man_pages() -> Vec<String> {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, at: &str, out: &mut Vec<String>) {
            out.push(at.to_string());
            for sub in cmd.get_subcommands() {
                let path = format!("{at} {}", sub.get_name());
                walk(sub, path.trim_start(), out);
            }
        }
        let mut cmd = Cli::command();
        // (built: with the help subcommands clap adds, as the pages list them)
        cmd.build();
        let mut out = Vec::new();
        walk(&cmd, "", &mut out);
        out
    }
}

/// `hypertop policy …` (the database from -d, -h, -p, -U or the environment).
#[derive(Debug, Subcommand)]
pub enum PolicyWhat {
    /// Write every policy of the database as a policy file (stdout unless --output)
    #[command(disable_help_flag = true)]
    Export {
        /// Write to this file instead (replaced whole, never half written)
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
    },
    /// Report how the database differs from FILE; exit 0 in sync, 1 drift, 2 error
    #[command(disable_help_flag = true)]
    Diff {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Make the database's policies those of FILE: one plan, previewed, journaled, undone
    /// whole by `rollback`
    #[command(disable_help_flag = true)]
    Apply {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        #[command(flatten)]
        execute: Execute,
    },
    /// Policies that work against each other, in FILE or (without one) in the database; exit 0
    /// none, 1 findings, 2 error
    #[command(disable_help_flag = true)]
    Lint {
        #[arg(value_name = "FILE")]
        file: Option<std::path::PathBuf>,
        /// Connection string, URL or database name
        #[arg(value_name = "CONNINFO")]
        conninfo: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigWhat {
    Path,
    Check,
}

impl Cli {
    /// Every profile at once: `--fleet`, `--targets FILE` or `check --all`.
    pub fn is_fleet(&self) -> bool {
        self.fleet
            || self.targets.is_some()
            || matches!(self.command, Some(Sub::Check { all: true, .. }))
    }

    /// A `policy` command's database argument that names a file instead (`policy export
    /// policies.toml`): said, rather than taken as a database name that the server may accept.
    pub fn file_given_as_database(&self) -> Option<String> {
        let Some(Sub::Policy { what }) = &self.command else {
            return None;
        };
        let (conninfo, how) = match what {
            PolicyWhat::Export { conninfo, .. } => (conninfo, "write it with --output FILE"),
            PolicyWhat::Diff { conninfo, .. }
            | PolicyWhat::Apply { conninfo, .. }
            | PolicyWhat::Lint { conninfo, .. } => (conninfo, "it takes one FILE"),
        };
        let given = conninfo.as_deref()?;
        let lower = given.to_lowercase();
        let file_like = [".toml", ".json", ".yaml", ".yml", ".txt"]
            .iter()
            .any(|ext| lower.ends_with(ext))
            || (given.contains('/') && !given.contains('=') && !given.contains("://"));
        file_like.then(|| {
            format!(
                "{given:?} looks like a file, but this place takes the database (a connection string, URL or database name): {how}; a database really named so is reached with -d or dbname={given}"
            )
        })
    }

    /// The connection string given positionally, to the console or to a subcommand.
    pub fn conninfo(&self) -> Option<String> {
        match &self.command {
            Some(Sub::Run { conninfo, .. })
            | Some(Sub::History { conninfo })
            | Some(Sub::Snapshot { conninfo, .. })
            | Some(Sub::Record { conninfo, .. })
            | Some(Sub::Replay { conninfo, .. })
            | Some(Sub::Check { conninfo, .. })
            | Some(Sub::UpgradeCheck { conninfo, .. })
            | Some(Sub::Exporter { conninfo, .. }) => conninfo.clone().or(self.conninfo.clone()),
            Some(Sub::Policy { what }) => match what {
                PolicyWhat::Export { conninfo, .. }
                | PolicyWhat::Diff { conninfo, .. }
                | PolicyWhat::Apply { conninfo, .. }
                | PolicyWhat::Lint { conninfo, .. } => conninfo.clone().or(self.conninfo.clone()),
            },
            _ => self.conninfo.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_names_every_tab_key() {
        use clap::CommandFactory;
        let help = Cli::command().render_long_help().to_string();
        let keys = format!("Keys: 1-{} tabs", crate::screens::Tab::count());
        assert!(help.contains(&keys), "{keys} not in:\n{help}");
    }

    #[test]
    fn a_file_where_the_database_goes_is_said() {
        let said = |args: &[&str]| Cli::try_parse_from(args).unwrap().file_given_as_database();
        let e = said(&["hypertop", "policy", "export", "policies.toml"]).unwrap();
        assert!(
            e.contains("--output") && e.contains("looks like a file"),
            "{e}"
        );
        assert!(said(&["hypertop", "policy", "diff", "a.toml", "./b.toml"])
            .unwrap()
            .contains("one FILE"));
        assert!(said(&["hypertop", "policy", "export", "metrics"]).is_none());
        assert!(said(&["hypertop", "policy", "export", "postgres://h/db"]).is_none());
        assert!(said(&["hypertop", "policy", "export", "host=/tmp dbname=x"]).is_none());
        assert!(said(&["hypertop", "policy", "export", "-o", "p.toml"]).is_none());
    }

    #[test]
    fn timeouts_are_bounded_as_postgresql_bounds_them() {
        for flag in ["--statement-timeout", "--lock-timeout"] {
            let err = Cli::try_parse_from(["hypertop", flag, "100years"]).unwrap_err();
            assert!(err.to_string().contains("too long"), "{flag}: {err}");
        }
        let err = Cli::try_parse_from(["hypertop", "exporter", "--deadline", "500000000000years"])
            .unwrap_err();
        assert!(err.to_string().contains("too long"), "{err}");
        assert!(Cli::try_parse_from(["hypertop", "--lock-timeout", "20d"]).is_ok());
    }

    #[test]
    fn negative_thresholds_are_refused_as_in_the_config_file() {
        for flag in ["--max-backlog-chunks", "--critical-failures"] {
            let err = Cli::try_parse_from(["hypertop", "check", flag, "-1"]).unwrap_err();
            assert!(err.to_string().contains("-1"), "{flag}: {err}");
            assert!(Cli::try_parse_from(["hypertop", "check", flag, "0"]).is_ok());
        }
    }

    #[test]
    fn psql_style_flags() {
        let cli = Cli::try_parse_from([
            "hypertop", "-h", "db1", "-p", "6432", "-U", "mon", "-d", "metrics",
        ])
        .unwrap();
        assert_eq!(cli.host.as_deref(), Some("db1"));
        assert_eq!(cli.port.as_deref(), Some("6432"));
        assert_eq!(cli.user.as_deref(), Some("mon"));
        assert_eq!(cli.dbname.as_deref(), Some("metrics"));
        assert_eq!(cli.refresh, None);
        assert_eq!(cli.statement_timeout, None);
    }

    #[test]
    fn durations_accept_seconds_and_humantime() {
        let cli = Cli::try_parse_from([
            "hypertop",
            "--refresh",
            "0.5",
            "--statement-timeout",
            "1500ms",
        ])
        .unwrap();
        assert_eq!(cli.refresh, Some(Duration::from_millis(500)));
        assert_eq!(cli.statement_timeout, Some(Duration::from_millis(1500)));
        let err = Cli::try_parse_from(["hypertop", "--refresh", "soon"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid duration"), "{err}");
        assert!(Cli::try_parse_from(["hypertop", "--refresh", "0"]).is_err());
        // Too short to mean what was meant: a busy loop, or PostgreSQL's "no limit".
        assert!(Cli::try_parse_from(["hypertop", "--refresh", "50ms"]).is_err());
        for t in ["0s", "1ns", "500us", "0"] {
            let err = Cli::try_parse_from(["hypertop", "--lock-timeout", t])
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("too short") || err.contains("positive"),
                "{t}: {err}"
            );
        }
        assert!(Cli::try_parse_from(["hypertop", "--lock-timeout", "1ms"]).is_ok());
    }

    #[test]
    fn subcommands_take_the_same_connection_flags() {
        let cli = Cli::try_parse_from([
            "hypertop",
            "run",
            "pause-job 1000",
            "-h",
            "db1",
            "--dry-run",
            "--read-only",
        ])
        .unwrap();
        assert_eq!(cli.host.as_deref(), Some("db1"));
        assert!(cli.read_only);
        match &cli.command {
            Some(Sub::Run {
                action, execute, ..
            }) => {
                assert_eq!(action, "pause-job 1000");
                assert!(execute.dry_run && !execute.yes);
            }
            other => panic!("{other:?}"),
        }
        let cli = Cli::try_parse_from(["hypertop", "history", "postgres://x/db"]).unwrap();
        assert_eq!(cli.conninfo().as_deref(), Some("postgres://x/db"));
        let cli = Cli::try_parse_from(["hypertop", "postgres://x/db"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.conninfo().as_deref(), Some("postgres://x/db"));
    }

    #[test]
    fn sizes_read_as_binary_units() {
        assert_eq!(parse_size("256MiB"), Ok(256 << 20));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert_eq!(parse_size("2048k"), Ok(2 << 20));
        assert!(matches!(parse_size("12"), Err(SizeError::TooSmall { .. })));
        assert_eq!(
            parse_size("12").unwrap_err().to_string(),
            "\"12\": a size of at least 1MiB is needed"
        );
        assert!(matches!(
            parse_size("lots"),
            Err(SizeError::NotASize { .. })
        ));
        assert!(parse_size("99999999999999999999G").is_err());
        assert!(parse_size("-5M").is_err());
        let cli = Cli::try_parse_from(["hypertop", "record", "db", "--max-size", "64MiB"]).unwrap();
        assert!(
            matches!(cli.command, Some(Sub::Record { max_size: Some(m), .. }) if m == 64 << 20)
        );
        assert_eq!(cli.conninfo().as_deref(), Some("db"));
        assert!(Cli::try_parse_from(["hypertop", "record", "--every", "10ms"]).is_err());
    }

    #[test]
    fn help_is_question_mark() {
        let err = Cli::try_parse_from(["hypertop", "-?"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
    }
}
