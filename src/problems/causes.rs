//! Cause chains: each problem linked to what it depends on — a symptom to its policy job, a job
//! to the scheduler, the workers, the license or a lock — by typed keys (kind and subject).

use std::cell::OnceCell;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::rules::{needs_community_license, BACKGROUND_WORKERS};
use super::{Inputs, Problem, ProblemKind, Root, Subject};
use crate::format;
use crate::model::caggs::Cagg;
use crate::model::compression::Compression;
use crate::model::jobs::Job;
use crate::model::names::Name;
use crate::model::retention::Retention;

/// What a problem's cause is looked up in: the problems that can be roots (the server's, the
/// jobs', the sessions') and what was read. Made once for a list of roots and asked for each
/// batch of problems found after them (the rules' about relations, a few hundred at a time):
/// its maps were made again for every batch.
pub(super) struct Causes<'a> {
    input: &'a Inputs<'a>,
    now: DateTime<Utc>,
    /// The first problem of each kind and subject: looked up by key, not scanned (thousands of
    /// problems each looking for their cause made this quadratic).
    first: HashMap<(ProblemKind, &'a Subject), &'a Problem>,
    /// A job whose failure was folded with others alike: the fold is its failure. Only a fold
    /// of failures: a job in a fold of overdue jobs has not failed.
    failing_folds: HashMap<i32, &'a Problem>,
    jobs: HashMap<i32, &'a Job>,
    /// By name, made when a relation's problem is first explained (the roots, explained at
    /// every answer, need none of them).
    caggs: OnceCell<HashMap<(&'a str, &'a str), &'a Cagg>>,
    compression: OnceCell<HashMap<(&'a str, &'a str), &'a Compression>>,
    retention: OnceCell<HashMap<(&'a str, &'a str), &'a Retention>>,
    /// Each waiting session's lock wait, by the session that waits.
    blocked: HashMap<i32, Root>,
    scheduler: Option<Root>,
    license: Option<Root>,
    capacity: Option<Root>,
}

