//! Plans for jobs: run now (in hypertop's session, or by the scheduler), pause and resume,
//! change the schedule.

use super::Reading;
use super::*;
use crate::actions::Template;
use crate::command::spec::family;

use crate::actions::resolve::{self as read, ResolveError};

/// The job a job command names (I/O); a schedule as the server reads it.
pub(super) async fn facts(db: Reading<'_, family::Jobs>) -> Result<(), ResolveError> {
    match db.cmd {
        family::Jobs::RunJob { job_id }
        | family::Jobs::StartJob { job_id }
        | family::Jobs::PauseJob { job_id }
        | family::Jobs::ResumeJob { job_id } => {
            db.facts.job = read::job(db.client, db.caps, *job_id).await?;
        }
        family::Jobs::SetSchedule { job_id, every } => {
            read::check_interval(db.client, every, false).await?;
            db.facts.job = read::job(db.client, db.caps, *job_id).await?;
        }
    }
    Ok(())
}

/// The plan for one of run-job, start-job, pause-job, resume-job, set-schedule.
pub(super) fn plan(cmd: &family::Jobs, facts: &Facts) -> Result<Plan, PlanError> {
    let ts = facts.ts.as_str();
    let vars = facts.vars();
    let plan = match cmd {
        family::Jobs::RunJob { job_id } => {
            let job = job_of(facts, *job_id)?;
            let mut p = Plan::new(
                cmd.to_string(),
                format!(
                    "run job {job_id} ({}) now, in hypertop's session, and wait for it",
                    job.proc_name
                ),
                vec![format!("job {job_id}")],
                "whatever the job takes (a compression job locks chunks as compress does)",
            );
            p.steps = vec![Step::new(
                format!("run job {job_id}"),
                Template::RunJob,
                &vars,
                vec![text(job_id.to_string())],
            )];
            if !job.proc_schema.starts_with("_timescaledb") {
                p.warnings.push(format!(
                    "job {job_id} runs {}.{}, a procedure owned by {}, in your session with your role's rights",
                    crate::format::ident(&job.proc_schema),
                    crate::format::ident(&job.proc_name),
                    job.owner.as_deref().unwrap_or("an unknown role")
                ));
            }
            p.irreversible = Some("what a job did is not undone by hypertop".into());
            p
        }
        family::Jobs::StartJob { job_id } => {
            let job = job_of(facts, *job_id)?;
            // a paused job's next start is kept but not acted on: it would not start
            if !job.scheduled {
                return Err(PlanError::JobPaused { job_id: *job_id });
            }
            let was = job.next_start.as_deref().unwrap_or("unset");
            let mut p = Plan::new(
                cmd.to_string(),
                format!(
                    "have the scheduler start job {job_id} ({}) now: its next start (was {was}) set to now; it runs in a worker of its own as {}, and its next start then follows its schedule",
                    job.proc_name,
                    job.owner.as_deref().unwrap_or("its owner")
                ),
                vec![format!("job {job_id}")],
                LOCKS_CATALOG,
            );
            p.steps = vec![Step::new(
                format!("start job {job_id} now"),
                Template::StartJob,
                &vars,
                vec![text(job_id.to_string())],
            )];
            p.irreversible = Some(
                "the run it starts is not undone, and the next start it replaces is not put back (the scheduler sets the next one after the run)"
                    .into(),
            );
            p
        }
        family::Jobs::PauseJob { job_id } | family::Jobs::ResumeJob { job_id } => {
            let pause = matches!(cmd, family::Jobs::PauseJob { .. });
            let job = job_of(facts, *job_id)?;
            if job.scheduled != pause {
                return Err(PlanError::JobAlready {
                    job_id: *job_id,
                    paused: pause,
                });
            }
            let mut p = Plan::new(
                cmd.to_string(),
                format!(
                    "{} job {job_id} ({})",
                    if pause { "pause" } else { "resume" },
                    job.proc_name
                ),
                vec![format!("job {job_id}")],
                LOCKS_CATALOG,
            );
            let zone = facts.timezone_to_keep(job);
            p.steps = alter_job(ts, cmd.to_string(), *job_id, None, Some(!pause), None, zone);
            let change = JobChange {
                scheduled: true,
                ..JobChange::default()
            };
            undo_job_change(&mut p, ts, job, change, zone);
            p
        }
        family::Jobs::SetSchedule { job_id, every } => {
            let job = job_of(facts, *job_id)?;
            let mut p = Plan::new(
                cmd.to_string(),
                format!(
                    "run job {job_id} every {} (was {})",
                    every.0, job.schedule_interval
                ),
                vec![format!("job {job_id}")],
                LOCKS_CATALOG,
            );
            let zone = facts.timezone_to_keep(job);
            p.steps = alter_job(
                ts,
                format!("set the schedule of job {job_id}"),
                *job_id,
                Some(&every.0),
                None,
                None,
                zone,
            );
            let change = JobChange {
                schedule: true,
                ..JobChange::default()
            };
            undo_job_change(&mut p, ts, job, change, zone);
            p
        }
    };
    Ok(plan)
}

/// The job a job command names, as the catalog has it.
fn job_of(facts: &Facts, job_id: i32) -> Result<&super::JobSettings, PlanError> {
    facts.job.as_ref().ok_or(PlanError::NoSuchJob { job_id })
}
