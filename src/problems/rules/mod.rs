//! The rules that find problems, one function per area, in the order they are listed.

use crate::command::spec::family;
use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{
    fold, scheduler_down_reason, Found, Inputs, Problem, ProblemKind, Put, Severity, Subject,
    Thresholds, BLOCKED_FOR,
};
use crate::command::parse::{Command, ObjectName, WindowBound};
use crate::format;
use crate::model::activity::Backend;
use crate::model::indexes::Category;
use crate::model::jobs::Job;
use crate::model::Summary;
use crate::policy::LintRule;

mod job_rules;

use job_rules::*;

/// A rule: what it finds in the inputs, added to the list.
type Rule = fn(&Inputs, &Thresholds, DateTime<Utc>, &mut Vec<Problem>);

/// A rule about relations: what it finds, explained and folded as it goes.
type RelationRule = fn(&Inputs, &Thresholds, DateTime<Utc>, &mut Found);

/// The rules whose problems can be the root of another's chain: the server's, the jobs', the
/// sessions' (in this order: the jobs' look at the server's).
pub(super) const ROOTS: &[Rule] = &[server, jobs, sessions];

/// The rules whose problems are about relations, each some policy's or setting's consequence:
/// never another's root, so they are explained and folded as they are found ([`Found`]).
pub(super) const RELATIONS: &[RelationRule] = &[
    compression,
    retention,
    indexes,
    caggs,
    cagg_holes,
    lint,
    super::advice::advice,
];

/// The settings a worker-capacity problem is about.
pub(super) const BACKGROUND_WORKERS: &str = "timescaledb.max_background_workers";
const WORKER_PROCESSES: &str = "max_worker_processes";

/// Adds a problem, its cause to be linked later.
pub(super) fn adder(
    out: &mut impl Put,
) -> impl FnMut(Severity, ProblemKind, String, String, Subject, f64) + '_ {
    |severity, kind, object, message, subject, magnitude| {
        out.put(problem(severity, kind, object, message, subject, magnitude))
    }
}

/// A rule's problem: no chain, root or action yet.
pub(super) fn problem(
    severity: Severity,
    kind: ProblemKind,
    object: String,
    message: String,
    subject: Subject,
    magnitude: f64,
) -> Problem {
    Problem {
        severity,
        kind,
        object,
        message,
        chain: Vec::new(),
        root: None,
        subject,
        magnitude,
        action: None,
        starved: false,
    }
}

/// `pid 4242 (job 1000)` or `pid 4242 (psql)`.
fn session_name(s: &Backend) -> String {
    match (s.job_id, s.application.as_deref().filter(|a| !a.is_empty())) {
        (Some(j), _) => format!("pid {} (job {j})", s.pid),
        (None, Some(app)) => format!("pid {} ({app})", s.pid),
        (None, None) => format!("pid {}", s.pid),
    }
}

/// Who holds a lock, as an operator needs it: pid, role, application, what it is doing.
fn describe_holder(s: &Backend) -> String {
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
pub(super) fn needs_community_license(kind: &str) -> bool {
    matches!(kind, "compression" | "cagg refresh" | "reorder")
}

/// The server: the scheduler, the license, the workers.
fn server(input: &Inputs, _limits: &Thresholds, now: DateTime<Utc>, out: &mut Vec<Problem>) {
    let mut add = adder(out);
    let jobs = input.jobs.unwrap_or_default();
    let summary = input.summary.filter(|_| input.timescaledb);
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
    if let Some(s) = summary {
        versions(s, &mut add);
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
                    BACKGROUND_WORKERS.into(),
                    format!(
                        "all {max} background workers are in use ({} schedulers, {} jobs in the cluster) while {due} jobs here are due: they wait (raise timescaledb.max_background_workers; read at start, it takes a restart)",
                        s.schedulers, s.job_workers
                    ),
                    Subject::Setting(BACKGROUND_WORKERS),
                    due as f64,
                );
            }
            let needed = max + s.max_parallel_workers + 1;
            if s.max_worker_processes < needed {
                add(
                    Severity::Warning,
                    ProblemKind::WorkerCapacity,
                    WORKER_PROCESSES.into(),
                    format!(
                        "{} is below timescaledb.max_background_workers ({max}) + max_parallel_workers ({}) + 1 for the launcher: jobs and parallel queries take each other's workers (set it to {needed} or more)",
                        s.max_worker_processes, s.max_parallel_workers
                    ),
                    Subject::Setting(WORKER_PROCESSES),
                    (needed - s.max_worker_processes) as f64,
                );
            }
        }
    }
}

