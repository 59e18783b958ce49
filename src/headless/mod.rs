//! `hypertop run '<command>'`, `hypertop history` and `hypertop policy …`: the palette's
//! commands for scripts.

use crate::command::spec::family;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};

use crate::actions::journal::{self, Journal, Origin};
use crate::actions::parse::{parse, Command};
use crate::actions::runner::{self, Event, Runner};
use crate::actions::{Confirm, Plan};
use crate::capabilities::Capabilities;
use crate::connect::{Connector, Session};

pub mod policy;

/// Exit statuses: 0 done, 1 failed (or refused), 2 bad usage or refused without --yes, 130
/// cancelled.
pub const EXIT_FAILED: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_CANCELLED: u8 = 130;

pub struct Context<'a> {
    pub connector: &'a Connector,
    pub session: &'a Session,
    pub caps: &'a Capabilities,
    pub journal: &'a Journal,
    pub origin: Origin,
    pub lock_timeout: Duration,
    pub utc: bool,
}

/// How `run` goes about it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    pub dry_run: bool,
    pub yes: bool,
    pub force: bool,
}

/// Prints a line of plan or outcome with the database's text made safe for the terminal.
fn say(line: &str) {
    println!("{}", crate::format::printable(line));
}

fn complain(line: &str) {
    eprintln!("hypertop: {}", crate::format::printable_lines(line, "\n"));
}

/// The plan as text: what, where, locks, SQL, and how to undo it.
pub fn describe(plan: &Plan) -> Vec<String> {
    let mut out = vec![format!("Plan: {}", plan.summary)];
    out.extend(
        plan.consequences(8)
            .into_iter()
            .filter(|c| !matches!(c.label, "Rollback" | "Irreversible"))
            .map(|c| format!("{}: {}", c.label, c.text)),
    );
    out.push("SQL:".into());
    out.extend(plan.preview_sql(20).into_iter().map(|s| format!("  {s};")));
    out.extend(
        plan.consequences(8)
            .into_iter()
            .filter(|c| matches!(c.label, "Rollback" | "Irreversible"))
            .map(|c| format!("{}: {}", c.label, c.text)),
    );
    if plan.inverse.is_some() {
        // In the order `rollback` runs them.
        let inv = plan.undo_for(plan.steps.len());
        out.push("Undo (rollback):".into());
        out.extend(inv.iter().take(5).map(|s| format!("  {};", s.display())));
        if inv.len() > 5 {
            out.push(format!("  -- … {} in all", inv.len()));
        }
    }
    out
}

/// The plan for `cmd` on this connection (rollbacks from the journal).
pub async fn make_plan(ctx: &Context<'_>, cmd: &Command) -> Result<Plan, runner::PlanningError> {
    runner::plan(&ctx.session.client, ctx.caps, ctx.journal, &ctx.origin, cmd).await
}

pub async fn history(ctx: &Context<'_>) -> u8 {
    match ctx.journal.history(&ctx.origin) {
        Ok(read) => {
            if read.entries.is_empty() {
                say(&format!(
                    "No actions journaled for this database ({}).",
                    ctx.journal.path.display()
                ));
            }
            let mut lines = journal::format_history(&read, ctx.utc);
            // what the recording saw of each action's object, where this database is recorded
            let recording = crate::recording::place::file_for(ctx.connector.resolved())
                .and_then(|p| crate::recording::store::Store::open(&p).ok().flatten());
            if let Some(store) = recording {
                lines = crate::actions::seen::interleaved(&read, lines, &store, ctx.utc);
            }
            for line in lines {
                println!("{line}");
            }
            0
        }
        Err(e) => {
            complain(&e.to_string());
            EXIT_FAILED
        }
    }
}

pub async fn run(ctx: &Context<'_>, line: &str, how: RunOptions) -> u8 {
    let cmd = match parse(line) {
        Ok(c) => c,
        Err(e) => {
            complain(&e.to_string());
            return EXIT_USAGE;
        }
    };
    if cmd == Command::Journal(family::Journal::History) {
        return history(ctx).await;
    }
    let plan = match make_plan(ctx, &cmd).await {
        Ok(p) => p,
        Err(e) => {
            complain(&e.to_string());
            return EXIT_FAILED;
        }
    };
    execute(ctx, plan, how).await
}

