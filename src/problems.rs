//! The overview's ranked problem list, derived from what the other screens read. Pure.

use chrono::{DateTime, Utc};

use crate::format;
use crate::model::caggs::Cagg;
use crate::model::compression::Compression;
use crate::model::indexes::{Category, Index};
use crate::model::jobs::Job;
use crate::model::retention::Retention;
use crate::model::Summary;
use crate::screens::{row_id, Tab};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Warning,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub severity: Severity,
    pub kind: &'static str,
    pub object: String,
    pub message: String,
    /// Where the explanation is: the tab and the row id there.
    #[serde(skip)]
    pub tab: Tab,
    #[serde(skip)]
    pub row_id: String,
    /// Size of the problem within its kind (bytes, seconds, failures), for ranking.
    #[serde(skip)]
    pub magnitude: f64,
}

/// Limits beyond which something is a problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub max_cagg_lag: std::time::Duration,
    /// Compression backlog above this many chunks is a warning.
    pub max_backlog_chunks: i64,
    /// Consecutive job failures from which a failing job is critical.
    pub critical_failures: i32,
    /// Unused indexes at least this large are reported.
    pub unused_index_bytes: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_cagg_lag: std::time::Duration::from_secs(3600),
            max_backlog_chunks: 0,
            critical_failures: 3,
            unused_index_bytes: 1024 * 1024,
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
}

/// Kinds in the order they rank within a severity (most urgent first).
const KIND_ORDER: &[&str] = &[
    "scheduler",
    "job failing",
    "invalid index",
    "cagg lag",
    "retention overdue",
    "compression backlog",
    "job overdue",
    "policy paused",
    "duplicate index",
    "unused index",
];

pub fn find(input: &Inputs, limits: &Thresholds, now: DateTime<Utc>) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut add =
        |severity, kind, object: String, message: String, tab, row_id: String, magnitude| {
            out.push(Problem {
                severity,
                kind,
                object,
                message,
                tab,
                row_id,
                magnitude,
            })
        };

    let scheduler_down = match (input.summary, input.jobs) {
        (Some(s), Some(jobs)) if input.timescaledb && !s.scheduler_running => {
            let scheduled = jobs.iter().filter(|j| j.scheduled).count();
            if scheduled > 0 {
                let why = if s.timescaledb_restoring {
                    " (timescaledb.restoring is on: run timescaledb_post_restore())"
                } else {
                    ""
                };
                add(
                    Severity::Critical,
                    "scheduler",
                    "TimescaleDB scheduler".into(),
                    format!("not running for this database: {scheduled} scheduled jobs will not run{why}"),
                    Tab::Jobs,
                    String::new(),
                    scheduled as f64,
                );
            }
            true
        }
        _ => false,
    };

    for j in input.jobs.unwrap_or_default() {
        let object = format!(
            "job {} ({})",
            j.job_id,
            j.target().unwrap_or_else(|| j.proc_name.clone())
        );
        let id = row_id::job(j.job_id);
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
                "job failing",
                object.clone(),
                format!(
                    "{} job failed {} times in a row{error}",
                    j.kind, j.consecutive_failures
                ),
                Tab::Jobs,
                id.clone(),
                j.consecutive_failures as f64,
            );
        }
        if !j.scheduled && j.kind != "custom" {
            add(
                Severity::Warning,
                "policy paused",
                object.clone(),
                format!("{} policy is paused", j.kind),
                Tab::Jobs,
                id.clone(),
                0.0,
            );
        }
        if !scheduler_down && j.overdue(now) {
            let late = j
                .next_start
                .map(|t| format::ago(t, now))
                .unwrap_or_default();
            add(
                Severity::Warning,
                "job overdue",
                object,
                format!("next start was {late}"),
                Tab::Jobs,
                id,
                j.next_start.map_or(0.0, |t| (now - t).as_seconds_f64()),
            );
        }
    }

    for c in input.compression.unwrap_or_default() {
        if c.backlog_chunks > limits.max_backlog_chunks {
            add(
                Severity::Warning,
                "compression backlog",
                format::qualified(&c.schema, &c.name),
                format!(
                    "{} chunks ({}) older than compress_after {} are not compressed",
                    c.backlog_chunks,
                    format::bytes(c.backlog_bytes),
                    c.compress_after
                        .as_deref()
                        .map_or("?".into(), format::interval)
                ),
                Tab::Compression,
                row_id::relation(&c.schema, &c.name),
                c.backlog_bytes as f64,
            );
        }
    }

    for r in input.retention.unwrap_or_default() {
        if r.overdue_chunks > 0 {
            add(
                Severity::Warning,
                "retention overdue",
                format::qualified(&r.schema, &r.name),
                format!(
                    "{} chunks ({}) older than drop_after {} are still there",
                    r.overdue_chunks,
                    format::bytes(r.overdue_bytes),
                    r.drop_after.as_deref().map_or("?".into(), format::interval)
                ),
                Tab::Retention,
                row_id::relation(&r.schema, &r.name),
                r.overdue_bytes as f64,
            );
        }
    }

    for i in input.indexes.unwrap_or_default() {
        let object = format::qualified(&i.index_schema, &i.name);
        let id = row_id::relation(&i.index_schema, &i.name);
        if !i.valid {
            add(
                Severity::Critical,
                "invalid index",
                object.clone(),
                format!("index on {} is INVALID (a failed CREATE INDEX CONCURRENTLY?): it is maintained but never used", i.table),
                Tab::Indexes,
                id.clone(),
                i.size_bytes as f64,
            );
        }
        if let Some(other) = &i.duplicate_of {
            add(
                Severity::Warning,
                "duplicate index",
                object.clone(),
                format!(
                    "same keys as {other} on {} ({} to drop)",
                    i.table,
                    format::bytes(i.size_bytes)
                ),
                Tab::Indexes,
                id.clone(),
                i.size_bytes as f64,
            );
        } else if i.valid
            && i.category == Category::Unused
            && i.size_bytes >= limits.unused_index_bytes
        {
            add(
                Severity::Warning,
                "unused index",
                object,
                format!(
                    "never scanned since statistics reset ({})",
                    format::bytes(i.size_bytes)
                ),
                Tab::Indexes,
                id,
                i.size_bytes as f64,
            );
        }
    }

    let max_lag = limits.max_cagg_lag.as_secs_f64();
    for c in input.caggs.unwrap_or_default() {
        let object = format::qualified(&c.schema, &c.name);
        let id = row_id::relation(&c.schema, &c.name);
        match (c.watermark, c.lag_seconds) {
            (None, _) => add(
                Severity::Warning,
                "cagg lag",
                object,
                "never refreshed: it holds no materialized data".into(),
                Tab::Caggs,
                id,
                f64::MAX,
            ),
            (Some(_), Some(lag)) if lag > max_lag => add(
                Severity::Warning,
                "cagg lag",
                object,
                format!(
                    "materialized data ends {} ago (limit {})",
                    format::seconds(lag),
                    format::duration(limits.max_cagg_lag)
                ),
                Tab::Caggs,
                id,
                lag,
            ),
            _ => {}
        }
    }

    out.sort_by(|a, b| {
        let rank = |k: &str| {
            KIND_ORDER
                .iter()
                .position(|x| *x == k)
                .unwrap_or(usize::MAX)
        };
        a.severity
            .cmp(&b.severity)
            .then(rank(a.kind).cmp(&rank(b.kind)))
            .then(b.magnitude.total_cmp(&a.magnitude))
            .then(a.object.cmp(&b.object))
    });
    out
}
