//! The `hypertop` command: settings (flags over profile over defaults), one connection, then
//! the console or a subcommand.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use hypertop::app::{self, AppOptions, Exit};
use hypertop::capabilities::Capabilities;
use hypertop::cli::{Cli, ConfigWhat, Format, Sub};
use hypertop::config::{self, Profile};
use hypertop::connect::{Connector, Session, SessionSettings};
use hypertop::conninfo::{self, Environment, Inputs};
use hypertop::headless;
use hypertop::journal::Journal;
use hypertop::link::Link;
use hypertop::problems::Thresholds;
use hypertop::theme::Theme;

/// Exit status for connection failures (as psql); `check` uses 3 (UNKNOWN) instead.
const EXIT_CONNECT: u8 = 2;
const EXIT_UNKNOWN: u8 = 3;

fn main() -> ExitCode {
    // glibc gives each thread its own malloc arena by default; two are plenty for a console
    // that mostly waits, and keep a long-running session's memory small.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hypertop: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(cli));
    // Don't wait for background tasks (a reconnect in progress) on the way out.
    runtime.shutdown_timeout(Duration::from_millis(100));
    code
}

/// Everything that decides how hypertop runs, after flags, profile and defaults.
struct Settings {
    inputs: Inputs,
    refresh: Duration,
    statement_timeout: Duration,
    lock_timeout: Duration,
    read_only: bool,
    theme: Option<String>,
    journal: std::path::PathBuf,
    limits: Thresholds,
}

