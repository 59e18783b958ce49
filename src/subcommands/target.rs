//! The subcommands on one target: the settings it is read with, `snapshot --at` and `replay`
//! (from its recording, without connecting), the demo's engine, then one connection for
//! `run`, `history`, `policy`, `snapshot`, `record`, `check` or the console.

use std::io::Write;
use std::process::ExitCode;

use super::{
    console_exit, console_options, print_width, theme, Failure, Outcome, EXIT_BROKEN_PIPE,
    EXIT_CONNECT, EXIT_UNKNOWN,
};
use crate::actions::journal::Journal;
use crate::cli::{Cli, Format, Sub};
use crate::config::{self, Profile};
use crate::conninfo::{self, ConnectionInputs, Environment};
use crate::console;
use crate::headless;
use crate::link::Link;
use crate::model::plan::Planner;
use crate::settings::{settings, Settings, StartError};
use crate::theme::Theme;

/// The settings of the target the command line names: its flags over its profile over the
/// defaults.
pub fn settings_of(cli: &Cli) -> Result<Settings, Failure> {
    let profile = match &cli.profile {
        Some(name) => {
            let path = config::default_path().unwrap_or_else(|| "config.toml".into());
            config::load(&path)
                .and_then(|c| c.profile(name, &path))
                .map_err(|e| Failure::new(e.to_string(), 1))?
        }
        None => Profile::default(),
    };
    settings(cli, &profile).map_err(|e| Failure::new(e.to_string(), 1))
}

/// `hypertop snapshot --at TIME`: prints the recorded frame of the target the settings name,
/// without connecting.
pub fn snapshot_at(s: &Settings, at: &str, format: Format, width: Option<u16>) -> Outcome {
    match print_frame(s, at, format, width) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(StartError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(ExitCode::from(EXIT_BROKEN_PIPE))
        }
        Err(e) => Err(Failure::new(e.to_string(), 1)),
    }
}

fn print_frame(
    s: &Settings,
    at: &str,
    format: Format,
    width: Option<u16>,
) -> Result<(), StartError> {
    let resolved =
        conninfo::resolve(&s.inputs, &Environment::from_process()).map_err(StartError::Settings)?;
    let now = chrono::Utc::now();
    let at = crate::recording::when::parse(at, now, &chrono::Local).map_err(StartError::Time)?;
    let path = crate::recording::place::file_for(&resolved).ok_or(StartError::NoHome)?;
    let width = print_width(width);
    let target = resolved.target_short();
    let source = crate::recording::source::open_for(&resolved, s.record_into.as_deref(), &path)
        .map_err(StartError::Record)?;
    let text = crate::recorder::replay_at(&source, &target, at, format == Format::Json, width)
        .map_err(StartError::Record)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(StartError::Write)
}

/// `hypertop upgrade-check`: the update's findings printed, the exit status by the worst; a
/// read that fails, or nothing to judge, is UNKNOWN (3), as `check` says it.
async fn upgrade_check(
    client: &tokio_postgres::Client,
    to: Option<&str>,
    format: Format,
) -> Outcome {
    use crate::upgrade;
    let facts = (upgrade::read::facts(client).await)
        .map_err(|e| Failure::new(format!("cannot read the catalog: {e:#}"), EXIT_UNKNOWN))?;
    let report = upgrade::target(&facts, to)
        .and_then(|target| upgrade::judge(&facts, target))
        .map_err(|e| Failure::new(e.to_string(), EXIT_UNKNOWN))?;
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&report)
            .map(|mut j| {
                j.push('\n');
                j
            })
            .map_err(|e| Failure::new(e.to_string(), 1))?,
        Format::Text => upgrade::report::text(&report),
    };
    match super::write_stdout(text.as_bytes())? {
        c if c == ExitCode::SUCCESS => Ok(ExitCode::from(report.exit_code())),
        other => Ok(other),
    }
}

/// `hypertop replay`: the recording of the target the settings name, without connecting.
pub async fn replay(s: &Settings, at: Option<&str>) -> Outcome {
    let theme = theme(s.theme.as_deref())?;
    replay_from(s, at, theme)
        .await
        .map(|exit| console_exit(Ok(exit)))
        .map_err(|e| Failure::new(format!("{e:#}"), 1))
}