/// TimescaleDB's versions: its catalog against its extension, its package against this
/// database, and the known bugs of the release installed.
fn versions(
    s: &Summary,
    add: &mut impl FnMut(Severity, ProblemKind, String, String, Subject, f64),
) {
    let Some(installed) = s.timescaledb_version.as_deref() else {
        return;
    };
    const UPDATE: &str = "psql -X -d <this database> -c 'ALTER EXTENSION timescaledb UPDATE'";
    match (&s.timescaledb_catalog_version, &s.timescaledb_default_version) {
        (Some(catalog), _) if catalog != installed => add(
            Severity::Critical,
            ProblemKind::ExtensionVersion,
            "timescaledb".into(),
            format!(
                "the catalog records TimescaleDB {catalog}, the extension says {installed}: a dump restored from another release, or an update stopped half-way; ALTER EXTENSION timescaledb UPDATE fails with \"catalog version mismatch\" until they agree (restore the dump into TimescaleDB {catalog} and update from there; TimescaleDB #8278, #6496)"
            ),
            Subject::Server,
            1.0,
        ),
        (_, Some(package)) if crate::releases::older(installed, package) => add(
            Severity::Warning,
            ProblemKind::ExtensionVersion,
            "timescaledb".into(),
            format!(
                "this database runs TimescaleDB {installed}, the server has {package} installed too (what CREATE EXTENSION gets now; a database keeps its version until it is updated, whether the package was upgraded or versions were installed side by side): to move it, {UPDATE}, as the first statement of a new session; sessions open before keep the old library until they reconnect. First, `hypertop upgrade-check --to {package}` says what the update would meet (views on TimescaleDB's, what it removes, bloom indexes) and how to clear it"
            ),
            Subject::Server,
            1.0,
        ),
        _ => {}
    }
    let mut named: Vec<String> = Vec::new();
    for f in s.upgrade.iter().flat_map(|r| &r.findings) {
        let to = s.upgrade.as_ref().map_or("", |r| r.target.as_str());
        // one row each (the Overview's rows are told apart by their object): its kind names
        // it, and a count where a kind comes again (a blocker and a warning of views)
        let kind = serde_json::to_value(f.kind).ok();
        let kind = kind.as_ref().and_then(|k| k.as_str()).unwrap_or("finding");
        let mut object = format!("timescaledb {installed} → {to}: {kind}");
        let again = named.iter().filter(|n| n.starts_with(&object)).count();
        if again > 0 {
            object.push_str(&format!(" ({})", again + 1));
        }
        named.push(object.clone());
        add(
            Severity::Advice,
            ProblemKind::BeforeUpdate,
            object,
            before_update(f, to),
            Subject::Server,
            match f.severity {
                crate::upgrade::Severity::Blocker => 2.0,
                _ => 1.0,
            },
        );
    }
    let bugs = crate::releases::known_bugs(installed);
    if let Some(newest) = bugs.first() {
        let fixed = crate::releases::shown(newest.fixed);
        let listed: Vec<String> = bugs
            .iter()
            .map(|b| {
                format!(
                    "{} (#{}, fixed in {})",
                    b.what,
                    b.pull,
                    crate::releases::shown(b.fixed)
                )
            })
            .collect();
        add(
            Severity::Advice,
            ProblemKind::KnownBugs,
            "timescaledb".into(),
            format!(
                "TimescaleDB {installed} has {} known bug{} that change, lose or wrongly return data, fixed by {fixed} or later: {}",
                bugs.len(),
                if bugs.len() == 1 { "" } else { "s" },
                listed.join("; ")
            ),
            Subject::Server,
            bugs.len() as f64,
        );
    }
}

/// One of `upgrade-check`'s findings as the Overview says it: whether it stops the update, what
/// it is, its first objects, the fix and where TimescaleDB says so.
fn before_update(f: &crate::upgrade::Finding, to: &str) -> String {
    const SHOWN: usize = 3;
    let mut evidence = f
        .evidence
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join("; ");
    if f.evidence.len() > SHOWN {
        evidence.push_str(&format!("; and {} more", f.evidence.len() - SHOWN));
    }
    let stops = match f.severity {
        crate::upgrade::Severity::Blocker => "stops the update to",
        _ => "changes with the update to",
    };
    format!(
        "{stops} {to}: {} ({evidence}). Fix: {} ({}; `hypertop upgrade-check --to {to}` says it whole)",
        f.what, f.fix, f.reference
    )
}

