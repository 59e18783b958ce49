//! The overview's ranked problem list, derived from what the other screens read. Pure.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::format;
use crate::model::activity::Session;
use crate::model::caggs::Cagg;
use crate::model::compression::Compression;
use crate::model::indexes::{Category, Index};
use crate::model::jobs::Job;
use crate::model::retention::Retention;
use crate::model::Summary;
use crate::policy::{Finding, LintRule};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
}

/// What is wrong, in the order kinds rank within a severity (most urgent first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProblemKind {
    Scheduler,
    License,
    JobFailing,
    InvalidIndex,
    Blocked,
    WorkerCapacity,
    CaggLag,
    RetentionOverdue,
    CompressionBacklog,
    JobOverdue,
    PolicyPaused,
    /// A lint rule on live policies about a cagg's refresh window (against its source's
    /// retention, its bucket, its parent's window).
    RefreshWindow,
    /// A lint rule about a retention policy (against compression, its schedule).
    RetentionPolicy,
    /// Compressed without segmentby while queries filter by a column.
    NoSegmentby,
    DuplicateIndex,
    UnusedIndex,
}

impl ProblemKind {
    pub const ALL: [ProblemKind; 16] = [
        ProblemKind::Scheduler,
        ProblemKind::License,
        ProblemKind::JobFailing,
        ProblemKind::InvalidIndex,
        ProblemKind::Blocked,
        ProblemKind::WorkerCapacity,
        ProblemKind::CaggLag,
        ProblemKind::RetentionOverdue,
        ProblemKind::CompressionBacklog,
        ProblemKind::JobOverdue,
        ProblemKind::PolicyPaused,
        ProblemKind::RefreshWindow,
        ProblemKind::RetentionPolicy,
        ProblemKind::NoSegmentby,
        ProblemKind::DuplicateIndex,
        ProblemKind::UnusedIndex,
    ];

    /// The name shown and written to snapshot JSON (`kind`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Scheduler => "scheduler",
            ProblemKind::License => "license",
            ProblemKind::JobFailing => "job failing",
            ProblemKind::InvalidIndex => "invalid index",
            ProblemKind::Blocked => "blocked",
            ProblemKind::WorkerCapacity => "worker capacity",
            ProblemKind::CaggLag => "cagg lag",
            ProblemKind::RetentionOverdue => "retention overdue",
            ProblemKind::CompressionBacklog => "compression backlog",
            ProblemKind::JobOverdue => "job overdue",
            ProblemKind::PolicyPaused => "policy paused",
            ProblemKind::RefreshWindow => "refresh window",
            ProblemKind::RetentionPolicy => "retention policy",
            ProblemKind::NoSegmentby => "no segmentby",
            ProblemKind::DuplicateIndex => "duplicate index",
            ProblemKind::UnusedIndex => "unused index",
        }
    }
}

impl std::fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compared with its name (`p.kind == "cagg lag"`), as scripts and tests know it.
impl PartialEq<&str> for ProblemKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ProblemKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What a problem is about: a front end turns it into a place (the console's row, a metric's
/// labels).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The server or database as a whole (the scheduler, the workers, the license).
    Server,
    Job(i32),
    /// A server process (a session, a job's worker).
    Session(i32),
    /// A table, hypertable, continuous aggregate or index.
    Relation {
        schema: String,
        name: String,
    },
}

impl Subject {
    fn relation(schema: &str, name: &str) -> Subject {
        Subject::Relation {
            schema: schema.into(),
            name: name.into(),
        }
    }
}

/// The problem at the root of another's cause chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Root {
    pub kind: ProblemKind,
    pub object: String,
    #[serde(skip)]
    pub subject: Subject,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: ProblemKind,
    pub object: String,
    pub message: String,
    /// Why it happens, from the nearest cause down to the root cause, one line each (empty
    /// when the message says it all).
    pub chain: Vec<String>,
    /// The problem at the root of `chain`, when that is another one in the list: this one is
    /// its consequence and ranks right under it.
    pub root: Option<Root>,
    #[serde(skip)]
    pub subject: Subject,
    /// Size of the problem within its kind (bytes, seconds, failures), for ranking.
    #[serde(skip)]
    pub magnitude: f64,
}

impl Problem {
    fn root(&self) -> Root {
        Root {
            kind: self.kind,
            object: self.object.clone(),
            subject: self.subject.clone(),
        }
    }

    /// A consequence of another problem (ranked, and shown, under its root).
    pub fn is_consequence(&self) -> bool {
        self.root.is_some()
    }
}

