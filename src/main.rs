//! The `hypertop` command: the command line parsed, then dispatched to its subcommand
//! (`hypertop::subcommands`).

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use hypertop::cli::{Cli, Sub};
use hypertop::settings::fleet as fleet_of;
use hypertop::subcommands::{
    fleet, target, text, Failure, Outcome, EXIT_BROKEN_PIPE, EXIT_UNKNOWN, EXIT_USAGE,
};

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
    // (a lower peak). Blocks from 64 KiB are mapped on their own and given back when freed:
    // by default glibc raises that threshold to the largest block freed, and a first read's
    // large transient arrays then stayed in the arenas (these three lower the peak RSS).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 10);
        libc::mallopt(libc::M_TOP_PAD, 0);
    }
    quiet_on_closed_stdout();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // upgrade-check's 1 and 2 are findings: a command line it cannot take is UNKNOWN
        Err(e) if e.use_stderr() && std::env::args().any(|a| a == "upgrade-check") => {
            let _ = e.print();
            return ExitCode::from(EXIT_UNKNOWN);
        }
        Err(e) => e.exit(),
    };
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

/// The subcommand the command line asks for, and its failure said as that subcommand's
/// convention asks: `check` as an UNKNOWN line on stdout, `policy` (whose 1 is drift) with 2,
/// `upgrade-check` (whose 1 and 2 are findings) with 3, the rest on stderr.
async fn run(cli: Cli) -> ExitCode {
    let check = matches!(cli.command, Some(Sub::Check { .. }));
    // upgrade-check's 1 and 2 are findings: anything that stops it is UNKNOWN, as check's
    let upgrade_check = matches!(cli.command, Some(Sub::UpgradeCheck { .. }));
    let policy = matches!(cli.command, Some(Sub::Policy { .. }));
    match dispatch(&cli).await {
        Ok(code) => code,
        Err(Failure { message, code }) => {
            // Whatever it quotes (a database name, a profile) is escaped for the terminal; a
            // message of several lines (a TOML error's) keeps them, check's one line joins them.
            let message =
                hypertop::format::printable_lines(&message, if check { " / " } else { "\n" });
            if check {
                println!("HYPERTOP UNKNOWN - {message}");
                ExitCode::from(EXIT_UNKNOWN)
            } else {
                eprintln!("hypertop: {message}");
                ExitCode::from(match () {
                    _ if policy => 2,
                    _ if upgrade_check => EXIT_UNKNOWN,
                    _ => code,
                })
            }
        }
    }
}

async fn dispatch(cli: &Cli) -> Outcome {
    match &cli.command {
        Some(Sub::Config { what }) => return Ok(text::config(*what)),
        Some(Sub::Completions { shell }) => return text::completions(*shell),
        Some(Sub::Man { list, path }) => return text::man(*list, path),
        _ => {}
    }
    if let Some(e) = cli.file_given_as_database() {
        return Err(Failure::new(e, EXIT_USAGE));
    }
    let settings = target::settings_of(cli)?;
    if cli.is_fleet() || matches!(cli.command, Some(Sub::Exporter { .. })) {
        let targets = if cli.is_fleet() {
            fleet_of(cli).map_err(|e| Failure::new(e.to_string(), 1))?
        } else {
            let name = cli.profile.clone().unwrap_or_else(|| "default".into());
            vec![(name, settings)]
        };
        return match &cli.command {
            Some(Sub::Exporter {
                listen,
                cache,
                deadline,
                ..
            }) => Ok(fleet::exporter(listen, *cache, *deadline, targets).await),
            Some(Sub::Check { .. }) => Ok(fleet::check_all(targets).await),
            Some(Sub::Record {
                once,
                init_store: false,
                ..
            }) => Ok(fleet::record_all(targets, *once).await),
            None => Ok(fleet::console(cli, targets).await),
            _ => Err(Failure::new(
                "--fleet and --targets work with the console, `exporter`, `check --all` and `record`",
                EXIT_USAGE,
            )),
        };
    }
    match &cli.command {
        // from the recording, without connecting
        Some(Sub::Snapshot {
            at: Some(at),
            format,
            width,
            ..
        }) => target::snapshot_at(&settings, at, *format, *width),
        Some(Sub::Replay { at, .. }) => target::replay(&settings, at.as_deref()).await,
        // the team store's, without a target
        Some(Sub::Record {
            init_store: true, ..
        }) => target::init_store(&settings).await,
        _ => target::connected(cli, settings).await,
    }
}
