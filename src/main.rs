//! The `hypertop` command: settings (flags over profile over defaults), one connection, then
//! the console or a subcommand.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use hypertop::actions::journal::Journal;
use hypertop::capabilities::Capabilities;
use hypertop::cli::{Cli, ConfigWhat, Format, Sub};
use hypertop::config::{self, Profile};
use hypertop::connect::SessionSettings;
use hypertop::conninfo::{self, ConnectionInputs, Environment};
use hypertop::console::{self, AppOptions, Exit};
use hypertop::headless;
use hypertop::link::Link;
use hypertop::model::plan::Planner;
use hypertop::settings::{connector, fleet, settings, Settings, StartError};
use hypertop::theme::Theme;

/// Exit status for connection failures (as psql); `check` uses 3 (UNKNOWN) instead.
const EXIT_CONNECT: u8 = 2;
const EXIT_UNKNOWN: u8 = 3;

/// A first word one or two edits from a subcommand, given where the database goes (not with
/// `-d`, not after `--`): said as a typo before anything connects, as clap says one of a flag.
fn mistyped_subcommand(cli: &Cli, args: impl IntoIterator<Item = String>) -> Option<String> {
    let word = cli.conninfo.as_deref()?;
    let plain = !word.contains(['=', '/', ':', ' ', '@']);
    if cli.command.is_some() || !plain || args.into_iter().any(|a| a == "--") {
        return None;
    }
    let command = <Cli as clap::CommandFactory>::command();
    let names: Vec<&str> = (command.get_subcommands())
        .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()))
        .collect();
    let first = *hypertop::command::typo::closest(word, names).first()?;
    Some(format!(
        "hypertop: {word:?} is not a command: did you mean `hypertop {first}`? (to open the \
         database {word:?}, give it as -d {word} or after --)"
    ))
}

fn main() -> ExitCode {
    // glibc gives each thread its own malloc arena by default; one is plenty for a console
    // that mostly waits, and a block freed by one worker thread is then free for the other
    // (two arenas: peak RSS 74 MB at 50,000 chunks, one: 70 MB). Blocks from 64 KiB
    // are mapped on their own and given back when freed: by default glibc raises that
    // threshold to the largest block freed, and a first read's large transient arrays then
    // stayed in the arenas (peak RSS 24.0 → 21.3 MB at 20,000 chunks with these three).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 10);
        libc::mallopt(libc::M_TOP_PAD, 0);
    }
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    if let Some(typo) = mistyped_subcommand(&cli, std::env::args().skip(1)) {
        eprintln!("{typo}");
        return ExitCode::from(2);
    }
    // a tab that does not exist is said before anything connects
    if let Some(Err(e)) = cli
        .open
        .as_deref()
        .map(str::parse::<hypertop::screens::OpenAt>)
    {
        eprintln!("hypertop: --open: {}", hypertop::format::printable(&e));
        return ExitCode::from(2);
    }
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

/// `hypertop snapshot | head`: when the reader of stdout goes away, end as a Unix tool does on
/// SIGPIPE (status 141, nothing said) instead of panicking in `println!`. Rust ignores SIGPIPE
/// so that sockets report errors instead of killing the process; only stdout is treated so.
fn quiet_on_closed_stdout() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if stdout_reader_gone() {
            std::process::exit(EXIT_BROKEN_PIPE.into());
        }
        previous(info)
    }));
}

