//! What each of the command line's subcommands does, one function each: `main.rs` parses the
//! command line and dispatches here. A failure before anything runs is a [`Failure`], said by
//! `main` as the subcommand's convention asks (`check`'s UNKNOWN line, `policy`'s status 2).

pub mod fleet;
pub mod target;
pub mod text;

use std::io::Write;
use std::process::ExitCode;

/// Exit status for connection failures (as psql); `check` uses [`EXIT_UNKNOWN`] instead.
pub const EXIT_CONNECT: u8 = 2;
/// Nagios' UNKNOWN.
pub const EXIT_UNKNOWN: u8 = 3;
/// Wrongly asked (as clap exits on a bad flag).
pub const EXIT_USAGE: u8 = 2;
/// 128 + SIGPIPE: the reader of stdout went away.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// A subcommand that could not start or finish: what to say, and the exit status.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(message: impl Into<String>, code: u8) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }
}

/// What a subcommand ends with: its status, or a failure for `main` to say.
pub type Outcome = Result<ExitCode, Failure>;

/// `text` written to stdout whole: a closed pipe (`| head`) ends quietly, as SIGPIPE would.
fn write_stdout(text: &[u8]) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(text).and_then(|_| out.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(ExitCode::from(EXIT_BROKEN_PIPE))
        }
        Err(e) => Err(Failure::new(format!("cannot write it: {e}"), 1)),
    }
}

/// The width text is printed at: as asked, else the terminal's when printing to one; into a
/// file or a pipe nothing is cut.
fn print_width(asked: Option<u16>) -> u16 {
    asked.unwrap_or_else(|| {
        ratatui::crossterm::terminal::size()
            .ok()
            .filter(|_| std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .map_or(u16::MAX, |(w, _)| w)
    })
}

/// The theme the console draws with, from the settings and the environment.
fn theme(name: Option<&str>) -> Result<crate::theme::Theme, Failure> {
    crate::theme::Theme::resolve(
        name,
        crate::paths::config_dir().as_deref(),
        std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        std::env::var("TERM").ok().as_deref(),
    )
    .map_err(|e| Failure::new(e.to_string(), 1))
}

/// How the console ended, as an exit status.
fn console_exit(ended: anyhow::Result<crate::console::Exit>) -> ExitCode {
    match ended {
        Ok(crate::console::Exit::Quit) => ExitCode::SUCCESS,
        Ok(crate::console::Exit::Signal(sig)) => ExitCode::from(128 + sig as u8),
        Err(e) => {
            eprintln!("hypertop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// How the console runs, from the settings.
fn console_options(
    s: &crate::settings::Settings,
    cli: &crate::cli::Cli,
    theme: crate::theme::Theme,
) -> crate::console::AppOptions {
    crate::console::AppOptions {
        journal: s.journal.clone(),
        lock_timeout: s.lock_timeout,
        refresh_every: s.refresh,
        utc: cli.utc,
        read_only: s.read_only,
        theme,
        query_limit: s.statement_timeout + std::time::Duration::from_secs(5),
        thresholds: s.limits,
        note: None,
        open: cli.open.as_deref().and_then(|o| o.parse().ok()),
    }
}
