//! Cause chains: each problem linked to what it depends on — a symptom to its policy job, a job
//! to the scheduler, the workers, the license or a lock — by typed keys (kind and subject).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::rules::{needs_community_license, BACKGROUND_WORKERS};
use super::{Inputs, Problem, ProblemKind, Root, Subject};
use crate::format;
use crate::model::jobs::Job;
use crate::model::names::Name;

/// Links each problem of `out` to what it depends on — a symptom to its policy job, a job to
/// the scheduler, the workers or the license, down to the root cause — among `out` and the
/// problems `found` before it.
pub(super) fn explain(out: &mut [Problem], found: &[Problem], input: &Inputs, now: DateTime<Utc>) {
    // Looked up by key, not scanned: thousands of problems (a 50,000-chunk catalog) each
    // looking for their cause made this quadratic.
    let mut first: HashMap<(ProblemKind, &Subject), &Problem> = HashMap::new();
    for p in found.iter().chain(out.iter()) {
        first.entry((p.kind, &p.subject)).or_insert(p);
    }
    // a job whose failure was folded with others alike: the fold is its problem
    let folded: HashMap<i32, &Problem> = found
        .iter()
        .chain(out.iter())
        .filter_map(|p| match &p.subject {
            Subject::Jobs { ids, .. } => Some(ids.iter().map(move |&id| (id, p))),
            _ => None,
        })
        .flatten()
        .collect();
    let find = |kind: ProblemKind, subject: &Subject| -> Option<Root> {
        let own = first.get(&(kind, subject)).copied();
        let in_fold = || match (kind, subject) {
            (ProblemKind::JobFailing, Subject::Job(id)) => folded.get(id).copied(),
            _ => None,
        };
        own.or_else(in_fold).map(|p| p.root())
    };
    let jobs: HashMap<i32, &Job> = input
        .jobs
        .unwrap_or_default()
        .iter()
        .map(|j| (j.job_id, j))
        .collect();
    let caggs = by_name(input.caggs, |c| (&c.schema, &c.name));
    let compression = by_name(input.compression, |c| (&*c.schema, &*c.name));
    let retention = by_name(input.retention, |r| (&*r.schema, &*r.name));
    let server = |kind: ProblemKind| find(kind, &Subject::Server);
    let scheduler = server(ProblemKind::Scheduler);
    let license = server(ProblemKind::License);
    // Each waiting session's lock wait, by the session that waits.
    let blocked: HashMap<i32, Root> = found
        .iter()
        .chain(out.iter())
        .filter_map(|p| match (p.kind, &p.subject) {
            (ProblemKind::Blocked, Subject::LockWait { waiting, .. }) => Some((*waiting, p.root())),
            _ => None,
        })
        .collect();
    let capacity = find(
        ProblemKind::WorkerCapacity,
        &Subject::Setting(BACKGROUND_WORKERS),
    );
    // Why a job does not do its work: the first that applies, said of the job (what follows
    // "job 7"), and the problem at the root.
    let job_cause = |j: &Job, own: Option<ProblemKind>| -> JobCause {
        let s = Subject::Job(j.job_id);
        let failing =
            find(ProblemKind::JobFailing, &s).filter(|_| own != Some(ProblemKind::JobFailing));
        let paused =
            find(ProblemKind::PolicyPaused, &s).filter(|_| own != Some(ProblemKind::PolicyPaused));
        let overdue =
            find(ProblemKind::JobOverdue, &s).filter(|_| own != Some(ProblemKind::JobOverdue));
        if let (Some(root), true) = (&license, needs_community_license(j.kind)) {
            return Some((
                format!(
                    " is a {} job: it needs the community license, and timescaledb.license is apache",
                    j.kind
                ),
                root.clone(),
            ));
        }
        if let Some(root) = paused {
            return Some((" is paused: it does not run".into(), root));
        }
        // A failure is its own cause (its error says why): a stopped scheduler does not
        // explain why the runs that happened failed.
        if own == Some(ProblemKind::JobFailing) {
            return None;
        }
        let worker = input
            .activity
            .unwrap_or_default()
            .iter()
            .find(|s| s.job_id == Some(j.job_id) && s.blocked());
        if let Some(w) = worker {
            if let Some(root) = blocked.get(&w.pid).cloned() {
                return Some((format!("'s worker (pid {}) waits for a lock", w.pid), root));
            }
        }
        if let Some(root) = failing {
            let error = j
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            return Some((
                format!(
                    " failed {} in a row{error}",
                    format::times(j.consecutive_failures.into())
                ),
                root,
            ));
        }
        if j.scheduled {
            if let Some(root) = &scheduler {
                return Some((
                    " cannot run: the TimescaleDB scheduler is down".into(),
                    root.clone(),
                ));
            }
            if j.overdue(now) {
                if let Some(root) = &capacity {
                    return Some((
                        " is overdue: every background worker is in use".into(),
                        root.clone(),
                    ));
                }
                if let Some(root) = overdue {
                    let late = j
                        .next_start
                        .map(|t| format::ago(t, now))
                        .unwrap_or_default();
                    return Some((format!(" is overdue: its next start was {late}"), root));
                }
            }
        }
        None
    };
    let job = |id: i32| jobs.get(&id).copied();
    let mut root_lines: HashMap<(ProblemKind, &Subject), Name> = HashMap::new();
    let explained: Vec<Cause> = out
        .iter()
        .map(|p| {
            let (mut chain, root) = match (&p.kind, &p.subject) {
                (
                    ProblemKind::JobFailing | ProblemKind::JobOverdue | ProblemKind::PolicyPaused,
                    Subject::Job(id),
                ) => match job(*id).and_then(|j| job_cause(j, Some(p.kind))) {
                    Some((said, root)) => (vec![format!("job {id}{said}").into()], Some(root)),
                    None => (Vec::new(), None),
                },
                (ProblemKind::CaggLag, Subject::Relation { schema, name }) => {
                    let id = caggs
                        .get(&(schema.as_str(), name.as_str()))
                        .and_then(|c| c.refresh_policy.as_ref())
                        .map(|r| r.job_id);
                    policy_cause("refresh policy", id, &job, &job_cause)
                }
                (ProblemKind::CompressionBacklog, Subject::Relation { schema, name }) => {
                    let id = compression
                        .get(&(schema.as_str(), name.as_str()))
                        .and_then(|c| c.job_id);
                    policy_cause("compression policy", id, &job, &job_cause)
                }
                (ProblemKind::RetentionOverdue, Subject::Relation { schema, name }) => {
                    let id = retention
                        .get(&(schema.as_str(), name.as_str()))
                        .map(|r| r.job_id);
                    policy_cause("retention policy", id, &job, &job_cause)
                }
                _ => (Vec::new(), None),
            };
            // The root's own message ends the chain: the cause, said once, where it is read (one
            // line for every chain it ends: 6,500 overdue jobs under one stopped scheduler).
            if let Some(r) = &root {
                if let Some(rp) = first.get(&(r.kind, &r.subject)) {
                    let last = root_lines
                        .entry((r.kind, &rp.subject))
                        .or_insert_with(|| Name::from(format!("{}: {}", rp.object, rp.message)));
                    if chain.last() != Some(last) {
                        chain.push(last.clone());
                    }
                }
            }
            (chain, root)
        })
        .collect();
    for (p, (chain, root)) in out.iter_mut().zip(explained) {
        p.chain = chain;
        p.root = root;
    }
}