/// `hypertop replay`: the recording of the target the settings name, shown from `at`.
async fn replay_from(
    s: &Settings,
    at: Option<&str>,
    theme: Theme,
) -> anyhow::Result<console::Exit> {
    let resolved =
        conninfo::resolve(&s.inputs, &Environment::from_process()).map_err(StartError::Settings)?;
    let at = at
        .map(|at| crate::recording::when::parse(at, chrono::Utc::now(), &chrono::Local))
        .transpose()
        .map_err(StartError::Time)?;
    let path = crate::recording::place::file_for(&resolved).ok_or(StartError::NoHome)?;
    let source = crate::recording::source::open_for(&resolved, s.record_into.as_deref(), &path)
        .map_err(StartError::Record)?;
    let (store, replay) =
        crate::replay::open(source, &resolved.target_short(), at).map_err(StartError::Record)?;
    crate::replay::run::run(store, replay, theme).await
}

/// `hypertop record --init-store --into STORE`: makes or upgrades the team store as its owner
/// and says what it did and how logins are let in.
pub async fn init_store(s: &Settings) -> Outcome {
    use crate::recording::team::{self, schema, StoreSession};
    let Some(store) = &s.record_into else {
        return Err(Failure::new(
            "--init-store makes the team store --into names (or a profile's record_into, HYPERTOP_RECORD_INTO): none given",
            2,
        ));
    };
    let fail = |e: crate::recording::error::RecordError| Failure::new(e.to_string(), 1);
    let resolved = team::resolve(store).map_err(fail)?;
    let session = StoreSession::open(&resolved).await.map_err(fail)?;
    let age = s
        .record_max_age
        .unwrap_or_else(|| crate::recording::bounds::Bounds::default().max_age());
    let done = schema::init(&session, age).await.map_err(fail)?;
    let mut text = format!(
        "team store {} at schema version {} ({}):\n",
        session.name,
        schema::VERSION,
        match &session.timescaledb {
            Some(_) => "TimescaleDB: hypertables, compression and retention",
            None => "plain PostgreSQL: hypertop prunes it",
        }
    );
    if !done.iter().any(|l| l.starts_with("schema version")) {
        text.push_str("  its schema was up to date\n");
    }
    for line in done {
        text.push_str(&format!("  {line}\n"));
    }
    text.push_str(&format!(
        "let a recorder's login write:  GRANT {} TO <login>;\nlet a reader's login read:     GRANT {} TO <login>;\n",
        team::WRITER_ROLE,
        team::READER_ROLE
    ));
    super::write_stdout(text.as_bytes())
}

