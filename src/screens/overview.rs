//! The overview: the server's facts and the ranked problem list.

use super::{row_id, Ctx, DataChange, Open, Screen, Tab, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::QueryKind;
use crate::pictures::{self, Spark};
use crate::problems::{Problem, ProblemKind, Severity, Subject};
use crate::store::{Dataset, Standing};

pub struct Overview;

impl Screen for Overview {
    fn name(&self) -> &'static str {
        "overview"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Overview"
    }

    fn caption(&self, _: super::Words) -> &'static str {
        "Problems"
    }

    /// The problem list draws on every screen that can have problems.
    fn reads(&self) -> &'static [QueryKind] {
        &[
            QueryKind::Summary,
            QueryKind::Jobs,
            QueryKind::Catalog,
            QueryKind::Caggs,
            QueryKind::Activity,
        ]
    }

    fn rebuilt_by(&self, change: DataChange) -> bool {
        change == DataChange::Problems
    }

    fn columns(&self, _: &Dataset) -> Vec<Column> {
        columns()
    }

    fn rows<'a>(&self, data: &'a Dataset, _: &Ctx) -> super::Rows<'a> {
        Box::new(rows(&data.problems))
    }

    /// The list is what has been read so far: always shown (the panel says what is loading).
    fn status<'a>(&self, _: &'a Dataset) -> Standing<'a> {
        Standing::Ready
    }

    /// Until every screen it draws on has been read once, the ranking is partial: say so, so
    /// that nobody acts on the first few rows of a list still filling in.
    fn heading(&self, data: &Dataset, _: &Ctx) -> Option<String> {
        let pending = self.reads().iter().filter(|&&k| data.never_read(k)).count();
        Some(match pending {
            0 => "Enter shows the row".into(),
            n => format!("partial: {n} of {} reads pending", self.reads().len()),
        })
    }

    fn panel(&self, data: &Dataset, ctx: &Ctx) -> Option<Vec<super::Fact>> {
        Some(facts(data, ctx))
    }

    fn pulse(&self, data: &Dataset) -> Option<(String, Vec<Spark>)> {
        pictures::pulse(&data.history)
    }

    fn empty_text(&self, data: &Dataset) -> Option<&'static str> {
        data.summary
            .value()
            .map(|_| "No problems found in what has been read so far.")
    }

    fn enter(&self) -> Option<&'static str> {
        Some("go to")
    }

    fn in_text_snapshot(&self, _data: &Dataset) -> bool {
        false
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Severity", 0, 8),
        Column::left("Problem", 1, 19),
        Column::left("Object", 0, 32),
        Column::left("Details", 0, 200),
    ]
}

pub fn rows(problems: &[Problem]) -> impl Iterator<Item = TableRow> + '_ {
    listed(problems, true)
}

/// A fold's members, each as the list shows a problem, but not marked as a consequence: they
/// all are, of the same root.
pub fn member_rows(problems: &[Problem]) -> impl Iterator<Item = TableRow> + '_ {
    listed(problems, false)
}

fn listed(problems: &[Problem], marked: bool) -> impl Iterator<Item = TableRow> + '_ {
    problems.iter().enumerate().map(move |(rank, p)| {
        let tone = match p.severity {
            Severity::Critical => Tone::Critical,
            Severity::Warning => Tone::Warn,
            Severity::Advice => Tone::Muted,
        };
        let severity = match p.severity {
            Severity::Critical => "CRIT",
            Severity::Warning => "WARN",
            Severity::Advice => "ADVICE",
        };
        // A consequence sits under its root cause, marked so.
        let object = if marked && p.is_consequence() {
            format!("↳ {}", p.object)
        } else {
            p.object.clone()
        };
        let open = match (&p.action, fold_error(p), p.fold_id()) {
            (Some(command), _, _) => Open::Palette(command.clone()),
            (None, Some(error), _) => Open::Filter(Tab::explaining(p.kind), error.to_string()),
            (None, None, Some(fold)) => Open::Members(fold),
            (None, None, None) => Open::Jump(
                Tab::explaining(p.kind),
                row_id::subject(&p.subject),
                opens_evidence(p.kind),
            ),
        };
        TableRow::new(
            row_id(p),
            vec![
                Cell::num(rank as f64, severity).tone(tone),
                Cell::text(p.kind.as_str()),
                Cell::text(object),
                Cell::text(p.message.clone()),
            ],
        )
        .detail(Some(detail(p)))
        .open(open)
    })
}

/// A problem's row id, which keeps its row selected from one read to the next: a folded
/// problem's object is a count, so its name ([`FoldId`](crate::problems::FoldId), written out
/// whole) names its row.
pub fn row_id(p: &Problem) -> String {
    match p.fold_id() {
        Some(fold) => format!("{}:{:?}:fold:{:?}", p.kind, p.severity, fold.shared),
        None => format!("{}:{}", p.kind, p.object),
    }
}

/// Whether Enter on a problem also opens its row's evidence: a job's run history, the chunks
/// overdue or in the backlog or compressed poorly (with their ratios), a cagg's refresh job
/// history.
fn opens_evidence(kind: ProblemKind) -> bool {
    matches!(
        kind,
        ProblemKind::JobFailing
            | ProblemKind::JobOverdue
            | ProblemKind::RetentionOverdue
            | ProblemKind::CompressionBacklog
            | ProblemKind::CaggLag
    )
}

