//! The jobs' rules: failing, overdue and starved, running long, and a scheduler that cannot
//! launch them.

use super::*;

/// Jobs that fail, are paused or are late.
pub(super) fn jobs(
    input: &Inputs,
    limits: &Thresholds,
    now: DateTime<Utc>,
    out: &mut Vec<Problem>,
) {
    let jobs = input.jobs.unwrap_or_default();
    let severity = |j: &Job| {
        if j.consecutive_failures >= limits.critical_failures {
            Severity::Critical
        } else {
            Severity::Warning
        }
    };
    // Failures alike fold, but for those a cause of their own explains (a paused policy, a
    // license): that chain is said of the one job.
    let unlicensed = out.iter().any(|p| p.kind == ProblemKind::License);
    let launches = launch_failures(jobs, out);
    let folds = fold::alike(
        jobs.iter()
            .filter(|j| {
                j.consecutive_failures > 0
                    && !launches.contains(&j.job_id)
                    && j.scheduled
                    && !(unlicensed && needs_community_license(j.kind))
                    && !input.one_by_one
            })
            .map(|j| (severity(j), j)),
    );
    let folded: HashSet<i32> = folds.values().flatten().map(|j| j.job_id).collect();
    for j in jobs {
        // made only for a job with a problem: most have none, and each answer finds them again
        let object = || {
            format!(
                "job {} ({})",
                j.job_id,
                j.target().unwrap_or_else(|| j.proc_name.to_string())
            )
        };
        let id = Subject::Job(j.job_id);
        if j.consecutive_failures > 0
            && !folded.contains(&j.job_id)
            && !launches.contains(&j.job_id)
        {
            let severity = severity(j);
            let error = j
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            adder(out)(
                severity,
                ProblemKind::JobFailing,
                object(),
                match j.last_run_status.as_deref() {
                    Some("Crashed") => format!(
                        "{} job crashed (its worker ended without finishing the run); {} in a row did not succeed{error}",
                        j.kind,
                        j.consecutive_failures
                    ),
                    _ => format!(
                        "{} job failed {} in a row{error}",
                        j.kind,
                        format::times(j.consecutive_failures.into())
                    ),
                },
                id.clone(),
                j.consecutive_failures as f64,
            );
        }
        if let Some(long) = running_long(j, limits, now) {
            adder(out)(
                Severity::Warning,
                ProblemKind::JobRunningLong,
                object(),
                long,
                id.clone(),
                j.running_for(now).map_or(0.0, |d| d.as_seconds_f64()),
            );
        }
        if let Some(gone) = j.target_gone {
            adder(out)(
                Severity::Warning,
                ProblemKind::PolicyTargetGone,
                object(),
                format!(
                    "its hypertable (id {gone}) is gone: the {} policy has nothing to act on; \
                     delete the job (SELECT delete_job({}))",
                    j.kind, j.job_id
                ),
                id.clone(),
                0.0,
            );
        }
        if !j.scheduled && j.kind != "custom" {
            adder(out)(
                Severity::Warning,
                ProblemKind::PolicyPaused,
                object(),
                format!("{} policy is paused", j.kind),
                id.clone(),
                0.0,
            );
        }
        if let Some(stuck) = stuck_unset(j, input, now) {
            out.put(Problem {
                starved: true,
                action: Some(
                    Command::Jobs(family::Jobs::StartJob { job_id: j.job_id }).to_string(),
                ),
                ..problem(
                    Severity::Warning,
                    ProblemKind::JobOverdue,
                    object(),
                    stuck,
                    id.clone(),
                    j.last_run_started
                        .map_or(0.0, |t| (now - t).as_seconds_f64()),
                )
            });
        }
        if j.overdue(now) {
            let late = j
                .next_start
                .map(|t| format::ago(t, now))
                .unwrap_or_default();
            let starved = matches!(
                (j.next_start, j.schedule_seconds),
                (Some(t), Some(every)) if (now - t).as_seconds_f64() > every
            );
            let said = if starved {
                " and has missed at least one whole run (starved)"
            } else {
                ""
            };
            // below 2.28.0 the scheduler itself can starve a job in its queue: said, with the
            // command that starts it now
            let queue = starved
                .then(|| input.summary?.timescaledb_version.as_deref())
                .flatten()
                .and_then(|v| crate::releases::has(v, crate::releases::Limit::QueueStarvation));
            let said = match queue {
                Some(known) => format!(
                    "{said}; where the scheduler runs with workers to spare, before {} it can keep putting a due job behind others in its queue ({}): start-job {} starts it now",
                    crate::releases::shown(known.fixed),
                    known.reference,
                    j.job_id
                ),
                None => said.to_string(),
            };
            out.put(Problem {
                starved,
                action: queue.map(|_| {
                    Command::Jobs(family::Jobs::StartJob { job_id: j.job_id }).to_string()
                }),
                ..problem(
                    Severity::Warning,
                    ProblemKind::JobOverdue,
                    object(),
                    format!("next start was {late}{said}"),
                    id,
                    j.next_start.map_or(0.0, |t| (now - t).as_seconds_f64()),
                )
            });
        }
    }
    out.extend(
        folds
            .into_iter()
            .map(|((severity, error), members)| fold::folded(severity, error, &members)),
    );
}

