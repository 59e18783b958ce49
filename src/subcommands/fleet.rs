//! The subcommands over many targets at once: `exporter`, `check --all` and the fleet console
//! (`--fleet`, `--targets`).

use std::process::ExitCode;
use std::time::Duration;

use super::{console_exit, console_options, theme, EXIT_UNKNOWN};
use crate::capabilities::Capabilities;
use crate::cli::Cli;
use crate::connect::SessionSettings;
use crate::console;
use crate::link::Link;
use crate::model::plan::Planner;
use crate::settings::{connector, Settings};

/// `hypertop exporter`: serves until SIGINT or SIGTERM.
pub async fn exporter(
    listen: &str,
    cache: Duration,
    deadline: Duration,
    targets: Vec<(String, Settings)>,
) -> ExitCode {
    let mut list = Vec::new();
    for (name, s) in targets {
        match connector(&s) {
            Ok(c) => {
                let keep = s.keep_in(c.resolved());
                let mut target = crate::exporter::Target::new(name, c, s.limits);
                if let Some(keep) = keep {
                    target = target.recording_to(keep);
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
    for addr in crate::exporter::listen_addresses(listen) {
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
        crate::format::printable(
            &list
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    );
    let opts = crate::exporter::Options {
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
        r = crate::exporter::serve(listener, list, opts) => match r {
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
    crate::recording::live::finish();
    code
}

/// `hypertop record --targets FILE` (or `--fleet`): every target recorded by one process, each
/// as `record` records one (its own recording, or the team's store its profile names), its
/// lines prefixed by its name; a target down at start is tried again every interval. The
/// worst exit status.
pub async fn record_all(targets: Vec<(String, Settings)>, once: bool) -> ExitCode {
    use crate::recorder::daemon;
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        eprintln!("hypertop record: cannot listen for SIGTERM");
        return ExitCode::FAILURE;
    };
    // each on its own task (one's file or store never holds up another's frame)
    let mut runs = tokio::task::JoinSet::new();
    for (name, s) in targets {
        runs.spawn(daemon::MEMBER.scope(name.clone(), async move {
            let said = |line: String| {
                let line = format!("{name}: {line}");
                eprintln!("hypertop record: {}", crate::format::printable(&line));
            };
            let c = match connector(&s) {
                Ok(c) => c,
                Err(e) => {
                    said(e.to_string());
                    return 1;
                }
            };
            match super::target::record_options(&s, c.resolved(), once) {
                Ok((path, opts)) => daemon::run_when_connected(&c, &path, opts).await,
                Err(e) => {
                    said(e.message);
                    e.code
                }
            }
        }));
    }
    let mut worst = 0;
    // told to stop: every target stops at once (a frame half read is not written)
    loop {
        tokio::select! {
            done = runs.join_next() => match done {
                Some(code) => worst = worst.max(code.unwrap_or(1)),
                None => break,
            },
            _ = tokio::signal::ctrl_c() => return ExitCode::SUCCESS,
            _ = term.recv() => return ExitCode::SUCCESS,
        }
    }
    ExitCode::from(worst)
}

/// `hypertop check --all`: one Nagios line per target, and the worst status (CRITICAL over
/// UNKNOWN over WARNING over OK).
pub async fn check_all(targets: Vec<(String, Settings)>) -> ExitCode {
    let reads = targets.into_iter().map(|(name, s)| async move {
        let line = async {
            let c = connector(&s).map_err(|e| e.to_string())?;
            // at most PER_SERVER targets of one server read at once
            let _turn = c.turn(&crate::connect::READING).await;
            let session = c.connect().await.map_err(|e| e.to_string())?;
            let caps = Capabilities::detect(&session.client)
                .await
                .map_err(|e| crate::connect::describe_error(&e))?;
            // One session each (a second would double the connections).
            let keep = s.keep_in(c.resolved());
            let snap = crate::snapshot::collect_keeping(
                &session.client,
                None,
                &caps,
                &s.limits,
                keep.as_ref(),
            )
            .await;
            // The turn is given back once this side has ended the session (its backend may take
            // a moment longer to exit: see Session::close).
            session.close().await;
            Ok::<_, String>(crate::snapshot::check(&snap, &s.limits))
        }
        .await
        .unwrap_or_else(|e| {
            (
                EXIT_UNKNOWN,
                format!("HYPERTOP UNKNOWN - {}", crate::format::printable(&e)),
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
        println!("{}", crate::format::printable(&format!("{name}: {line}")));
        if rank(code) > rank(worst) {
            worst = code;
        }
    }
    ExitCode::from(worst)
}

/// `hypertop --fleet`: the console on every target at once, each with its own link.
pub async fn console(cli: &Cli, targets: Vec<(String, Settings)>) -> ExitCode {
    let Some((_, first)) = targets.first() else {
        return ExitCode::FAILURE;
    };
    let theme = match theme(first.theme.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("hypertop: {}", e.message);
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
            // by address: a fleet's members connect later (the console checks nothing more)
            team: match s.team_source(c.resolved(), None) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("hypertop: target {name}: {e}");
                    return ExitCode::FAILURE;
                }
            },
            link: Link::start(c, None),
            connector: actions,
        });
    }
    console_exit(console::run(members, opts).await)
}
