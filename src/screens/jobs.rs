//! Jobs tab and a job's run/error history.

use super::{
    count, opt_text, relative, row_id, seconds, time, Ctx, Open, Screen, ScreenKey, Table, TableRow,
};
use crate::actions::parse::Command;
use crate::command::spec::family;
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::jobs::{Job, JobRun};
use crate::model::Payload;
use crate::model::{DrillTarget, QueryKind};
use crate::pictures::{self, Picture};
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct Jobs;

impl Screen for Jobs {
    fn name(&self) -> &'static str {
        "jobs"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Jobs"
    }

    /// The summary says whether the scheduler runs.
    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Summary, QueryKind::Jobs]
    }

    fn columns(&self, _: &Dataset) -> Vec<Column> {
        columns()
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((0, false))
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        let version = data
            .summary
            .value()
            .and_then(|s| s.timescaledb_version.as_deref());
        Box::new(rows(data.jobs.rows(), version, *ctx))
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.jobs.status()
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(format!("job {row_id}"))
    }

    /// Found when Enter is pressed: held in every row, the drill-down targets added up.
    fn open_row(&self, data: &Dataset, row_id: &str) -> Option<Open> {
        let kept = crate::model::jobs::history_kept(data.jobs.value()?);
        job(data, row_id).map(|j| runs_of(j, kept.as_deref()))
    }

    fn enter(&self) -> Option<&'static str> {
        Some("history")
    }

    fn keys(&self) -> &'static [ScreenKey] {
        &[
            ScreenKey {
                key: 'P',
                label: "pause",
                help: "pause / resume the selected job",
                command: pause_or_resume,
            },
            ScreenKey {
                key: 'X',
                label: "run",
                help: "run it now",
                command: run_now,
            },
        ]
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::Scheduler
                | ProblemKind::License
                | ProblemKind::WorkerCapacity
                | ProblemKind::JobFailing
                | ProblemKind::JobOverdue
                | ProblemKind::PolicyPaused
                | ProblemKind::PolicyTargetGone
                | ProblemKind::JobRunningLong
                | ProblemKind::JobLaunchFailing
                | ProblemKind::ExtensionVersion
                | ProblemKind::BeforeUpdate
                | ProblemKind::KnownBugs
        )
    }

    fn drill_columns(&self, kind: QueryKind) -> Option<Vec<Column>> {
        (kind == QueryKind::JobRuns).then(run_columns)
    }

    fn drill_picture(&self, payload: &Payload) -> Option<Picture> {
        // this screen's drill-down; any other payload has no picture here
        let Payload::JobRuns(_, runs) = payload else {
            return None;
        };
        pictures::job_runs(runs, false)
    }

    /// The selected job's runs, in its detail pane.
    fn preview(&self, row_id: &str) -> Option<(QueryKind, DrillTarget)> {
        Some((QueryKind::JobRuns, DrillTarget::Job(row_id.parse().ok()?)))
    }

    fn preview_picture(&self, payload: &Payload) -> Option<Picture> {
        // this screen's drill-down; any other payload has no picture here
        let Payload::JobRuns(_, runs) = payload else {
            return None;
        };
        pictures::job_runs(runs, true)
    }

    fn fill_drill(&self, payload: Payload, ctx: &Ctx, table: &mut Table) -> bool {
        let Payload::JobRuns(_, runs) = payload else {
            return false;
        };
        table.set_rows(run_rows(&runs, *ctx));
        true
    }
}

fn job<'a>(data: &'a Dataset, id: &str) -> Option<&'a Job> {
    data.jobs
        .value()?
        .iter()
        .find(|j| row_id::job(j.job_id) == id)
}

/// `P`: pause a scheduled job, resume a paused one.
fn pause_or_resume(data: &Dataset, id: &str) -> Option<Command> {
    let j = job(data, id)?;
    Some(if j.scheduled {
        Command::Jobs(family::Jobs::PauseJob { job_id: j.job_id })
    } else {
        Command::Jobs(family::Jobs::ResumeJob { job_id: j.job_id })
    })
}

/// `X`: run the job now.
fn run_now(data: &Dataset, id: &str) -> Option<Command> {
    Some(Command::Jobs(family::Jobs::RunJob {
        job_id: job(data, id)?.job_id,
    }))
}

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
        Column::right("All runs", 4, 8),
        Column::right("All failed", 4, 10),
        Column::right("Every", 3, 8),
        Column::left("Owner", 5, 16),
        Column::left("Last error", 6, 60),
    ]
}

