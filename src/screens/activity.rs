//! Activity & locks tab: every session of the cluster as a blocking tree (each blocker, then
//! what it blocks indented under it), TimescaleDB workers with their job; keys cancel or
//! terminate the selected session.

use super::{opt_text, row_id, seconds, Ctx, Screen, ScreenKey, TableRow};
use crate::actions::parse::Command;
use crate::command::spec::family;
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::activity::{blocked_by_tree, tree_order, Backend};
use crate::model::QueryKind;
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct Activity;

impl Screen for Activity {
    fn name(&self) -> &'static str {
        "activity"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Activity"
    }

    /// The jobs name what a TimescaleDB worker runs.
    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Jobs, QueryKind::Activity]
    }

    fn columns(&self, _: &Dataset) -> Vec<Column> {
        columns()
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        Box::new(rows(data.activity.rows(), data, ctx).into_iter())
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.activity.status()
    }

    fn empty_text(&self, data: &Dataset) -> Option<&'static str> {
        // pid 0: the embedded engine (the demo's), one session that publishes no activity
        data.summary
            .value()
            .filter(|s| s.backend_pid == 0)
            .map(|_| "The embedded engine runs one session and publishes no activity: sessions and locks show on a PostgreSQL server.")
    }

    fn heading(&self, data: &Dataset, _: &Ctx) -> Option<String> {
        let s = data.activity.rows();
        let blocked = s.iter().filter(|s| s.blocked()).count();
        let hidden = s
            .iter()
            .any(|s| s.query.as_deref() == Some("<insufficient privilege>"));
        let mut parts = vec![format!("{blocked} waiting for a lock")];
        if hidden {
            parts.push("others' queries hidden: grant pg_monitor".into());
        }
        Some(parts.join(" · "))
    }

    fn keys(&self) -> &'static [ScreenKey] {
        &[
            ScreenKey {
                key: 'C',
                label: "cancel",
                help: "cancel the selected session's query",
                command: cancel,
            },
            ScreenKey {
                key: 'T',
                label: "terminate",
                help: "end it",
                command: terminate,
            },
        ]
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        kind == ProblemKind::Blocked
    }
}

fn pid(id: &str) -> Option<i32> {
    id.parse().ok()
}

/// `C`: cancel the session's running query.
fn cancel(_: &Dataset, id: &str) -> Option<Command> {
    Some(Command::Sessions(family::Sessions::CancelBackend {
        pid: pid(id)?,
    }))
}

/// `T`: end the session.
fn terminate(_: &Dataset, id: &str) -> Option<Command> {
    Some(Command::Sessions(family::Sessions::TerminateBackend {
        pid: pid(id)?,
    }))
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::right("PID", 0, 10),
        Column::left("State", 0, 10),
        Column::right("For", 0, 8),
        Column::left("Blocks", 1, 30),
        Column::left("Blocked by", 1, 12),
        Column::left("Wait", 2, 22),
        Column::left("Job", 2, 20),
        Column::left("User", 3, 14),
        Column::left("Application", 3, 22),
        Column::left("Database", 4, 14),
        Column::right("Xact", 4, 8),
        Column::left("Client", 5, 15),
        Column::left("Query", 0, 200),
    ]
}

/// `→pid 123 →job 1000 →scn.metrics`: what waits on this session (directly or through
/// others) — what "who blocks it" filters on.
pub fn blocks(sessions: &[Backend], pid: i32) -> String {
    let mut out: Vec<String> = Vec::new();
    for s in blocked_by_tree(sessions, pid) {
        out.push(format!("→pid {}", s.pid));
        out.extend(s.job_id.map(|j| format!("→job {j}")));
        out.extend(s.waiting_for.iter().map(|r| format!("→{r}")));
    }
    out.dedup();
    out.join(" ")
}