/// Shows the plan, then (unless a dry run) asks — or takes `--yes` — and runs and journals it.
pub async fn execute(ctx: &Context<'_>, plan: Plan, how: RunOptions) -> u8 {
    let RunOptions {
        dry_run,
        yes,
        force,
    } = how;
    for l in describe(&plan) {
        say(&l);
    }
    if dry_run {
        println!("Dry run: nothing was executed.");
        return 0;
    }
    if ctx.connector.settings().read_only && plan.mutating {
        eprintln!("hypertop: {}", crate::actions::READ_ONLY_REFUSAL);
        return EXIT_FAILED;
    }
    if yes && plan.needs_force && !force {
        complain("refused: this rollback would overwrite the later changes above; add --force to do it anyway");
        return EXIT_FAILED;
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            eprintln!("hypertop: refusing to execute without --yes when stdin is not a terminal (use --dry-run to only see the plan)");
            return EXIT_USAGE;
        }
        if !confirmed(&plan.confirm) {
            println!("Cancelled: nothing was executed.");
            return EXIT_CANCELLED;
        }
    }
    let runner = Runner {
        connector: ctx.connector.clone(),
        journal: Arc::new(Journal::new(ctx.journal.path.clone())),
        origin: ctx.origin.clone(),
        lock_timeout: ctx.lock_timeout,
    };
    let mut running = runner.spawn(plan.clone());
    // SIGINT, SIGTERM and SIGHUP (the SSH session dropped) all stop after the current
    // statement, cancelled on the server, and the outcome is journaled before exiting.
    let signals = [
        SignalKind::interrupt(),
        SignalKind::terminate(),
        SignalKind::hangup(),
    ]
    .map(|kind| signal(kind).ok());
    let [mut sigint, mut sigterm, mut sighup] = signals;
    let mut interrupted = false;
    let outcome = loop {
        tokio::select! {
            ev = running.next() => match ev {
                Event::Done(o) => break o,
                Event::Step { index, total, label } => {
                    eprintln!("[{}/{total}] {}", index + 1, crate::format::printable(&label))
                }
            },
            Some(name) = next_signal(&mut sigint, &mut sigterm, &mut sighup), if !interrupted => {
                interrupted = true;
                // The terminal may be gone after SIGHUP: a failed write is ignored.
                let _ = writeln!(std::io::stderr(), "hypertop: {name}: cancelling…");
                running.cancel();
            }
        }
    };
    let id = outcome.journal_id.as_deref().unwrap_or("-");
    if let Some(e) = &outcome.journal_error {
        complain(&format!(
            "{} after {} of {} statement(s), but the outcome was not journaled: {e}",
            outcome.status,
            outcome.completed,
            plan.steps.len()
        ));
        return EXIT_FAILED;
    }
    match outcome.status {
        journal::Status::Ok => {
            println!(
                "Done: {} statement(s); journal entry {id}.",
                outcome.completed
            );
            0
        }
        status => {
            complain(&format!(
                "{status} after {} of {} statement(s) (journal entry {id}): {}",
                outcome.completed,
                plan.steps.len(),
                outcome.error.as_deref().unwrap_or("")
            ));
            if status == journal::Status::Cancelled {
                EXIT_CANCELLED
            } else {
                EXIT_FAILED
            }
        }
    }
}

/// The next of the signals that stop `run`, by name (a handler that could not be installed
/// never fires).
async fn next_signal(
    sigint: &mut Option<Signal>,
    sigterm: &mut Option<Signal>,
    sighup: &mut Option<Signal>,
) -> Option<&'static str> {
    async fn recv(s: &mut Option<Signal>) {
        match s {
            Some(s) => {
                s.recv().await;
            }
            None => std::future::pending().await,
        }
    }
    tokio::select! {
        _ = recv(sigint) => Some("interrupted"),
        _ = recv(sigterm) => Some("terminated"),
        _ = recv(sighup) => Some("hung up"),
    }
}

/// Asks on the terminal: `yes` for a plan to choose, anything else cancels; a name until it is
/// typed right (a mismatch says so and asks again), an empty line or end of input cancels.
fn confirmed(confirm: &Confirm) -> bool {
    let asked = confirm.asked().unwrap_or_else(|| "yes".into());
    loop {
        print!("Type {asked} to execute, an empty line cancels: ");
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        if std::io::stdin().lock().read_line(&mut answer).unwrap_or(0) == 0 {
            return false;
        }
        let typed = answer.trim_end_matches(['\n', '\r']);
        match confirm {
            _ if typed.is_empty() => return false,
            Confirm::Choose => return typed == "yes",
            _ if confirm.accepts(typed) => return true,
            _ => println!(
                "'{}' is not it: type it again.",
                crate::format::printable(typed)
            ),
        }
    }
}