/// The problem, then what Enter does with a fold or an advice's command, then why, one cause a
/// line down to the root.
pub fn detail(p: &Problem) -> String {
    let mut out = format!("{}: {}", p.object, p.message);
    match (fold_error(p), p.fold_id()) {
        (Some(_), _) => out.push_str("\n  Enter: the Jobs tab, filtered by this error"),
        (None, Some(_)) => out.push_str(&format!("\n  Enter: the {}, one by one", p.object)),
        (None, None) => {}
    }
    // the command before the causes, the root cause last: a short pane shows the problem's
    // first line and its root (see render's fit_lines)
    if let Some(command) = &p.action {
        out.push_str(&format!("\n  Enter: {command}"));
    }
    for (i, cause) in p.chain.iter().enumerate() {
        match i + 1 == p.chain.len() && p.root.is_some() {
            true => out.push_str(&format!("\n  ← (root cause) {cause}")),
            false => out.push_str(&format!("\n  ← {cause}")),
        }
    }
    out
}

/// The error a fold of jobs failing alike shares, when there is one to filter by.
fn fold_error(p: &Problem) -> Option<&str> {
    match (p.kind, &p.subject) {
        (ProblemKind::JobFailing, Subject::Jobs { error, .. }) => {
            error.as_deref().filter(|e| !e.is_empty())
        }
        _ => None,
    }
}

/// The server panel: versions, uptime, size, connections, the scheduler, this session (a
/// scheduler that is not running in the critical tone).
pub fn facts(data: &Dataset, ctx: &Ctx) -> Vec<super::Fact> {
    let Some(s) = data.summary.value() else {
        return Vec::new();
    };
    let caps = data.caps.as_ref();
    let mut out = Vec::new();
    let server = s
        .version
        .split(" on ")
        .next()
        .unwrap_or(&s.version)
        .to_string();
    let ts = match (
        &s.timescaledb_version,
        caps.and_then(|c| c.timescaledb_available.clone()),
    ) {
        (Some(v), _) => format!("TimescaleDB {v}"),
        (None, Some(avail)) => format!("TimescaleDB not installed here ({avail} available)"),
        (None, None) => "no TimescaleDB".into(),
    };
    let up = s
        .uptime()
        .map(|u| format!(" · up {}", format::chrono_duration(u)))
        .unwrap_or_default();
    out.push(("Server", format!("{server} · {ts}{up}"), Tone::Normal));
    out.push((
        "Database",
        format!(
            "{} · connections {} / {}",
            data.database_bytes
                .value()
                .map_or_else(|| "size …".into(), |&b| format::bytes(b)),
            s.connections,
            s.max_connections
        ),
        Tone::Normal,
    ));
    if s.timescaledb_version.is_some() {
        let scheduled = data
            .jobs
            .value()
            .map(|j| j.iter().filter(|j| j.scheduled).count().to_string())
            .unwrap_or_else(|| "?".into());
        // Busy against the maximum: the cluster's schedulers and running jobs share them.
        let workers = match s.max_background_workers {
            Some(n) => format!(
                " · workers {}/{n} busy ({} schedulers, {} jobs)",
                s.schedulers + s.job_workers,
                s.schedulers,
                s.job_workers
            ),
            None => String::new(),
        };
        let (running, tone) = match crate::problems::scheduler_down_reason(s) {
            None => ("running".to_string(), Tone::Normal),
            Some(why) => (format!("NOT RUNNING: {why}"), Tone::Critical),
        };
        out.push((
            "Scheduler",
            format!(
                "{running} · {scheduled} scheduled jobs{workers} · max_worker_processes {}",
                s.max_worker_processes
            ),
            tone,
        ));
    }
    let addr = match (&s.server_addr, s.server_port) {
        (Some(a), Some(p)) => format!("{a}:{p}"),
        _ => "local socket".into(),
    };
    let app = if s.application_name.is_empty() {
        "—"
    } else {
        &s.application_name
    };
    // No PostgreSQL backend has pid 0: this is an embedded engine (the demo's and the tests'),
    // which reports no address, pid or TLS of its own.
    let session = if s.backend_pid == 0 {
        format!(
            "embedded engine: one database ({}, whatever name is asked), one process, no TLS, no cancel · {app} · statement_timeout {}",
            caps.map_or("?", |c| c.database.as_str()),
            s.statement_timeout
        )
    } else {
        format!(
            "{addr} · pid {} · {app} · TLS {} · statement_timeout {}",
            s.backend_pid,
            match s.ssl {
                Some(true) => "on",
                Some(false) => "off",
                None => "unknown",
            },
            s.statement_timeout
        )
    };
    // The demo's line (how psql reaches the same engine) takes the embedded session's place:
    // it says the same limits, and the panel stays as tall at 80x24.
    match ctx.note {
        Some((label, line)) if s.backend_pid == 0 => {
            out.push((label, line.to_string(), Tone::Normal))
        }
        Some((label, line)) => {
            out.insert(0, (label, line.to_string(), Tone::Normal));
            out.push(("Session", session, Tone::Normal));
        }
        None => out.push(("Session", session, Tone::Normal)),
    }
    if let Some(c) = caps {
        let mut roles = vec![format!("role {}", c.role)];
        if c.is_superuser {
            roles.push("superuser".into());
        } else if c.has_pg_monitor {
            roles.push("pg_monitor".into());
        } else {
            roles.push("no pg_monitor: other sessions' details are hidden".into());
        }
        if c.in_recovery {
            roles.push("standby (read-only)".into());
        }
        out.push(("Privileges", roles.join(" · "), Tone::Normal));
    }
    out.push((
        "Refresh",
        format!(
            "every {}, what moved (all every {}){}",
            format::duration(ctx.refresh_every),
            format::duration(crate::model::catalog::WHOLE_EVERY),
            if s.read_only {
                " · read-only session"
            } else {
                ""
            }
        ),
        Tone::Normal,
    ));
    out
}