/// Chunks due for compression that are not compressed.
fn compression(input: &Inputs, limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    let mut add = adder(out);
    for c in input.compression.unwrap_or_default() {
        let (Some(backlog), Some(backlog_bytes)) = (c.backlog_chunks, c.backlog_bytes) else {
            continue;
        };
        if backlog > limits.max_backlog_chunks {
            add(
                Severity::Warning,
                ProblemKind::CompressionBacklog,
                format::qualified(&c.schema, &c.name),
                format!(
                    "{} chunks ({}) older than compress_after {} are not compressed",
                    backlog,
                    format::bytes(backlog_bytes),
                    c.compress_after
                        .as_deref()
                        .map_or("?".into(), format::interval)
                ),
                Subject::relation(&c.schema, &c.name),
                backlog_bytes as f64,
            );
        }
    }
}

/// Chunks past their retention that are still there.
fn retention(input: &Inputs, _limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    let mut add = adder(out);
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
}

/// Invalid, duplicate and (on statistics old enough) unused indexes.
fn indexes(input: &Inputs, limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    let mut add = adder(out);
    // "Unused" only on statistics old enough to say so (unknown age: not judged).
    let stats_age = input
        .summary
        .and_then(Summary::usage_age)
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
}

/// Continuous aggregates behind their refresh policy, or never refreshed.
fn caggs(input: &Inputs, limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    let mut add = adder(out);
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
}

/// Caggs' holes below their watermark (data of their source with no bucket), each with the
/// refresh that fills it — its window a source chunk wider on each side, so a bucket
/// straddling an edge is refreshed whole — except where a cagg's own retention drops its
/// buckets anyway.
fn cagg_holes(input: &Inputs, _limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    for c in input.caggs.unwrap_or_default() {
        holes(input, c, out);
    }
}

fn holes(input: &Inputs, c: &crate::model::caggs::Cagg, out: &mut Found) {
    let integer = !crate::model::caggs::is_time_type(&c.time_type);
    // µs since the epoch (or the integer) as the palette takes a bound, and as people read it
    let bound = |v: i64| -> (WindowBound, String) {
        match (integer, DateTime::from_timestamp_micros(v)) {
            (false, Some(t)) => (
                WindowBound::Time(t.to_rfc3339()),
                format::timestamp(t, true),
            ),
            _ => (WindowBound::Int(v), v.to_string()),
        }
    };
    let retained_from = input
        .retention
        .unwrap_or_default()
        .iter()
        .find(|r| (r.schema.as_str(), r.name.as_str()) == (c.schema.as_str(), c.name.as_str()))
        .and_then(|r| r.drop_after_seconds)
        .zip(c.watermark_units().zip(c.lag_seconds))
        .map(|(after, (w, lag))| w + ((lag - after) * 1e6) as i64);
    for h in &c.holes {
        if retained_from.is_some_and(|from| h.to <= from) {
            continue;
        }
        let fill_to = c
            .watermark_units()
            .map_or(h.to + h.chunk_len, |w| (h.to + h.chunk_len).min(w));
        let mut p = Problem {
            severity: Severity::Critical,
            kind: ProblemKind::CaggHole,
            object: format::qualified(&c.schema, &c.name),
            message: format!(
                "no buckets for [{}, {}) below its watermark, where {} holds data ({} chunk{}): queries of it do not see that data (a refresh's window started above its watermark, or an outage outlasted its policy's start offset)",
                bound(h.from).1,
                bound(h.to).1,
                c.source(),
                h.chunks,
                if h.chunks == 1 { "" } else { "s" }
            ),
            chain: Vec::new(),
            root: None,
            subject: Subject::relation(&c.schema, &c.name),
            magnitude: (h.to - h.from) as f64,
            action: None,
            starved: false,
        };
        let refresh = Command::Refresh(family::Refresh::over(
            ObjectName::qualified(&c.schema, &c.name),
            Some((bound(h.from - h.chunk_len).0, bound(fill_to).0)),
        ));
        p.action = Some(refresh.to_string());
        out.put(p);
    }
}

/// Sessions waiting on a lock for long, with who holds it.
fn sessions(input: &Inputs, _limits: &Thresholds, _now: DateTime<Utc>, out: &mut Vec<Problem>) {
    let mut add = adder(out);
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
            Subject::LockWait {
                waiting: s.pid,
                holder: head.pid,
            },
            waited,
        );
    }
}

/// The policy lint rules' findings.
fn lint(input: &Inputs, _limits: &Thresholds, _now: DateTime<Utc>, out: &mut Found) {
    let mut add = adder(out);
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
}