impl<'a> Causes<'a> {
    pub(super) fn new(
        roots: &'a [Problem],
        input: &'a Inputs<'a>,
        now: DateTime<Utc>,
    ) -> Causes<'a> {
        let mut first: HashMap<(ProblemKind, &Subject), &Problem> = HashMap::new();
        for p in roots {
            first.entry((p.kind, &p.subject)).or_insert(p);
        }
        let failing_folds = roots
            .iter()
            .filter_map(|p| match (p.kind, &p.subject) {
                (ProblemKind::JobFailing, Subject::Jobs { ids, .. }) => {
                    Some(ids.iter().map(move |&id| (id, p)))
                }
                _ => None,
            })
            .flatten()
            .collect();
        let blocked = roots
            .iter()
            .filter_map(|p| match (p.kind, &p.subject) {
                (ProblemKind::Blocked, Subject::LockWait { waiting, .. }) => {
                    Some((*waiting, p.root()))
                }
                _ => None,
            })
            .collect();
        let mut causes = Causes {
            input,
            now,
            first,
            failing_folds,
            jobs: input
                .jobs
                .unwrap_or_default()
                .iter()
                .map(|j| (j.job_id, j))
                .collect(),
            caggs: OnceCell::new(),
            compression: OnceCell::new(),
            retention: OnceCell::new(),
            blocked,
            scheduler: None,
            license: None,
            capacity: None,
        };
        causes.scheduler = causes.find(ProblemKind::Scheduler, &Subject::Server);
        causes.license = causes.find(ProblemKind::License, &Subject::Server);
        causes.capacity = causes.find(
            ProblemKind::WorkerCapacity,
            &Subject::Setting(BACKGROUND_WORKERS),
        );
        causes
    }

    /// The problem of `kind` about `subject`, as a root, if there is one.
    fn find(&self, kind: ProblemKind, subject: &Subject) -> Option<Root> {
        let own = self.first.get(&(kind, subject)).copied();
        let in_fold = || match (kind, subject) {
            (ProblemKind::JobFailing, Subject::Job(id)) => self.failing_folds.get(id).copied(),
            _ => None,
        };
        own.or_else(in_fold).map(Problem::root)
    }

    /// Why a job does not do its work: the first that applies, said of the job (what follows
    /// "job 7"), and the problem at the root; `own` is the job's own problem being explained.
    fn job_cause(&self, j: &Job, own: Option<ProblemKind>) -> JobCause {
        let s = Subject::Job(j.job_id);
        let other = |kind: ProblemKind| self.find(kind, &s).filter(|_| own != Some(kind));
        if let (Some(root), true) = (&self.license, needs_community_license(j.kind)) {
            return Some((
                format!(
                    " is a {} job: it needs the community license, and timescaledb.license is apache",
                    j.kind
                ),
                root.clone(),
            ));
        }
        if let Some(root) = other(ProblemKind::PolicyPaused) {
            return Some((" is paused: it does not run".into(), root));
        }
        // A failure is its own cause (its error says why): a stopped scheduler does not
        // explain why the runs that happened failed.
        if own == Some(ProblemKind::JobFailing) {
            return None;
        }
        let worker = self
            .input
            .activity
            .unwrap_or_default()
            .iter()
            .find(|s| s.job_id == Some(j.job_id) && s.blocked());
        if let Some(w) = worker {
            if let Some(root) = self.blocked.get(&w.pid).cloned() {
                return Some((format!("'s worker (pid {}) waits for a lock", w.pid), root));
            }
        }
        if let Some(root) = other(ProblemKind::JobFailing) {
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
            if let Some(root) = &self.scheduler {
                return Some((
                    " cannot run: the TimescaleDB scheduler is down".into(),
                    root.clone(),
                ));
            }
            if j.overdue(self.now) {
                if let Some(root) = &self.capacity {
                    return Some((
                        " is overdue: every background worker is in use".into(),
                        root.clone(),
                    ));
                }
                if let Some(root) = other(ProblemKind::JobOverdue) {
                    let late = j
                        .next_start
                        .map(|t| format::ago(t, self.now))
                        .unwrap_or_default();
                    return Some((format!(" is overdue: its next start was {late}"), root));
                }
            }
        }
        None
    }

    /// The chain of a symptom that a policy job should prevent: no policy, or why its job does
    /// not do the work, said of the policy ("refresh policy (job 7) is paused").
    fn policy_cause(&self, what: &str, job_id: Option<i32>) -> Cause {
        let Some(id) = job_id else {
            return (
                vec![format!("no {what}: nothing does this work but a manual command").into()],
                None,
            );
        };
        match self.jobs.get(&id).and_then(|j| self.job_cause(j, None)) {
            Some((said, root)) => (vec![format!("{what} (job {id}){said}").into()], Some(root)),
            None => (vec![format!("{what}: job {id}").into()], None),
        }
    }

    /// Links each problem of `out` to what it depends on — a symptom to its policy job, a job
    /// to the scheduler, the workers or the license — down to the root cause.
    pub(super) fn explain(&self, out: &mut [Problem]) {
        let explained = self.chains(out);
        set(out, explained);
    }

    fn chains(&self, out: &[Problem]) -> Vec<Cause> {
        let mut root_lines: HashMap<(ProblemKind, &Subject), Name> = HashMap::new();
        out.iter()
            .map(|p| {
                let (mut chain, root) = match (p.kind, &p.subject) {
                    (
                        ProblemKind::JobFailing
                        | ProblemKind::JobOverdue
                        | ProblemKind::PolicyPaused,
                        Subject::Job(id),
                    ) => match self
                        .jobs
                        .get(id)
                        .and_then(|j| self.job_cause(j, Some(p.kind)))
                    {
                        Some((said, root)) => (vec![format!("job {id}{said}").into()], Some(root)),
                        None => (Vec::new(), None),
                    },
                    (ProblemKind::CaggLag, Subject::Relation { schema, name }) => {
                        let id = self
                            .caggs
                            .get_or_init(|| by_name(self.input.caggs, |c| (&c.schema, &c.name)))
                            .get(&(schema.as_str(), name.as_str()))
                            .and_then(|c| c.refresh_policy.as_ref())
                            .map(|r| r.job_id);
                        self.policy_cause("refresh policy", id)
                    }
                    (ProblemKind::CompressionBacklog, Subject::Relation { schema, name }) => {
                        let id = self
                            .compression
                            .get_or_init(|| {
                                by_name(self.input.compression, |c| (&*c.schema, &*c.name))
                            })
                            .get(&(schema.as_str(), name.as_str()))
                            .and_then(|c| c.job_id);
                        self.policy_cause("compression policy", id)
                    }
                    (ProblemKind::RetentionOverdue, Subject::Relation { schema, name }) => {
                        let id = self
                            .retention
                            .get_or_init(|| {
                                by_name(self.input.retention, |r| (&*r.schema, &*r.name))
                            })
                            .get(&(schema.as_str(), name.as_str()))
                            .map(|r| r.job_id);
                        self.policy_cause("retention policy", id)
                    }
                    _ => (Vec::new(), None),
                };
                // The root's own message ends the chain: the cause, said once, where it is
                // read (one line for every chain it ends: 6,500 overdue jobs under one stopped
                // scheduler).
                if let Some(r) = &root {
                    if let Some(rp) = self.first.get(&(r.kind, &r.subject)) {
                        let last = root_lines.entry((r.kind, &rp.subject)).or_insert_with(|| {
                            Name::from(format!("{}: {}", rp.object, rp.message))
                        });
                        if chain.last() != Some(last) {
                            chain.push(last.clone());
                        }
                    }
                }
                (chain, root)
            })
            .collect()
    }
}

/// Links each of the `roots` to what it depends on among them: a job to the scheduler, the
/// workers, the license, a lock, its own failure.
pub(super) fn explain_roots(roots: &mut [Problem], input: &Inputs, now: DateTime<Utc>) {
    let explained = Causes::new(roots, input, now).chains(roots);
    set(roots, explained);
}

fn set(out: &mut [Problem], explained: Vec<Cause>) {
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
