//! Jobs tab and a job's run/error history.

use super::{count, opt_text, relative, row_id, seconds, time, Ctx, Open, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::jobs::{Job, JobRun};
use crate::model::{QueryKind, Target};

pub fn columns() -> Vec<Column> {
    vec![
        Column::right("ID", 0, 6),
        Column::left("Kind", 0, 13),
        Column::left("Target", 1, 24),
        Column::left("State", 0, 9),
        Column::left("Last", 1, 7),
        Column::right("Fails in row", 0, 12),
        Column::left("Next start", 2, 14),
        Column::left("Last success", 3, 14),
        Column::right("Runs", 4, 7),
        Column::right("Failures", 4, 8),
        Column::right("Every", 3, 8),
        Column::left("Owner", 5, 16),
        Column::left("Last error", 6, 60),
    ]
}

pub fn rows(list: &[Job], ctx: Ctx) -> Vec<TableRow> {
    list.iter()
        .map(|j| {
            let state = if j.running() {
                Cell::text("running").tone(Tone::Ok)
            } else if !j.scheduled {
                Cell::text("paused").tone(Tone::Warn)
            } else if j.overdue(ctx.now) {
                Cell::text("overdue").tone(Tone::Warn)
            } else {
                Cell::text("scheduled")
            };
            let last = match j.last_run_status.as_deref() {
                Some("Failed") => Cell::text("failed").tone(Tone::Critical),
                Some("Success") => Cell::text("ok").tone(Tone::Ok),
                Some(other) => Cell::text(other.to_lowercase()),
                None => Cell::text("never").tone(Tone::Muted),
            };
            let fails = count(j.consecutive_failures as i64).tone(match j.consecutive_failures {
                0 => Tone::Normal,
                1..=2 => Tone::Warn,
                _ => Tone::Critical,
            });
            let detail = j.last_error.as_ref().map(|e| {
                let at = j
                    .last_error_at
                    .map(|t| format::timestamp(t, ctx.utc))
                    .unwrap_or_default();
                let code = j.last_error_code.as_deref().unwrap_or("?");
                format!("Last error {at} (SQLSTATE {code}): {e}")
            });
            TableRow::new(
                row_id::job(j.job_id),
                vec![
                    Cell::num(j.job_id as f64, j.job_id.to_string()),
                    Cell::text(j.kind),
                    Cell::text(j.target().unwrap_or_else(|| match j.kind {
                        "custom" => format::qualified(&j.proc_schema, &j.proc_name),
                        _ => "—".into(),
                    })),
                    state,
                    last,
                    fails,
                    relative(j.next_start, ctx),
                    relative(j.last_success, ctx),
                    count(j.total_runs),
                    count(j.total_failures),
                    seconds(j.schedule_seconds),
                    Cell::text(j.owner.clone()),
                    opt_text(j.last_error.as_deref()),
                ],
            )
            .detail(detail)
            .open(Open::Drill(
                QueryKind::JobRuns,
                Target::Job(j.job_id),
                format!("History of job {} ({})", j.job_id, j.application_name),
            ))
        })
        .collect()
}

pub fn run_columns() -> Vec<Column> {
    vec![
        Column::left("Started", 0, 22),
        Column::left("Result", 0, 8),
        Column::right("Took", 2, 8),
        Column::left("SQLSTATE", 1, 8),
        Column::right("PID", 3, 8),
        Column::left("Message", 0, 200),
    ]
}

pub fn run_rows(list: &[JobRun], ctx: Ctx) -> Vec<TableRow> {
    list.iter()
        .enumerate()
        .map(|(i, r)| {
            let result = match r.succeeded {
                Some(true) => Cell::text("ok").tone(Tone::Ok),
                Some(false) => Cell::text("failed").tone(Tone::Critical),
                None => Cell::text("running?").tone(Tone::Warn),
            };
            let took = match (r.start_time, r.finish_time) {
                (Some(s), Some(f)) => seconds(Some((f - s).as_seconds_f64())),
                _ => Cell::empty(),
            };
            let detail = r
                .err_message
                .as_ref()
                .map(|m| format!("SQLSTATE {}: {m}", r.sqlerrcode.as_deref().unwrap_or("?")));
            TableRow::new(
                i.to_string(),
                vec![
                    time(r.start_time, ctx),
                    result,
                    took,
                    opt_text(r.sqlerrcode.as_deref()),
                    r.pid
                        .map_or_else(Cell::empty, |p| Cell::num(p as f64, p.to_string())),
                    opt_text(r.err_message.as_deref()),
                ],
            )
            .detail(detail)
        })
        .collect()
}