/// Whether stdout is a pipe or socket whose reader has gone (poll says POLLERR or POLLHUP on
/// the writing end), asked of the descriptor rather than read from the panic's words.
fn stdout_reader_gone() -> bool {
    let mut fd = libc::pollfd {
        fd: libc::STDOUT_FILENO,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, a zero timeout; poll only writes `revents`.
    let ready = unsafe { libc::poll(&mut fd, 1, 0) };
    ready == 1 && fd.revents & (libc::POLLERR | libc::POLLHUP) != 0
}

/// 128 + SIGPIPE.
const EXIT_BROKEN_PIPE: u8 = 141;

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
            .map_err(|e| e.to_string())
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
    // `policy diff` and `lint` answer 1 for drift: any failure of theirs is 2.
    let policy = matches!(cli.command, Some(Sub::Policy { .. }));
    // Failures before connecting: `check` reports them as UNKNOWN, the rest exit 1.
    let fail = |msg: String, code: u8| {
        // Whatever it quotes (a database name, a profile) is escaped for the terminal.
        // (a message of several lines, like a TOML error's, keeps its lines; check's one line
        // joins them)
        let msg = hypertop::format::printable_lines(&msg, if check { " / " } else { "\n" });
        if check {
            println!("HYPERTOP UNKNOWN - {msg}");
            ExitCode::from(EXIT_UNKNOWN)
        } else {
            eprintln!("hypertop: {msg}");
            ExitCode::from(if policy { 2 } else { code })
        }
    };
    if let Some(Sub::Config { what }) = &cli.command {
        return config_command(*what);
    }
    // made in memory, then written: a closed pipe (`| head`) ends quietly, as SIGPIPE would
    let made = match &cli.command {
        Some(Sub::Completions { shell }) => {
            let mut text = Vec::new();
            Cli::completions(*shell, &mut text);
            Some(Ok(text))
        }
        Some(Sub::Man { list: true, .. }) => Some(Ok(Cli::man_pages()
            .iter()
            .map(|p| format!("{p}\n"))
            .collect::<String>()
            .into_bytes())),
        Some(Sub::Man { path, .. }) => {
            let mut text = Vec::new();
            Some(Cli::man(path, &mut text).map(|_| text))
        }
        _ => None,
    };
    if let Some(made) = made {
        let written = made.and_then(|text| {
            let mut out = std::io::stdout().lock();
            out.write_all(&text).and_then(|_| out.flush())
        });
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                ExitCode::from(EXIT_BROKEN_PIPE)
            }
            // no such page: asked wrongly, as clap says of a flag
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fail(e.to_string(), 2),
            Err(e) => fail(format!("cannot write it: {e}"), 1),
        };
    }
    if let Some(e) = cli.file_given_as_database() {
        return fail(e, 2);
    }
    let profile = match &cli.profile {
        Some(name) => {
            let path = config::default_path().unwrap_or_else(|| "config.toml".into());
            match config::load(&path).and_then(|c| c.profile(name, &path)) {
                Ok(p) => p,
                Err(e) => return fail(e.to_string(), 1),
            }
        }
        None => Profile::default(),
    };
    let mut settings = match settings(&cli, &profile) {
        Ok(s) => s,
        Err(e) => return fail(e.to_string(), 1),
    };
    if cli.is_fleet() || matches!(cli.command, Some(Sub::Exporter { .. })) {
        let targets = if cli.is_fleet() {
            match fleet(&cli) {
                Ok(t) => t,
                Err(e) => return fail(e.to_string(), 1),
            }
        } else {
            vec![(
                cli.profile.clone().unwrap_or_else(|| "default".into()),
                settings,
            )]
        };
        match &cli.command {
            Some(Sub::Exporter {
                listen,
                cache,
                deadline,
                ..
            }) => {
                return exporter(listen, *cache, *deadline, targets).await;
            }
            Some(Sub::Check { .. }) => return check_all(targets).await,
            None => return fleet_console(&cli, targets).await,
            _ => {
                return fail(
                    "--fleet and --targets work with the console, `exporter` and `check --all`"
                        .into(),
                    2,
                )
            }
        }
    }
    // a recorded frame: printed from the store, without connecting
    if let Some(Sub::Snapshot {
        at: Some(at),
        format,
        width,
        ..
    }) = &cli.command
    {
        return match snapshot_at(&settings, at, *format, *width) {
            Ok(()) => ExitCode::SUCCESS,
            Err(StartError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                ExitCode::from(EXIT_BROKEN_PIPE)
            }
            Err(e) => fail(e.to_string(), 1),
        };
    }
    let console = matches!(
        cli.command,
        None | Some(Sub::Demo { .. }) | Some(Sub::Replay { .. })
    );
    // A broken theme is reported before anything else happens (and the terminal is untouched).
    let theme = if console {
        match Theme::resolve(
            settings.theme.as_deref(),
            hypertop::paths::config_dir().as_deref(),
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            std::env::var("TERM").ok().as_deref(),
        ) {
            Ok(t) => t,
            Err(e) => return fail(e.to_string(), 1),
        }
    } else {
        Theme::mono()
    };
    // a recording shown: read from the store, without connecting
    if let Some(Sub::Replay { at, .. }) = &cli.command {
        return match replay(&settings, at.as_deref(), theme).await {
            Ok(Exit::Quit) => ExitCode::SUCCESS,
            Ok(Exit::Signal(sig)) => ExitCode::from(128 + sig as u8),
            Err(e) => fail(format!("{e:#}"), 1),
        };
    }
    // The demo: start (and on first use install and load) the built-in engine, then connect.
    let _demo = match &cli.command {
        Some(Sub::Demo { reset, dir }) => {
            let port = match cli.port.as_deref().map(str::parse::<u16>) {
                None => None,
                Some(Ok(p)) => Some(p),
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
                    settings.inputs = ConnectionInputs {
                        conninfo: Some(d.conninfo()),
                        ..ConnectionInputs::default()
                    };
                    Some(d)
                }
                Err(e) => return fail(e.to_string(), 1),
            }
        }
        _ => None,
    };
    let (connector, session, caps) = match hypertop::settings::open(&settings).await {
        Ok(c) => c,
        Err(e) => return fail(e.to_string(), EXIT_CONNECT),
    };
    let journal = Journal::new(settings.journal.clone());
    // snapshot's and check's one read, starting from what the last one kept (in the target's
    // recording, unless recording is off)
    let keep = settings
        .record_reads
        .then(|| settings.recording(connector.resolved()))
        .flatten();
    let collect = |one_session: bool| {
        hypertop::snapshot::collect_once(
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
        origin: hypertop::actions::journal::Origin::of(&connector, &caps),
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
            return ExitCode::from(headless::run(&ctx, action, how).await);
        }
        Some(Sub::History { .. }) => return ExitCode::from(headless::history(&ctx).await),
        Some(Sub::Policy { what }) => {
            return ExitCode::from(headless::policy::run(&ctx, what, &settings.limits).await)
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
                            return ExitCode::from(EXIT_BROKEN_PIPE)
                        }
                        Err(e) => return fail(format!("cannot write the snapshot: {e}"), 1),
                        Ok(()) => {}
                    }
                }
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
        Some(Sub::Record { once, .. }) => {
            let Some((path, bounds)) = settings.recording(connector.resolved()) else {
                return fail("no home directory: set XDG_STATE_HOME or HOME".into(), 1);
            };
            let opts = hypertop::recorder::daemon::RecordOptions {
                every: settings.record_every,
                once: *once,
                bounds,
                limits: settings.limits,
            };
            let code = hypertop::recorder::daemon::run(&connector, session, caps, &path, opts);
            return ExitCode::from(code.await);
        }
        Some(Sub::Check { one_session, .. }) => {
            let snap = collect(*one_session).await;
            let (code, line) = hypertop::snapshot::check(&snap, &settings.limits);
            println!("{}", hypertop::format::printable(&line));
            return ExitCode::from(code);
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
    let link = Link::start(connector, Some((session, caps)));
    let mut opts = console_options(&settings, &cli, theme);
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
    }];
    match console::run(targets, opts).await {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from(128 + sig as u8),
        Err(e) => {
            eprintln!("hypertop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `snapshot --at TIME`: prints the recorded frame of the target the settings name.
fn snapshot_at(
    s: &Settings,
    at: &str,
    format: Format,
    width: Option<u16>,
) -> Result<(), StartError> {
    let resolved =
        conninfo::resolve(&s.inputs, &Environment::from_process()).map_err(StartError::Settings)?;
    let now = chrono::Utc::now();
    let at = hypertop::recording::when::parse(at, now, &chrono::Local).map_err(StartError::Time)?;
    let path = hypertop::recording::place::file_for(&resolved).ok_or(StartError::NoHome)?;
    // as `snapshot`: the terminal's width on a terminal, nothing cut into a file or a pipe
    let width = width.unwrap_or_else(|| {
        ratatui::crossterm::terminal::size()
            .ok()
            .filter(|_| std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .map_or(u16::MAX, |(w, _)| w)
    });
    let target = resolved.target_short();
    let text = hypertop::recorder::replay_at(&path, &target, at, format == Format::Json, width)
        .map_err(StartError::Record)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(StartError::Write)
}

/// `hypertop replay`: the recording of the target the settings name, shown from `at`.
async fn replay(s: &Settings, at: Option<&str>, theme: Theme) -> anyhow::Result<Exit> {
    let resolved =
        conninfo::resolve(&s.inputs, &Environment::from_process()).map_err(StartError::Settings)?;
    let at = at
        .map(|at| hypertop::recording::when::parse(at, chrono::Utc::now(), &chrono::Local))
        .transpose()
        .map_err(StartError::Time)?;
    let path = hypertop::recording::place::file_for(&resolved).ok_or(StartError::NoHome)?;
    let (store, replay) =
        hypertop::replay::open(&path, &resolved.target_short(), at).map_err(StartError::Record)?;
    hypertop::replay::run::run(store, replay, theme).await
}

/// `hypertop exporter`: serves until SIGINT or SIGTERM.
async fn exporter(
    listen: &str,
    cache: Duration,
    deadline: Duration,
    targets: Vec<(String, Settings)>,
) -> ExitCode {
    let mut list = Vec::new();
    for (name, s) in targets {
        match connector(&s) {
            Ok(c) => {
                let recording = s.record_reads.then(|| s.recording(c.resolved())).flatten();
                let mut target = hypertop::exporter::Target::new(name, c, s.limits);
                if let Some((path, bounds)) = recording {
                    target = target.recording_to(path, bounds);
                }
                list.push(std::sync::Arc::new(target));
            }
            Err(e) => {
                eprintln!("hypertop: target {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    // the last address's failure is the one said (`[::]` refused on a host without IPv6 is not
    // news when IPv4's is refused too)
    let mut bound = Err(String::from("no address"));
    for addr in hypertop::exporter::listen_addresses(listen) {
        bound = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|e| e.to_string());
        if bound.is_ok() {
            break;
        }
    }
    let listener = match bound {
        Ok(l) => l,
        Err(e) => {
            eprintln!("hypertop: cannot listen on {listen}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = listener
        .local_addr()
        .map_or(listen.to_string(), |a| a.to_string());
    eprintln!(
        "hypertop exporter: http://{addr}/metrics ({} target{}: {})",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        hypertop::format::printable(
            &list
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    let opts = hypertop::exporter::Options {
        cache_for: cache,
        deadline,
        second_session: list.len() == 1,
    };
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("hypertop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = tokio::select! {
        r = hypertop::exporter::serve(listener, list, opts) => match r {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hypertop: exporter: {e}");
                ExitCode::FAILURE
            }
        },
        _ = tokio::signal::ctrl_c() => ExitCode::SUCCESS,
        _ = term.recv() => ExitCode::SUCCESS,
    };
    // what the recordings gathered is written before the process ends
    hypertop::recording::live::finish();
    code
}

/// `hypertop check --all`: one Nagios line per target, and the worst status (CRITICAL over
/// UNKNOWN over WARNING over OK).
async fn check_all(targets: Vec<(String, Settings)>) -> ExitCode {
    let reads = targets.into_iter().map(|(name, s)| async move {
        let line = async {
            let c = connector(&s).map_err(|e| e.to_string())?;
            // at most PER_SERVER targets of one server read at once
            let _turn = c.turn(&hypertop::connect::READING).await;
            let session = c.connect().await.map_err(|e| e.to_string())?;
            let caps = Capabilities::detect(&session.client)
                .await
                .map_err(|e| hypertop::connect::describe_error(&e))?;
            // One session each (a second would double the connections).
            let keep = s.record_reads.then(|| s.recording(c.resolved())).flatten();
            let snap = hypertop::snapshot::collect_keeping(
                &session.client,
                None,
                &caps,
                &s.limits,
                keep.as_ref(),
            )
            .await;
            // The turn is given back once the session has ended on the server too.
            session.close().await;
            Ok::<_, String>(hypertop::snapshot::check(&snap, &s.limits))
        }
        .await
        .unwrap_or_else(|e| {
            (
                EXIT_UNKNOWN,
                format!("HYPERTOP UNKNOWN - {}", hypertop::format::printable(&e)),
            )
        });
        (name, line)
    });
    let mut worst = 0u8;
    let rank = |code: u8| match code {
        0 => 0,
        1 => 1,
        3 => 2,
        _ => 3,
    };
    for (name, (code, line)) in futures_util::future::join_all(reads).await {
        println!(
            "{}",
            hypertop::format::printable(&format!("{name}: {line}"))
        );
        if rank(code) > rank(worst) {
            worst = code;
        }
    }
    ExitCode::from(worst)
}

/// How the console runs, from the settings.
fn console_options(s: &Settings, cli: &Cli, theme: Theme) -> AppOptions {
    AppOptions {
        journal: s.journal.clone(),
        lock_timeout: s.lock_timeout,
        refresh_every: s.refresh,
        utc: cli.utc,
        read_only: s.read_only,
        theme,
        query_limit: s.statement_timeout + Duration::from_secs(5),
        thresholds: s.limits,
        note: None,
        open: cli.open.as_deref().and_then(|o| o.parse().ok()),
    }
}

/// `hypertop --fleet`: the console on every target at once, each with its own link.
async fn fleet_console(cli: &Cli, targets: Vec<(String, Settings)>) -> ExitCode {
    let Some((_, first)) = targets.first() else {
        return ExitCode::FAILURE;
    };
    let theme = match Theme::resolve(
        first.theme.as_deref(),
        hypertop::paths::config_dir().as_deref(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("TERM").ok().as_deref(),
    ) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("hypertop: {e}");
            return ExitCode::FAILURE;
        }
    };
    let opts = console_options(first, cli, theme);
    let mut members = Vec::new();
    for (name, s) in &targets {
        let c = match connector(s) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("hypertop: target {name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        // Actions open their own sessions with the target's settings (read-only as asked).
        let actions = c.with_settings(SessionSettings {
            read_only: s.read_only,
            ..c.settings().clone()
        });
        members.push(console::Database {
            name: name.clone(),
            short: format!("{name}: {}", c.resolved().target_short()),
            planner: Planner::new(&c, s.plan_login.clone(), s.statement_timeout),
            recording: s.record_reads.then(|| s.recording(c.resolved())).flatten(),
            link: Link::start(c, None),
            connector: actions,
        });
    }
    match console::run(members, opts).await {
        Ok(Exit::Quit) => ExitCode::SUCCESS,
        Ok(Exit::Signal(sig)) => ExitCode::from(128 + sig as u8),
        Err(e) => {
            eprintln!("hypertop: {e:#}");
            ExitCode::FAILURE
        }
    }
}