/// Limits beyond which something is a problem.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub max_cagg_lag: std::time::Duration,
    /// Compression backlog above this many chunks is a warning.
    pub max_backlog_chunks: i64,
    /// Consecutive job failures from which a failing job is critical.
    pub critical_failures: i32,
    /// Unused indexes at least this large are reported.
    pub unused_index_bytes: i64,
    /// An index never scanned is called unused only when the statistics are this old.
    pub unused_after: std::time::Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_cagg_lag: std::time::Duration::from_secs(3600),
            max_backlog_chunks: 0,
            critical_failures: 3,
            unused_index_bytes: 1024 * 1024,
            unused_after: std::time::Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// What the problem rules look at; a screen not read yet is None and contributes nothing.
#[derive(Default)]
pub struct Inputs<'a> {
    pub summary: Option<&'a Summary>,
    pub timescaledb: bool,
    pub jobs: Option<&'a [Job]>,
    pub compression: Option<&'a [Compression]>,
    pub retention: Option<&'a [Retention]>,
    pub indexes: Option<&'a [Index]>,
    pub caggs: Option<&'a [Cagg]>,
    pub activity: Option<&'a [Session]>,
    /// The lint rules' findings on the live policies (`policy::lint`).
    pub lint: Option<&'a [Finding]>,
}

/// A session waiting on a lock this long is a problem (a lock wait shorter than this is
/// ordinary contention).
pub const BLOCKED_FOR: f64 = 10.0;

/// Why jobs do not run here at all, most fundamental first (None: the scheduler runs, or
/// there is nothing to say about it).
pub fn scheduler_down_reason(s: &Summary) -> Option<String> {
    if s.scheduler_running {
        return None;
    }
    Some(if s.timescaledb_preloaded == Some(false) {
        "timescaledb is not in shared_preload_libraries: no background worker can start (add it to postgresql.conf and restart)".into()
    } else if s.timescaledb_restoring {
        "timescaledb.restoring is on: the scheduler waits for SELECT timescaledb_post_restore()"
            .into()
    } else if s.max_background_workers == Some(0) {
        "timescaledb.max_background_workers = 0: no scheduler or job can start (set it to the databases plus the jobs to run at once, and restart)".into()
    } else if s
        .max_background_workers
        .is_some_and(|max| s.schedulers + s.job_workers >= max as i64)
    {
        format!(
            "all {} TimescaleDB background workers are in use ({} schedulers, {} jobs in the cluster): this database's scheduler cannot start (raise timescaledb.max_background_workers)",
            s.max_background_workers.unwrap_or_default(),
            s.schedulers,
            s.job_workers
        )
    } else {
        "not running for this database (SELECT _timescaledb_functions.start_background_workers() starts it; the server log says why it stopped)".into()
    })
}

/// `pid 4242 (job 1000)` or `pid 4242 (psql)`.
fn session_name(s: &Session) -> String {
    match (s.job_id, s.application.as_deref().filter(|a| !a.is_empty())) {
        (Some(j), _) => format!("pid {} (job {j})", s.pid),
        (None, Some(app)) => format!("pid {} ({app})", s.pid),
        (None, None) => format!("pid {}", s.pid),
    }
}

/// Who holds a lock, as an operator needs it: pid, role, application, what it is doing.
fn describe_holder(s: &Session) -> String {
    let state = match (s.state.as_deref(), s.in_state_seconds()) {
        (Some(st), Some(age)) => format!("{st} for {}", format::seconds(age)),
        (Some(st), None) => st.to_string(),
        _ => "state hidden".into(),
    };
    let query = s
        .query
        .as_deref()
        .map(|q| format::one_line(q).chars().take(80).collect::<String>())
        .filter(|q| !q.is_empty())
        .map(|q| format!(": {q}"))
        .unwrap_or_default();
    format!(
        "{} [{}, {state}]{query}",
        session_name(s),
        s.username.as_deref().unwrap_or("?")
    )
}

/// Jobs whose code is TimescaleDB's community (TSL) part: they fail under `apache`.
fn needs_community_license(kind: &str) -> bool {
    matches!(kind, "compression" | "refresh" | "reorder")
}