/// A session's state as read at a glance (`waiting` when blocked).
fn state(s: &Backend) -> Cell {
    let age = s.in_state_seconds().unwrap_or(0.0);
    match s.state.as_deref() {
        _ if s.blocked() => Cell::text("waiting").tone(Tone::Critical),
        Some("idle in transaction") | Some("idle in transaction (aborted)") => {
            Cell::text("idle in tx").tone(if age > 60.0 { Tone::Warn } else { Tone::Normal })
        }
        Some("active") => Cell::text("active").tone(Tone::Ok),
        Some(other) => Cell::text(other).tone(Tone::Muted),
        None => Cell::text(if s.backend_type == "client backend" {
            "?"
        } else {
            "worker"
        })
        .tone(Tone::Muted),
    }
}

pub fn rows(sessions: &[Backend], data: &Dataset, _: &Ctx) -> Vec<TableRow> {
    let jobs = data.jobs.rows();
    tree_order(sessions)
        .into_iter()
        .enumerate()
        .map(|(rank, (i, depth))| {
            let s = &sessions[i];
            let pid = format!(
                "{}{}",
                if depth > 0 {
                    format!("{}└ ", "  ".repeat(depth - 1))
                } else {
                    String::new()
                },
                s.pid
            );
            let job = s
                .job_id
                .map(|id| match jobs.iter().find(|j| j.job_id == id) {
                    Some(j) => format!("{id} {}", j.kind),
                    None => id.to_string(),
                });
            let wait = match (&s.wait_event_type, &s.wait_event) {
                (Some(t), Some(e)) => Some(format!("{t}:{e}")),
                _ => None,
            };
            let blocked_by = (!s.blocked_by.is_empty()).then(|| {
                s.blocked_by
                    .iter()
                    .map(i32::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            });
            let xact = s
                .xact_start
                .map(|t| (s.server_now - t).as_seconds_f64().max(0.0));
            let query = s.query.as_deref().map(format::one_line);
            let mut detail = format!(
                "pid {} · {} · {}@{} · {}",
                s.pid,
                s.backend_type,
                s.username.as_deref().unwrap_or("?"),
                s.database.as_deref().unwrap_or("?"),
                s.application.as_deref().unwrap_or("")
            );
            if !s.waiting_for.is_empty() {
                detail.push_str(&format!("\nwaits to lock {}", s.waiting_for.join(", ")));
            }
            if let Some(b) = &blocked_by {
                detail.push_str(&format!(" (held by {b})"));
            }
            detail.push_str(&format!("\n{}", s.query.as_deref().unwrap_or("")));
            TableRow::new(
                row_id::session(s.pid),
                vec![
                    Cell::num(rank as f64, pid),
                    state(s),
                    seconds(s.in_state_seconds()),
                    Cell::text(blocks(sessions, s.pid)).tone(Tone::Warn),
                    opt_text(blocked_by.as_deref()).tone(Tone::Critical),
                    opt_text(wait.as_deref()),
                    opt_text(job.as_deref()),
                    opt_text(s.username.as_deref()),
                    opt_text(s.application.as_deref()),
                    opt_text(s.database.as_deref()),
                    seconds(xact),
                    opt_text(s.client.as_deref()),
                    opt_text(query.as_deref()),
                ],
            )
            .detail(Some(detail))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    #[test]
    fn an_empty_activity_says_why_on_the_embedded_engine_only() {
        let mut data = Dataset::default();
        let (at, took) = (chrono::Utc::now(), std::time::Duration::ZERO);
        data.activity.set(Vec::new(), at, took);
        let mut summary = fixtures::summary();
        data.summary.set(summary.clone(), at, took);
        assert_eq!(
            Activity.empty_text(&data),
            None,
            "a server: nothing to explain"
        );
        summary.backend_pid = 0;
        data.summary.set(summary, at, took);
        assert!(Activity
            .empty_text(&data)
            .is_some_and(|t| t.contains("embedded engine")));
    }
}
