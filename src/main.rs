use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use hypertop::app::{self, AppOptions, Exit};
use hypertop::capabilities::Capabilities;
use hypertop::cli::{Cli, Sub};
use hypertop::connect::{Connector, SessionSettings};
use hypertop::conninfo::{self, Environment, Inputs};
use hypertop::link::Link;
use hypertop::theme::Theme;

/// Exit status for connection failures (as psql).
const EXIT_CONNECT: u8 = 2;

fn main() -> ExitCode {
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

async fn run(cli: Cli) -> ExitCode {
    // A broken theme is reported before anything else happens (and the terminal is untouched).
    let theme = match Theme::resolve(
        cli.theme.as_deref(),
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
    let env = Environment::from_process();
    let inputs = Inputs {
        conninfo: cli.conninfo(),
        host: cli.host.clone(),
        port: cli.port.clone(),
        user: cli.user.clone(),
        dbname: cli.dbname.clone(),
    };
    let resolved = match conninfo::resolve(&inputs, &env) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("hypertop: invalid connection settings: {e}");
            return ExitCode::from(EXIT_CONNECT);
        }
    };
    for w in &resolved.warnings {
        eprintln!("hypertop: {w}");
    }
    let settings = SessionSettings {
        statement_timeout: cli.statement_timeout,
        read_only: cli.read_only,
        ..SessionSettings::default()
    };
    let mut connector = match Connector::new(resolved, settings) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hypertop: {e}");
            return ExitCode::from(EXIT_CONNECT);
        }
    };
    let session = match connector.connect_interactive().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hypertop: {e}");
            return ExitCode::from(EXIT_CONNECT);
        }
    };
    let caps = match Capabilities::detect(&session.client).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "hypertop: connected to {}, but could not read the catalog: {}",
                connector.target(),
                hypertop::poller::describe_error(&e)
            );
            return ExitCode::from(EXIT_CONNECT);
        }
    };
    let journal = hypertop::journal::Journal::new(
        cli.journal
            .clone()
            .or_else(hypertop::journal::default_path)
            .unwrap_or_else(|| "hypertop-journal.jsonl".into()),
    );
    if let Some(sub) = &cli.command {
        let ctx = hypertop::headless::Context {
            connector: &connector,
            session: &session,
            caps: &caps,
            journal: &journal,
            origin: hypertop::headless::origin(&connector, &caps),
            lock_timeout: cli.lock_timeout,
            utc: cli.utc,
        };
        let code = match sub {
            Sub::Run {
                action,
                dry_run,
                yes,
                ..
            } => hypertop::headless::run(&ctx, action, *dry_run, *yes).await,
            Sub::History { .. } => hypertop::headless::history(&ctx).await,
        };
        return ExitCode::from(code);
    }
    let target = connector.resolved().target_short();
    let action_connector = connector.clone();
    let link = Link::start(connector, Some((session, caps)));
    let opts = AppOptions {
        actions: hypertop::app::ActionOptions {
            connector: action_connector,
            journal: journal.path.clone(),
            lock_timeout: cli.lock_timeout,
        },
        refresh_every: cli.refresh,
        utc: cli.utc,
        read_only: cli.read_only,
        theme,
        query_limit: cli.statement_timeout + Duration::from_secs(5),
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