/// A job stuck with its next start unset ([`Job::stuck_unset`]), said with the fix.
fn stuck_unset(j: &Job, input: &Inputs, now: DateTime<Utc>) -> Option<String> {
    let version = input.summary?.timescaledb_version.as_deref();
    let known = j.stuck_unset(version, now)?;
    Some(format!(
        "its next start is unset (-infinity) since its last start {}: TimescaleDB {} never starts such a job again ({}, fixed in {}); set it: start-job {} (alter_job(…, next_start => now()), journaled)",
        format::ago(j.last_run_started.unwrap_or(now), now),
        version.unwrap_or_default(),
        known.reference,
        crate::releases::shown(known.fixed),
        j.job_id
    ))
}

/// What TimescaleDB records when its scheduler cannot start a job's worker (scheduler.c).
pub(super) const LAUNCH_FAILURE: &str = "failed to start job";

/// Jobs whose latest runs failed because the scheduler could not start their worker
/// (TimescaleDB #8543): one problem about the workers, not a failing job each. Returns them.
pub(super) fn launch_failures(jobs: &[Job], out: &mut Vec<Problem>) -> HashSet<i32> {
    let failing: Vec<&Job> = jobs
        .iter()
        .filter(|j| {
            j.consecutive_failures > 0
                && j.last_error
                    .as_deref()
                    .is_some_and(|e| e.starts_with(LAUNCH_FAILURE))
        })
        .collect();
    let Some(most) = failing.iter().map(|j| j.consecutive_failures).max() else {
        return HashSet::new();
    };
    let ids: Vec<String> = failing.iter().map(|j| j.job_id.to_string()).collect();
    let (severity, repeated) = if most >= 3 {
        (Severity::Critical, format!(", up to {most} times in a row"))
    } else {
        (Severity::Warning, String::new())
    };
    adder(out)(
        severity,
        ProblemKind::JobLaunchFailing,
        format!("jobs {}", ids.join(", ")),
        format!(
            "the scheduler could not start a worker for {} job{}{repeated}: each job runs in a background worker taken from max_worker_processes, and none was free (parallel queries, other extensions, other databases' schedulers take them); raise max_worker_processes (a restart) and timescaledb.max_background_workers; the server log says \"failed to launch job\"",
            failing.len(),
            if failing.len() == 1 { "" } else { "s" },
        ),
        Subject::Setting(WORKER_PROCESSES),
        most as f64,
    );
    failing.iter().map(|j| j.job_id).collect()
}

/// What to say of a job running far longer than its usual run (TimescaleDB #7502, #7369: a
/// policy "running" for hours), with its worker and what that waits on; None when it is not.
pub(super) fn running_long(j: &Job, limits: &Thresholds, now: DateTime<Utc>) -> Option<String> {
    let running = j.running_for(now)?.as_seconds_f64();
    let floor = limits.long_run_floor.as_secs_f64();
    let usual = j.mean_run_seconds.filter(|m| *m > 0.0);
    let limit = match usual {
        Some(mean) => (mean * limits.long_run_factor).max(floor),
        None => floor * limits.long_run_factor,
    };
    if running <= limit {
        return None;
    }
    let took = |s: f64| format::duration(std::time::Duration::from_secs_f64(s));
    let against = match usual {
        Some(mean) => format!(
            "{:.0}× its usual run ({}, the mean of its runs that ended)",
            running / mean,
            took(mean)
        ),
        None => "and it has never ended a run".into(),
    };
    let worker = match (j.worker_pid, j.waiting_on.as_deref()) {
        (Some(pid), Some(wait)) => format!(": worker pid {pid}, waiting on {wait}"),
        (Some(pid), None) => format!(": worker pid {pid}, not waiting (working, or hung)"),
        _ => String::new(),
    };
    let end = j
        .worker_pid
        .map(|pid| format!(" (SELECT pg_cancel_backend({pid}) ends this run)"))
        .unwrap_or_default();
    Some(format!(
        "{} job running for {}, {against}{worker}{end}",
        j.kind,
        took(running)
    ))
}