pub fn find(input: &Inputs, limits: &Thresholds, now: DateTime<Utc>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut add = |severity, kind, object: String, message: String, subject, magnitude| {
        out.push(Problem {
            severity,
            kind,
            object,
            message,
            chain: Vec::new(),
            root: None,
            subject,
            magnitude,
        })
    };
    let jobs = input.jobs.unwrap_or_default();
    let summary = input.summary.filter(|_| input.timescaledb);

    // The server: the scheduler, the license, the workers.
    let scheduled = jobs.iter().filter(|j| j.scheduled).count();
    let down = summary.and_then(scheduler_down_reason);
    if let (Some(why), Some(_)) = (&down, input.jobs) {
        if scheduled > 0 {
            add(
                Severity::Critical,
                ProblemKind::Scheduler,
                "TimescaleDB scheduler".into(),
                format!("{scheduled} scheduled jobs will not run: {why}"),
                Subject::Server,
                scheduled as f64,
            );
        }
    }
    if summary.is_some_and(|s| s.timescaledb_license.as_deref() == Some("apache")) {
        let tsl = jobs
            .iter()
            .filter(|j| j.scheduled && needs_community_license(j.kind))
            .count();
        if tsl > 0 {
            add(
                Severity::Critical,
                ProblemKind::License,
                "timescaledb.license".into(),
                format!("apache: {tsl} compression, refresh or reorder jobs cannot run (they need the community license: timescaledb.license = timescale)"),
                Subject::Server,
                tsl as f64,
            );
        }
    }
    if let Some(s) = summary.filter(|_| down.is_none()) {
        if let Some(max) = s.max_background_workers {
            let due = jobs
                .iter()
                .filter(|j| j.scheduled && (j.running() || j.overdue(now)))
                .count() as i64;
            let free = max as i64 - s.schedulers - s.job_workers;
            if due > 0 && free <= 0 {
                add(
                    Severity::Warning,
                    ProblemKind::WorkerCapacity,
                    "timescaledb.max_background_workers".into(),
                    format!(
                        "all {max} background workers are in use ({} schedulers, {} jobs in the cluster) while {due} jobs here are due: they wait (raise timescaledb.max_background_workers)",
                        s.schedulers, s.job_workers
                    ),
                    Subject::Server,
                    due as f64,
                );
            }
            let needed = max + s.max_parallel_workers + 1;
            if s.max_worker_processes < needed {
                add(
                    Severity::Warning,
                    ProblemKind::WorkerCapacity,
                    "max_worker_processes".into(),
                    format!(
                        "{} is below timescaledb.max_background_workers ({max}) + max_parallel_workers ({}) + 1 for the launcher: jobs and parallel queries take each other's workers (set it to {needed} or more)",
                        s.max_worker_processes, s.max_parallel_workers
                    ),
                    Subject::Server,
                    (needed - s.max_worker_processes) as f64,
                );
            }
        }
    }

    for j in jobs {
        let object = format!(
            "job {} ({})",
            j.job_id,
            j.target().unwrap_or_else(|| j.proc_name.clone())
        );
        let id = Subject::Job(j.job_id);
        if j.consecutive_failures > 0 {
            let severity = if j.consecutive_failures >= limits.critical_failures {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let error = j
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            add(
                severity,
                ProblemKind::JobFailing,
                object.clone(),
                format!(
                    "{} job failed {} in a row{error}",
                    j.kind,
                    format::times(j.consecutive_failures.into())
                ),
                id.clone(),
                j.consecutive_failures as f64,
            );
        }
        if !j.scheduled && j.kind != "custom" {
            add(
                Severity::Warning,
                ProblemKind::PolicyPaused,
                object.clone(),
                format!("{} policy is paused", j.kind),
                id.clone(),
                0.0,
            );
        }
        if j.overdue(now) {
            let late = j
                .next_start
                .map(|t| format::ago(t, now))
                .unwrap_or_default();
            let starved = match (j.next_start, j.schedule_seconds) {
                (Some(t), Some(every)) if (now - t).as_seconds_f64() > every => {
                    " and has missed at least one whole run (starved)"
                }
                _ => "",
            };
            add(
                Severity::Warning,
                ProblemKind::JobOverdue,
                object,
                format!("next start was {late}{starved}"),
                id,
                j.next_start.map_or(0.0, |t| (now - t).as_seconds_f64()),
            );
        }
    }

    for c in input.compression.unwrap_or_default() {
        if c.backlog_chunks > limits.max_backlog_chunks {
            add(
                Severity::Warning,
                ProblemKind::CompressionBacklog,
                format::qualified(&c.schema, &c.name),
                format!(
                    "{} chunks ({}) older than compress_after {} are not compressed",
                    c.backlog_chunks,
                    format::bytes(c.backlog_bytes),
                    c.compress_after
                        .as_deref()
                        .map_or("?".into(), format::interval)
                ),
                Subject::relation(&c.schema, &c.name),
                c.backlog_bytes as f64,
            );
        }
    }

    for r in input.retention.unwrap_or_default() {
        let (Some(chunks), Some(bytes)) = (r.overdue_chunks, r.overdue_bytes) else {
            continue;
        };
        if chunks > 0 {
            add(
                Severity::Warning,
                ProblemKind::RetentionOverdue,
                format::qualified(&r.schema, &r.name),
                format!(
                    "{} chunks ({}) older than drop_after {} are still there",
                    chunks,
                    format::bytes(bytes),
                    r.drop_after.as_deref().map_or("?".into(), format::interval)
                ),
                Subject::relation(&r.schema, &r.name),
                bytes as f64,
            );
        }
    }

    // "Unused" only on statistics old enough to say so (unknown age: not judged).
    let stats_age = input
        .summary
        .and_then(Summary::statistics_age)
        .filter(|age| age.to_std().is_ok_and(|a| a >= limits.unused_after));
    for i in input.indexes.unwrap_or_default() {
        let object = format::qualified(&i.index_schema, &i.name);
        let id = Subject::relation(&i.index_schema, &i.name);
        if !i.valid {
            add(
                Severity::Critical,
                ProblemKind::InvalidIndex,
                object.clone(),
                format!("index on {} is INVALID (a failed CREATE INDEX CONCURRENTLY?): it is maintained but never used", i.table),
                id.clone(),
                i.size_bytes as f64,
            );
        }
        if let Some(other) = &i.duplicate_of {
            add(
                Severity::Warning,
                ProblemKind::DuplicateIndex,
                object.clone(),
                format!(
                    "same keys as {other} on {} ({} to drop)",
                    i.table,
                    format::bytes(i.size_bytes)
                ),
                id.clone(),
                i.size_bytes as f64,
            );
        } else if let Some(age) = stats_age.filter(|_| {
            i.valid
                && i.category == Category::Unused
                && !crate::model::indexes::timescaledb_own(i)
                && i.size_bytes >= limits.unused_index_bytes
        }) {
            add(
                Severity::Warning,
                ProblemKind::UnusedIndex,
                object,
                format!(
                    "never scanned in {} of statistics ({})",
                    format::chrono_duration(age),
                    format::bytes(i.size_bytes)
                ),
                id,
                i.size_bytes as f64,
            );
        }
    }

    let max_lag = limits.max_cagg_lag.as_secs_f64();
    for c in input.caggs.unwrap_or_default() {
        let object = format::qualified(&c.schema, &c.name);
        let id = Subject::relation(&c.schema, &c.name);
        // Judged against what its refresh policy promises when one runs, and never below the
        // lag limit (the lag a user calls worth a warning); without a running policy, by the
        // limit alone.
        match (c.watermark, c.lag_seconds, c.behind_policy()) {
            (None, _, _) => add(
                Severity::Warning,
                ProblemKind::CaggLag,
                object,
                "never refreshed: it holds no materialized data".into(),
                id,
                f64::MAX,
            ),
            (Some(_), Some(lag), Some(behind)) if behind > 0.0 && lag > max_lag => add(
                Severity::Warning,
                ProblemKind::CaggLag,
                object,
                format!(
                    "behind its refresh policy by {}: materialized data ends {} ago, the policy keeps it within {}",
                    format::seconds(behind),
                    format::seconds(lag),
                    format::seconds(c.policy_promise().unwrap_or(0.0))
                ),
                id,
                behind,
            ),
            (Some(_), Some(lag), None) if lag > max_lag => add(
                Severity::Warning,
                ProblemKind::CaggLag,
                object,
                format!(
                    "materialized data ends {} ago (limit {}); {}",
                    format::seconds(lag),
                    format::duration(limits.max_cagg_lag),
                    match &c.refresh_policy {
                        Some(_) => "its refresh policy is paused",
                        None => "it has no refresh policy",
                    }
                ),
                id,
                lag,
            ),
            _ => {}
        }
    }

    let sessions = input.activity.unwrap_or_default();
    for s in sessions.iter().filter(|s| s.blocked()) {
        let waited = s.in_state_seconds().unwrap_or(0.0);
        if waited < BLOCKED_FOR {
            continue;
        }
        // The session at the head of the chain holds what everyone behind it waits for.
        let mut head = s;
        let mut seen = vec![s.pid];
        while let Some(next) = head
            .blocked_by
            .first()
            .and_then(|p| sessions.iter().find(|o| o.pid == *p))
            .filter(|o| !seen.contains(&o.pid))
        {
            seen.push(next.pid);
            head = next;
        }
        let what = if s.waiting_for.is_empty() {
            "a lock".to_string()
        } else {
            s.waiting_for.join(", ")
        };
        add(
            Severity::Warning,
            ProblemKind::Blocked,
            session_name(s),
            format!(
                "waits {} to lock {what}, held by {}",
                format::seconds(waited),
                describe_holder(head)
            ),
            Subject::Session(head.pid),
            waited,
        );
    }

    for f in input.lint.unwrap_or_default() {
        let kind = match f.rule {
            LintRule::RetentionInsideRefreshWindow
            | LintRule::RetentionBeforeMaterialized
            | LintRule::EndOffsetBelowBucket
            | LintRule::WindowsDoNotNest => ProblemKind::RefreshWindow,
            LintRule::DropBeforeCompress | LintRule::ScheduleLongerThanDropAfter => {
                ProblemKind::RetentionPolicy
            }
            LintRule::NoSegmentby => ProblemKind::NoSegmentby,
        };
        add(
            Severity::Warning,
            kind,
            f.relation.clone(),
            f.message.clone(),
            Subject::relation(&f.schema, &f.relname),
            0.0,
        );
    }

    explain(&mut out, input, now);
    rank(out)
}

/// Links each problem to what it depends on: a symptom to its policy job, a job to the
/// scheduler, the workers or the license, down to the root cause.
fn explain(out: &mut [Problem], input: &Inputs, now: DateTime<Utc>) {
    // Looked up by key, not scanned: thousands of problems (a 50,000-chunk catalog) each
    // looking for their cause made this quadratic.
    let mut first: HashMap<(ProblemKind, &Subject), &Problem> = HashMap::new();
    for p in out.iter() {
        first.entry((p.kind, &p.subject)).or_insert(p);
    }
    let find = |kind: ProblemKind, subject: &Subject| -> Option<Root> {
        first.get(&(kind, subject)).map(|p| p.root())
    };
    let jobs: HashMap<i32, &Job> = input
        .jobs
        .unwrap_or_default()
        .iter()
        .map(|j| (j.job_id, j))
        .collect();
    let caggs = by_name(input.caggs, |c| (&c.schema, &c.name));
    let compression = by_name(input.compression, |c| (&c.schema, &c.name));
    let retention = by_name(input.retention, |r| (&r.schema, &r.name));
    let server = |kind: ProblemKind| find(kind, &Subject::Server);
    let scheduler = server(ProblemKind::Scheduler);
    let license = server(ProblemKind::License);
    let capacity = out
        .iter()
        .find(|p| p.kind == ProblemKind::WorkerCapacity && p.object.starts_with("timescaledb."))
        .map(Problem::root);
    // Why a job does not do its work: the first that applies, down to the root.
    let job_cause = |j: &Job, own: Option<ProblemKind>| -> (Vec<String>, Option<Root>) {
        let s = Subject::Job(j.job_id);
        let failing =
            find(ProblemKind::JobFailing, &s).filter(|_| own != Some(ProblemKind::JobFailing));
        let paused =
            find(ProblemKind::PolicyPaused, &s).filter(|_| own != Some(ProblemKind::PolicyPaused));
        let overdue =
            find(ProblemKind::JobOverdue, &s).filter(|_| own != Some(ProblemKind::JobOverdue));
        if let (Some(root), true) = (&license, needs_community_license(j.kind)) {
            return (
                vec![format!(
                    "job {} is a {} job: {}",
                    j.job_id,
                    j.kind,
                    "it needs the community license, and timescaledb.license is apache"
                )],
                Some(root.clone()),
            );
        }
        if let Some(root) = paused {
            return (
                vec![format!("job {} is paused: it does not run", j.job_id)],
                Some(root),
            );
        }
        // A failure is its own cause (its error says why): a stopped scheduler does not
        // explain why the runs that happened failed.
        if own == Some(ProblemKind::JobFailing) {
            return (Vec::new(), None);
        }
        let worker = input
            .activity
            .unwrap_or_default()
            .iter()
            .find(|s| s.job_id == Some(j.job_id) && s.blocked());
        if let Some(w) = worker {
            let blocked = out
                .iter()
                .find(|p| p.kind == ProblemKind::Blocked && p.object == session_name(w))
                .map(Problem::root);
            if let Some(root) = blocked {
                return (
                    vec![format!(
                        "job {}'s worker (pid {}) waits for a lock",
                        j.job_id, w.pid
                    )],
                    Some(root),
                );
            }
        }
        if let Some(root) = failing {
            let error = j
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            return (
                vec![format!(
                    "job {} failed {} in a row{error}",
                    j.job_id,
                    format::times(j.consecutive_failures.into())
                )],
                Some(root),
            );
        }
        if j.scheduled {
            if let Some(root) = &scheduler {
                return (
                    vec![format!(
                        "job {} cannot run: the TimescaleDB scheduler is down",
                        j.job_id
                    )],
                    Some(root.clone()),
                );
            }
            if j.overdue(now) {
                if let Some(root) = &capacity {
                    return (
                        vec![format!(
                            "job {} is overdue: every background worker is in use",
                            j.job_id
                        )],
                        Some(root.clone()),
                    );
                }
                if let Some(root) = overdue {
                    let late = j
                        .next_start
                        .map(|t| format::ago(t, now))
                        .unwrap_or_default();
                    return (
                        vec![format!(
                            "job {} is overdue: its next start was {late}",
                            j.job_id
                        )],
                        Some(root),
                    );
                }
            }
        }
        (Vec::new(), None)
    };
    let job = |id: i32| jobs.get(&id).copied();
    let explained: Vec<(Vec<String>, Option<Root>)> = out
        .iter()
        .map(|p| {
            let (mut chain, root) = match (&p.kind, &p.subject) {
                (
                    ProblemKind::JobFailing | ProblemKind::JobOverdue | ProblemKind::PolicyPaused,
                    Subject::Job(id),
                ) => match job(*id) {
                    Some(j) => job_cause(j, Some(p.kind)),
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
            // The root's own message ends the chain: the cause, said once, where it is read.
            if let Some(r) = &root {
                if let Some(rp) = first.get(&(r.kind, &r.subject)) {
                    let last = format!("{}: {}", rp.object, rp.message);
                    if chain.last() != Some(&last) {
                        chain.push(last);
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
type Cause = (Vec<String>, Option<Root>);

/// A dataset's rows by `(schema, name)` (empty until read).
fn by_name<'a, T>(
    rows: Option<&'a [T]>,
    key: impl Fn(&'a T) -> (&'a String, &'a String),
) -> HashMap<(&'a str, &'a str), &'a T> {
    rows.unwrap_or_default()
        .iter()
        .map(|r| {
            let (schema, name) = key(r);
            ((schema.as_str(), name.as_str()), r)
        })
        .collect()
}

/// The chain of a symptom that a policy job should prevent: no policy, or why its job does not
/// do the work.
fn policy_cause<'a>(
    what: &str,
    job_id: Option<i32>,
    job: &dyn Fn(i32) -> Option<&'a Job>,
    job_cause: &dyn Fn(&Job, Option<ProblemKind>) -> Cause,
) -> (Vec<String>, Option<Root>) {
    let Some(id) = job_id else {
        return (
            vec![format!(
                "no {what}: nothing does this work but a manual command"
            )],
            None,
        );
    };
    let Some(j) = job(id) else {
        return (vec![format!("{what}: job {id}")], None);
    };
    let (mut chain, root) = job_cause(j, None);
    // "job 7 is paused" becomes "refresh policy (job 7) is paused".
    let job = format!("job {id}");
    match chain.first_mut() {
        Some(first) if first.starts_with(&job) => {
            *first = format!("{what} ({job}){}", &first[job.len()..]);
        }
        _ => chain.insert(0, format!("{what}: {job}")),
    }
    (chain, root)
}

/// Ranks problems: severity, kind, size; then each consequence right under its root, so one
/// stopped scheduler is one problem with its consequences under it.
fn rank(mut out: Vec<Problem>) -> Vec<Problem> {
    out.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then(a.kind.cmp(&b.kind))
            .then(b.magnitude.total_cmp(&a.magnitude))
            .then(a.object.cmp(&b.object))
    });
    let is_root_of = |root: &Problem, p: &Problem| {
        p.root
            .as_ref()
            .is_some_and(|r| r.kind == root.kind && r.subject == root.subject)
    };
    let mut ranked = Vec::with_capacity(out.len());
    let (roots, mut rest): (Vec<Problem>, Vec<Problem>) =
        out.into_iter().partition(|p| p.root.is_none());
    for root in roots {
        let (under, others): (Vec<Problem>, Vec<Problem>) =
            rest.into_iter().partition(|p| is_root_of(&root, p));
        rest = others;
        ranked.push(root);
        ranked.extend(under);
    }
    // Consequences of a root that is not in the list themselves (cannot happen today).
    ranked.extend(rest);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the rules see with the server's facts and jobs read, nothing else.
    fn server_and_jobs<'a>(summary: &'a Summary, jobs: &'a [Job]) -> Inputs<'a> {
        Inputs {
            summary: Some(summary),
            timescaledb: true,
            jobs: Some(jobs),
            ..Inputs::default()
        }
    }
    use crate::model::fixtures;

    fn now() -> DateTime<Utc> {
        fixtures::t("2026-11-21T12:30:00Z")
    }

    fn kinds(found: &[Problem]) -> Vec<(Severity, &str, &str)> {
        found
            .iter()
            .map(|p| (p.severity, p.kind.as_str(), p.object.as_str()))
            .collect()
    }

    #[test]
    fn a_stopped_scheduler_is_one_critical_problem_with_its_consequences_under_it() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        let mut late = fixtures::job(1001, "policy_retention", Some("readings"), 0, true);
        late.schedule_seconds = Some(3600.0);
        late.next_start = Some(now() - chrono::Duration::hours(3));
        let jobs = [late];
        let input = server_and_jobs(&summary, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "scheduler", "TimescaleDB scheduler"),
                (
                    Severity::Warning,
                    "job overdue",
                    "job 1001 (telemetry.readings)"
                )
            ]
        );
        assert_eq!(found[0].subject, Subject::Server);
        assert!(found[0].root.is_none());
        let root = found[1].root.as_ref().unwrap();
        assert_eq!(root.kind, ProblemKind::Scheduler);
        assert!(
            found[1].chain[0].contains("cannot run"),
            "{:?}",
            found[1].chain
        );
        // Running scheduler: the same job is overdue.
        let running = fixtures::summary();
        let input = server_and_jobs(&running, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(found[0].kind, ProblemKind::JobOverdue);
        assert_eq!(found[0].subject, Subject::Job(1001));
    }

    #[test]
    fn restoring_mode_is_named_as_the_reason() {
        let mut summary = fixtures::summary();
        summary.scheduler_running = false;
        summary.timescaledb_restoring = true;
        let jobs = [fixtures::job(
            1000,
            "policy_compression",
            Some("r"),
            0,
            true,
        )];
        let input = server_and_jobs(&summary, &jobs);
        let found = find(&input, &Thresholds::default(), now());
        assert!(
            found[0].message.contains("timescaledb_post_restore"),
            "{found:?}"
        );
    }

    #[test]
    fn failing_jobs_are_critical_from_the_limit_and_paused_policies_warn() {
        let jobs = [
            fixtures::job(1000, "policy_compression", Some("a"), 2, true),
            fixtures::job(1001, "policy_compression", Some("b"), 3, true),
            fixtures::job(1002, "policy_retention", Some("c"), 0, false),
        ];
        let input = Inputs {
            jobs: Some(&jobs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        assert_eq!(
            kinds(&found),
            [
                (Severity::Critical, "job failing", "job 1001 (telemetry.b)"),
                (Severity::Warning, "job failing", "job 1000 (telemetry.a)"),
                (Severity::Warning, "policy paused", "job 1002 (telemetry.c)"),
            ]
        );
        let strict = Thresholds {
            critical_failures: 2,
            ..Thresholds::default()
        };
        let found = find(&input, &strict, now());
        assert_eq!(found[1].severity, Severity::Critical, "{found:?}");
    }

    #[test]
    fn unused_needs_old_enough_statistics_and_spares_timescaledbs_own_indexes() {
        let mut own = fixtures::index(
            "readings_hourly",
            "_materialized_hypertable_3_bucket_idx",
            "bucket",
            0,
            true,
        );
        own.index_schema = "_timescaledb_internal".into();
        own.unique = false;
        own.category = Category::Unused;
        let indexes = vec![
            fixtures::index("readings", "readings_value_idx", "value", 0, true),
            own,
        ];
        let unused = |stats_reset: &str| {
            let mut summary = fixtures::summary();
            summary.stats_reset = Some(stats_reset.parse().unwrap());
            let input = Inputs {
                summary: Some(&summary),
                indexes: Some(&indexes),
                ..Inputs::default()
            };
            find(&input, &Thresholds::default(), now())
                .into_iter()
                .filter(|p| p.kind == ProblemKind::UnusedIndex)
                .map(|p| (p.object, p.message))
                .collect::<Vec<_>>()
        };
        // Reset an hour ago: too recent to call anything unused.
        assert!(unused("2026-11-21T11:30:00Z").is_empty());
        // Twenty days of statistics: the one that is never scanned, and not TimescaleDB's own.
        let found = unused("2026-11-01T12:30:00Z");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "telemetry.readings_value_idx");
        assert!(
            found[0].1.starts_with("never scanned in 20d of statistics"),
            "{found:?}"
        );
    }

    #[test]
    fn backlog_retention_indexes_and_lag_follow_their_limits() {
        let compression = [
            fixtures::compression("readings", 10),
            fixtures::compression("energy", 0),
        ];
        let mut indexes = vec![
            fixtures::index("readings", "readings_time_idx", "time", 98_000, true),
            fixtures::index("readings", "readings_value_idx", "value", 0, true),
            fixtures::index("readings", "readings_time_again", "time", 0, true),
            fixtures::index("readings", "readings_broken_idx", "site", 0, false),
        ];
        crate::model::indexes::mark_duplicates(&mut indexes);
        let mut never = fixtures::cagg("never", None, "2026-11-21T11:00:00Z", 0.0);
        never.watermark = None;
        never.lag_seconds = None;
        // Against their refresh policy (end offset 1 h + a 1 h bucket + every 30 min = 2 h 30 m):
        // 1.5 h is within it, 5 h is 2.5 h behind. Without a policy, against the 1 h limit.
        let mut no_policy = fixtures::cagg("adhoc", None, "2026-11-21T11:00:00Z", 5400.0);
        no_policy.refresh_policy = None;
        let caggs = [
            fixtures::cagg("hourly", None, "2026-11-21T11:00:00Z", 5400.0),
            fixtures::cagg("stale", None, "2026-11-21T07:30:00Z", 18000.0),
            fixtures::cagg("fresh", None, "2026-11-21T12:00:00Z", 1800.0),
            no_policy,
            never,
        ];
        // Statistics 20 days old: old enough to call an index unused.
        let summary = fixtures::summary();
        let input = Inputs {
            summary: Some(&summary),
            compression: Some(&compression),
            indexes: Some(&indexes),
            caggs: Some(&caggs),
            ..Inputs::default()
        };
        let found = find(&input, &Thresholds::default(), now());
        let k = kinds(&found);
        assert_eq!(
            k[0],
            (
                Severity::Critical,
                "invalid index",
                "telemetry.readings_broken_idx"
            )
        );
        // The never-refreshed aggregate ranks above the one 2.5 h behind its policy, which
        // ranks above the one 1.5 h old with no policy.
        assert_eq!(k[1], (Severity::Warning, "cagg lag", "telemetry.never"));
        assert_eq!(k[2], (Severity::Warning, "cagg lag", "telemetry.stale"));
        assert_eq!(k[3], (Severity::Warning, "cagg lag", "telemetry.adhoc"));
        let said = |object: &str| {
            found
                .iter()
                .find(|p| p.object == object)
                .map(|p| p.message.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            said("telemetry.stale"),
            "behind its refresh policy by 2h 30m: materialized data ends 5h ago, the policy keeps it within 2h 30m"
        );
        assert!(
            said("telemetry.adhoc").ends_with("it has no refresh policy"),
            "{}",
            said("telemetry.adhoc")
        );
        assert!(
            !k.iter().any(|(_, _, o)| *o == "telemetry.hourly"),
            "within its policy: {k:?}"
        );
        assert!(k.contains(&(
            Severity::Warning,
            "compression backlog",
            "telemetry.readings"
        )));
        assert!(k.contains(&(
            Severity::Warning,
            "duplicate index",
            "telemetry.readings_time_again"
        )));
        assert!(k.contains(&(
            Severity::Warning,
            "unused index",
            "telemetry.readings_value_idx"
        )));
        assert!(!k
            .iter()
            .any(|(_, _, o)| o.contains("fresh") || o.contains("energy")));
        // Looser limits: two hours of lag and ten chunks of backlog are fine; small indexes too.
        let loose = Thresholds {
            max_cagg_lag: std::time::Duration::from_secs(7200),
            max_backlog_chunks: 10,
            unused_index_bytes: i64::MAX,
            ..Thresholds::default()
        };
        // (`stale`, 5 h old and behind its policy, is over this limit too)
        let k2: Vec<_> = find(&input, &loose, now()).iter().map(|p| p.kind).collect();
        assert_eq!(
            k2,
            [
                ProblemKind::InvalidIndex,
                ProblemKind::CaggLag,
                ProblemKind::CaggLag,
                ProblemKind::DuplicateIndex
            ]
        );
    }
}