/// One connection to the target, then `run`, `history`, `policy`, `snapshot`, `record`,
/// `check` or the console (the demo's: its engine started first).
pub async fn connected(cli: &Cli, mut settings: Settings) -> Outcome {
    // A broken theme is reported before anything else happens (and the terminal is untouched).
    let theme = match cli.command {
        None | Some(Sub::Demo { .. }) => theme(settings.theme.as_deref())?,
        _ => Theme::mono(),
    };
    // The demo: start (and on first use install and load) the built-in engine, then connect.
    let _demo = match &cli.command {
        Some(Sub::Demo { reset, dir }) => {
            let port = match cli.port.as_deref().map(str::parse::<u16>) {
                None => None,
                Some(Ok(p)) => Some(p),
                Some(Err(_)) => {
                    return Err(Failure::new(
                        format!(
                            "--port {}: not a port number",
                            cli.port.as_deref().unwrap_or("")
                        ),
                        2,
                    ))
                }
            };
            match crate::demo::start(dir.clone(), *reset, port).await {
                Ok(d) => {
                    eprintln!("{}", d.connection_line());
                    settings.inputs = ConnectionInputs {
                        conninfo: Some(d.conninfo()),
                        ..ConnectionInputs::default()
                    };
                    Some(d)
                }
                Err(e) => return Err(Failure::new(e.to_string(), 1)),
            }
        }
        _ => None,
    };
    let (connector, session, caps) = match crate::settings::open(&settings).await {
        Ok(c) => c,
        Err(e) => return Err(Failure::new(e.to_string(), EXIT_CONNECT)),
    };
    let journal = Journal::new(settings.journal.clone());
    // snapshot's and check's one read, starting from what the last one kept (in the target's
    // recording, unless recording is off)
    let keep = settings.keep_in(connector.resolved());
    let collect = |one_session: bool| {
        crate::snapshot::collect_once(
            &session,
            &connector,
            &caps,
            &settings.limits,
            one_session,
            keep.as_ref(),
        )
    };
    let ctx = headless::Context {
        connector: &connector,
        session: &session,
        caps: &caps,
        journal: &journal,
        origin: crate::actions::journal::Origin::of(&connector, &caps),
        lock_timeout: settings.lock_timeout,
        utc: cli.utc,
    };
    match &cli.command {
        Some(Sub::Run {
            action,
            execute,
            force,
            ..
        }) => {
            let how = headless::RunOptions {
                dry_run: execute.dry_run,
                yes: execute.yes,
                force: *force,
            };
            return Ok(ExitCode::from(headless::run(&ctx, action, how).await));
        }
        Some(Sub::History { .. }) => return Ok(ExitCode::from(headless::history(&ctx).await)),
        Some(Sub::Policy { what }) => {
            return Ok(ExitCode::from(
                headless::policy::run(&ctx, what, &settings.limits).await,
            ))
        }
        Some(Sub::Snapshot {
            format,
            width,
            one_session,
            statement_texts,
            ..
        }) => {
            let mut snap = collect(*one_session).await;
            snap.read_statements(&session.client, &caps, *statement_texts)
                .await;
            match format {
                Format::Json => {
                    // Streamed: at 50,000 chunks the document is tens of MB.
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    let written = serde_json::to_writer_pretty(&mut out, &snap.document())
                        .map_err(std::io::Error::from)
                        .and_then(|_| writeln!(out))
                        .and_then(|_| out.flush());
                    match written {
                        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                            return Ok(ExitCode::from(EXIT_BROKEN_PIPE))
                        }
                        Err(e) => {
                            return Err(Failure::new(format!("cannot write the snapshot: {e}"), 1))
                        }
                        Ok(()) => {}
                    }
                }
                Format::Text => {
                    print!("{}", snap.to_text(cli.utc, print_width(*width)))
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        Some(Sub::Record { once, .. }) => {
            let (path, opts) = record_options(&settings, connector.resolved(), *once)?;
            let code = crate::recorder::daemon::run(&connector, session, caps, &path, opts);
            return Ok(ExitCode::from(code.await));
        }
        Some(Sub::Check { one_session, .. }) => {
            let snap = collect(*one_session).await;
            let (code, line) = crate::snapshot::check(&snap, &settings.limits);
            println!("{}", crate::format::printable(&line));
            return Ok(ExitCode::from(code));
        }
        Some(Sub::UpgradeCheck { to, format, .. }) => {
            return upgrade_check(&session.client, to.as_deref(), *format).await
        }
        Some(Sub::Config { .. })
        | Some(Sub::Completions { .. })
        | Some(Sub::Man { .. })
        | Some(Sub::Demo { .. })
        | Some(Sub::Replay { .. })
        | Some(Sub::Exporter { .. })
        | None => {}
    }
    let target = connector.resolved().target_short();
    // the demo's too: its engine keeps its data between launches, and a relaunch opens with
    // the pictures its last run recorded (real reads, as on a server)
    let recording = settings
        .record_reads
        .then(|| settings.recording(connector.resolved()))
        .flatten();
    let action_connector = connector.clone();
    // by the identity this session reads: without one, not from the team's store (whose
    // frames under this address could be another server's)
    let team = match crate::recording::team::TargetId::of(&caps) {
        Some(id) => settings
            .team_source(connector.resolved(), Some(id))
            .map_err(|e| Failure::new(e.to_string(), 1))?,
        None => None,
    };
    let link = Link::start(connector, Some((session, caps)));
    let mut opts = console_options(&settings, cli, theme);
    // the process keeps one demo: its line lives as long
    opts.note = _demo
        .as_ref()
        .map(|d| ("Demo", &*Box::leak(d.console_line().into_boxed_str())));
    let targets = vec![console::Database {
        name: cli.profile.clone().unwrap_or_else(|| "default".into()),
        short: target,
        planner: Planner::new(
            &action_connector,
            settings.plan_login.clone(),
            settings.statement_timeout,
        ),
        link,
        connector: action_connector,
        recording,
        team,
    }];
    Ok(console_exit(console::run(targets, opts).await))
}

/// Where `record` writes for the target `resolved` and how, from its settings.
pub(super) fn record_options(
    settings: &Settings,
    resolved: &crate::conninfo::Resolved,
    once: bool,
) -> Result<(std::path::PathBuf, crate::recorder::daemon::RecordOptions), Failure> {
    let Some((path, bounds)) = settings.recording(resolved) else {
        return Err(Failure::new(
            "no home directory: set XDG_STATE_HOME or HOME",
            1,
        ));
    };
    let into = match &settings.record_into {
        Some(store) => Some(
            crate::recording::team::resolve(store).map_err(|e| Failure::new(e.to_string(), 1))?,
        ),
        None => None,
    };
    let keep_in = crate::store::keeping::KeepIn {
        file: path.clone(),
        bounds: bounds.clone(),
        team: into.clone(),
    };
    let opts = crate::recorder::daemon::RecordOptions {
        every: settings.record_every,
        once,
        bounds,
        keep_in,
        limits: settings.limits,
        into,
        with_statements: settings.record_statements,
        team_max_size: settings.record_max_size,
    };
    Ok((path, opts))
}