fn settings(cli: &Cli, profile: &Profile) -> Result<Settings, String> {
    // The same validation as `config check`.
    let checked = profile
        .check(hypertop::paths::config_dir().as_deref())
        .map_err(|problems| {
            let all: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {}", p.key, p.message))
                .collect();
            format!(
                "profile: {} (hypertop config check shows where)",
                all.join("; ")
            )
        })?;
    let overridden: Vec<&str> = [
        ("host", cli.host.is_some()),
        ("port", cli.port.is_some()),
        ("user", cli.user.is_some()),
        ("dbname", cli.dbname.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect();
    let conninfo = config::merge_conninfo(
        config::profile_conninfo(profile, &overridden)?,
        cli.conninfo(),
    )?;
    let check = profile.check.clone().unwrap_or_default();
    let defaults = Thresholds::default();
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
    Ok(Settings {
        inputs: Inputs {
            conninfo,
            host: cli.host.clone(),
            port: cli.port.clone(),
            user: cli.user.clone(),
            dbname: cli.dbname.clone(),
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
        theme: cli.theme.clone().or(profile.theme.clone()),
        journal: cli
            .journal
            .clone()
            .or(profile.journal.clone())
            .or_else(hypertop::journal::default_path)
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
            unused_index_bytes: check
                .unused_index_bytes
                .unwrap_or(defaults.unused_index_bytes),
        },
    })
}

fn config_command(what: ConfigWhat) -> ExitCode {
    let Some(path) = config::default_path() else {
        eprintln!("hypertop: no home directory: set XDG_CONFIG_HOME or HOME");
        return ExitCode::FAILURE;
    };
    match what {
        ConfigWhat::Path => {
            println!("{}", path.display());
            ExitCode::SUCCESS
        }
        ConfigWhat::Check => match config::load_text(&path)
            .and_then(|text| config::parse(&path, &text).map(|c| (text, c)))
            .and_then(|(text, c)| {
                let problems =
                    config::problems(&c, &path, &text, hypertop::paths::config_dir().as_deref());
                if problems.is_empty() {
                    Ok(c)
                } else {
                    Err(problems.join("\nhypertop: "))
                }
            }) {
            Ok(c) if !path.exists() => {
                println!(
                    "{}: no such file (an empty config: {} profiles)",
                    path.display(),
                    c.profiles.len()
                );
                ExitCode::SUCCESS
            }
            Ok(c) => {
                let names: Vec<&str> = c.profiles.keys().map(String::as_str).collect();
                println!(
                    "{}: valid; profiles: {}",
                    path.display(),
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("hypertop: {e}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn run(cli: Cli) -> ExitCode {
    let check = matches!(cli.command, Some(Sub::Check { .. }));
    // Failures before connecting: `check` reports them as UNKNOWN, the rest exit 1.
    let fail = |msg: String, code: u8| {
        if check {
            println!("HYPERTOP UNKNOWN - {msg}");
            ExitCode::from(EXIT_UNKNOWN)
        } else {
            eprintln!("hypertop: {msg}");
            ExitCode::from(code)
        }
    };
    if let Some(Sub::Config { what }) = &cli.command {
        return config_command(*what);
    }
    let profile = match &cli.profile {
        Some(name) => {
            let path = config::default_path().unwrap_or_else(|| "config.toml".into());
            match config::load(&path).and_then(|c| c.profile(name, &path)) {
                Ok(p) => p,
                Err(e) => return fail(e, 1),
            }
        }
        None => Profile::default(),
    };
    let mut settings = match settings(&cli, &profile) {
        Ok(s) => s,
        Err(e) => return fail(e, 1),
    };
    let console = matches!(cli.command, None | Some(Sub::Demo { .. }));
    // A broken theme is reported before anything else happens (and the terminal is untouched).
    let theme = if console {
        match Theme::resolve(
            settings.theme.as_deref(),
            hypertop::paths::config_dir().as_deref(),
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            std::env::var("TERM").ok().as_deref(),
        ) {
            Ok(t) => t,
            Err(e) => return fail(e, 1),
        }
    } else {
        Theme::mono()
    };
    // The demo: start (and on first use install and load) the built-in engine, then connect.
    let _demo = match &cli.command {
        Some(Sub::Demo { reset, dir }) => {
            let port = match cli.port.as_deref().map(str::parse::<u16>) {
                None => 0,
                Some(Ok(p)) => p,
                Some(Err(_)) => {
                    return fail(
                        format!(
                            "--port {}: not a port number",
                            cli.port.as_deref().unwrap_or("")
                        ),
                        2,
                    )
                }
            };
            match hypertop::demo::start(dir.clone(), *reset, port).await {
                Ok(d) => {
                    eprintln!("{}", d.connection_line());
                    settings.inputs = Inputs {
                        conninfo: Some(d.conninfo()),
                        ..Inputs::default()
                    };
                    Some(d)
                }
                Err(e) => return fail(e, 1),
            }
        }
        _ => None,
    };
    let (connector, session, caps) = match connect(&settings).await {
        Ok(c) => c,
        Err(e) => return fail(e, EXIT_CONNECT),
    };
    let journal = Journal::new(settings.journal.clone());
    let ctx = headless::Context {
        connector: &connector,
        session: &session,
        caps: &caps,
        journal: &journal,
        origin: headless::origin(&connector, &caps),
        lock_timeout: settings.lock_timeout,
        utc: cli.utc,
    };
    match &cli.command {
        Some(Sub::Run {
            action,
            dry_run,
            yes,
            force,
            ..
        }) => {
            let how = headless::RunOptions {
                dry_run: *dry_run,
                yes: *yes,
                force: *force,
            };
            return ExitCode::from(headless::run(&ctx, action, how).await);
        }
        Some(Sub::History { .. }) => return ExitCode::from(headless::history(&ctx).await),
        Some(Sub::Snapshot { format, width, .. }) => {
            let snap = hypertop::snapshot::collect(&session.client, &caps, &settings.limits).await;
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&snap.to_json()).unwrap_or_default()
                ),
                Format::Text => {
                    // As asked, else the terminal's width when printing to one; into a file or
                    // a pipe nothing is cut.
                    let width = width.unwrap_or_else(|| {
                        ratatui::crossterm::terminal::size()
                            .ok()
                            .filter(|_| std::io::IsTerminal::is_terminal(&std::io::stdout()))
                            .map_or(u16::MAX, |(w, _)| w)
                    });
                    print!("{}", snap.to_text(cli.utc, width))
                }
            }
            return ExitCode::SUCCESS;
        }
        Some(Sub::Check { .. }) => {
            let snap = hypertop::snapshot::collect(&session.client, &caps, &settings.limits).await;
            let (code, line) = hypertop::snapshot::check(&snap, &settings.limits);
            println!("{}", hypertop::format::printable(&line));
            return ExitCode::from(code);
        }
        Some(Sub::Config { .. }) | Some(Sub::Demo { .. }) | None => {}
    }
    let target = connector.resolved().target_short();
    let action_connector = connector.clone();
    let link = Link::start(connector, Some((session, caps)));
    let opts = AppOptions {
        actions: hypertop::app::ActionOptions {
            connector: action_connector,
            journal: settings.journal.clone(),
            lock_timeout: settings.lock_timeout,
        },
        refresh_every: settings.refresh,
        utc: cli.utc,
        read_only: settings.read_only,
        theme,
        query_limit: settings.statement_timeout + Duration::from_secs(5),
        thresholds: settings.limits,
    };
    match app::run(link, target, opts).await {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from(128 + sig as u8),
        Err(e) => {
            eprintln!("hypertop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves the connection settings and opens the first session (asking for a password on the
/// terminal when the server wants one).
async fn connect(s: &Settings) -> Result<(Connector, Session, Capabilities), String> {
    let env = Environment::from_process();
    let resolved = conninfo::resolve(&s.inputs, &env)
        .map_err(|e| format!("invalid connection settings: {e}"))?;
    for w in &resolved.warnings {
        eprintln!("hypertop: {w}");
    }
    // Monitoring and planning wait for a lock no longer than an action would.
    let session_settings = SessionSettings {
        statement_timeout: s.statement_timeout,
        lock_timeout: Some(s.lock_timeout),
        read_only: s.read_only,
        ..SessionSettings::default()
    };
    let mut connector = Connector::new(resolved, session_settings).map_err(|e| e.to_string())?;
    let session = connector
        .connect_interactive()
        .await
        .map_err(|e| e.to_string())?;
    let caps = Capabilities::detect(&session.client).await.map_err(|e| {
        format!(
            "connected to {}, but could not read the catalog: {}",
            connector.target(),
            hypertop::poller::describe_error(&e)
        )
    })?;
    Ok((connector, session, caps))
}