/// The jobs' rows; `version` (TimescaleDB's) tells a next start stuck unset from one due at once.
pub fn rows<'a>(
    list: &'a [Job],
    version: Option<&'a str>,
    ctx: Ctx,
) -> impl Iterator<Item = TableRow> + 'a {
    list.iter().map(move |j| {
        let stuck = j.stuck_unset(version, ctx.now).is_some();
        let state = if j.running() {
            Cell::text("running").tone(Tone::Ok)
        } else if !j.scheduled {
            Cell::text("paused").tone(Tone::Warn)
        } else if j.overdue(ctx.now) || stuck {
            Cell::text("overdue").tone(Tone::Warn)
        } else {
            Cell::text("scheduled")
        };
        let last = match j.last_run_status.as_deref() {
            Some("Failed") => Cell::text("failed").tone(Tone::Critical),
            Some("Success") => Cell::text("ok").tone(Tone::Ok),
            Some("Crashed") => Cell::text("crashed").tone(Tone::Critical),
            Some(other) => Cell::text(other.to_lowercase()),
            None if j.total_runs > 0 => Cell::text("running").tone(Tone::Ok),
            None => Cell::text("never").tone(Tone::Muted),
        };
        let next_start = if stuck {
            Cell::text("unset: stuck").tone(Tone::Warn)
        } else if j.next_start_unset && j.scheduled && !j.running() {
            Cell::text("at once")
        } else {
            relative(j.next_start, ctx)
        };
        // The same limit as the overview's: a failing job is critical from there on.
        let fails = count(j.consecutive_failures as i64).tone(match j.consecutive_failures {
            0 => Tone::Normal,
            n if n < ctx.limits.critical_failures => Tone::Warn,
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
                Cell::text(j.target().unwrap_or_else(|| match (j.kind, j.target_gone) {
                    // what it runs, marked as a procedure: a custom job has no table of its own
                    ("custom", _) => {
                        format!("{}()", format::qualified(&j.proc_schema, &j.proc_name))
                    }
                    (_, Some(id)) => format!("gone (hypertable {id})"),
                    _ => "—".into(),
                })),
                state,
                last,
                fails,
                next_start,
                relative(j.last_success, ctx),
                count(j.total_runs),
                count(j.total_failures),
                seconds(j.schedule_seconds),
                Cell::text(j.owner.to_string()),
                opt_text(j.last_error.as_deref()),
            ],
        )
        .detail(detail)
    })
}

/// A job's runs, what Enter on its row opens; its title says how much history is kept.
fn runs_of(j: &Job, kept: Option<&str>) -> Open {
    let kept = kept.map(|k| format!(" · {k}")).unwrap_or_default();
    Open::Drill(
        QueryKind::JobRuns,
        DrillTarget::Job(j.job_id),
        Some(format!(
            "History of job {} ({}){kept}",
            j.job_id, j.application_name
        )),
        None,
    )
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
            let result = if r.crash_reported {
                Cell::text("crashed").tone(Tone::Critical)
            } else {
                result
            };
            let started = match r.start_time {
                None if r.crash_reported => Cell::text("unknown").tone(Tone::Muted),
                t => time(t, ctx),
            };
            let message = if r.crash_reported && r.err_message.is_none() {
                Some("crash reported after the scheduler restarted: its start and error went with its process; see the server log".to_string())
            } else {
                r.err_message.clone()
            };
            let took = match (r.start_time, r.finish_time) {
                (Some(s), Some(f)) => seconds(Some((f - s).as_seconds_f64())),
                _ => Cell::empty(),
            };
            let detail = message
                .as_ref()
                .map(|m| format!("SQLSTATE {}: {m}", r.sqlerrcode.as_deref().unwrap_or("?")));
            TableRow::new(
                i.to_string(),
                vec![
                    started,
                    result,
                    took,
                    opt_text(r.sqlerrcode.as_deref()),
                    r.pid
                        .map_or_else(Cell::empty, |p| Cell::num(p as f64, p.to_string())),
                    opt_text(message.as_deref()),
                ],
            )
            .detail(detail)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Grid, Tone};
    use crate::model::fixtures;
    use crate::problems::Thresholds;

    fn fails_tone(failures: i32, critical_failures: i32) -> Tone {
        let ctx = Ctx::new(
            true,
            Thresholds {
                critical_failures,
                ..Thresholds::default()
            },
        );
        let job = fixtures::job(1000, "policy_compression", Some("m"), failures, true);
        let mut grid: Grid<Open> = Grid::new(columns(), None);
        grid.set_rows(rows(&[job], None, ctx));
        grid.row_at(0).unwrap().cell(5).unwrap().tone
    }

    #[test]
    fn failures_in_a_row_are_critical_from_the_configured_limit() {
        assert_eq!(fails_tone(0, 3), Tone::Normal);
        assert_eq!(fails_tone(2, 3), Tone::Warn);
        assert_eq!(fails_tone(3, 3), Tone::Critical);
        // critical_failures = 2: the overview calls 2 failures critical, so does the tab.
        assert_eq!(fails_tone(2, 2), Tone::Critical);
        assert_eq!(fails_tone(4, 5), Tone::Warn);
    }

    #[test]
    fn keys_pause_a_scheduled_job_resume_a_paused_one_and_run_it() {
        let mut data = Dataset::default();
        data.jobs.set(
            vec![
                fixtures::job(1000, "policy_compression", Some("m"), 0, true),
                fixtures::job(1001, "policy_retention", Some("m"), 0, false),
            ],
            chrono::Utc::now(),
            std::time::Duration::ZERO,
        );
        let key = |c: char| Jobs.keys().iter().find(|k| k.key == c).unwrap().command;
        assert_eq!(
            key('P')(&data, "1000"),
            Some(Command::Jobs(family::Jobs::PauseJob { job_id: 1000 }))
        );
        assert_eq!(
            key('P')(&data, "1001"),
            Some(Command::Jobs(family::Jobs::ResumeJob { job_id: 1001 }))
        );
        assert_eq!(
            key('X')(&data, "1001"),
            Some(Command::Jobs(family::Jobs::RunJob { job_id: 1001 }))
        );
        assert_eq!(key('X')(&data, "4242"), None, "no such job");
    }
}