/// Why, one link a line, and the problem at the root.
type Cause = (Vec<Name>, Option<Root>);

/// Why a job does not do its work, said of the job (what follows "job 7"), and the problem at
/// the root.
type JobCause = Option<(String, Root)>;

/// A dataset's rows by `(schema, name)` (empty until read).
fn by_name<'a, T>(
    rows: Option<&'a [T]>,
    key: impl Fn(&'a T) -> (&'a str, &'a str),
) -> HashMap<(&'a str, &'a str), &'a T> {
    rows.unwrap_or_default()
        .iter()
        .map(|r| {
            let (schema, name) = key(r);
            ((schema, name), r)
        })
        .collect()
}

/// The chain of a symptom that a policy job should prevent: no policy, or why its job does not
/// do the work, said of the policy ("refresh policy (job 7) is paused").
fn policy_cause<'a>(
    what: &str,
    job_id: Option<i32>,
    job: &dyn Fn(i32) -> Option<&'a Job>,
    job_cause: &dyn Fn(&Job, Option<ProblemKind>) -> JobCause,
) -> Cause {
    let Some(id) = job_id else {
        return (
            vec![format!("no {what}: nothing does this work but a manual command").into()],
            None,
        );
    };
    match job(id).and_then(|j| job_cause(j, None)) {
        Some((said, root)) => (vec![format!("{what} (job {id}){said}").into()], Some(root)),
        None => (vec![format!("{what}: job {id}").into()], None),
    }
}
