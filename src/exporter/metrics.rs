//! The store's facts as Prometheus metrics (text exposition format 0.0.4, which OpenMetrics
//! parsers read too). One prefix, base units (seconds, bytes), `_total` for counters, labels
//! bounded by what a database has (jobs, hypertables, caggs — never a label per chunk). Pure.

use std::fmt::Write;

use crate::store::Dataset;

/// Every metric family the exporter can write (the dashboard and the rules use only these).
pub const FAMILIES: &[&str] = &[
    "hypertop_up",
    "hypertop_read_duration_seconds",
    "hypertop_read_timestamp_seconds",
    "hypertop_reads_total",
    "hypertop_read_errors_total",
    "hypertop_data_age_seconds",
    "hypertop_section_up",
    "hypertop_section_read_errors_total",
    "hypertop_connections",
    "hypertop_max_connections",
    "hypertop_rows_inserted_total",
    "hypertop_database_size_bytes",
    "hypertop_scheduler_up",
    "hypertop_background_workers_busy",
    "hypertop_background_workers_max",
    "hypertop_hypertable_chunks",
    "hypertop_hypertable_compressed_chunks",
    "hypertop_hypertable_size_bytes",
    "hypertop_compression_backlog_chunks",
    "hypertop_compression_backlog_bytes",
    "hypertop_retention_overdue_chunks",
    "hypertop_retention_overdue_bytes",
    "hypertop_cagg_refreshed",
    "hypertop_cagg_lag_seconds",
    "hypertop_job_scheduled",
    "hypertop_job_consecutive_failures",
    "hypertop_job_runs_total",
    "hypertop_job_failures_total",
    "hypertop_job_last_success_timestamp_seconds",
    "hypertop_job_next_start_timestamp_seconds",
    "hypertop_invalid_indexes",
    "hypertop_sessions_blocked",
    "hypertop_problems",
];

/// What the exporter knows about reading one target, beside what it read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadStats {
    /// Reads done since the exporter started, and the attempts (reads, or questions whether
    /// the target answers) that failed.
    pub reads: u64,
    pub errors: u64,
    /// The latest attempt: when (Unix seconds) and whether the target answered.
    pub at: Option<f64>,
    pub up: bool,
    /// The last read: how long it took, and when the data served was read (Unix seconds).
    pub took: f64,
    pub data_at: Option<f64>,
    /// Reads whose section (a dataset: `jobs`, `caggs`, …) failed, per section.
    pub section_errors: std::collections::BTreeMap<&'static str, u64>,
    /// Why the latest attempt failed, when it did: one of a few words (a label's values stay
    /// few): `deadline`, `busy`, `no_descriptors`, `connect`, `catalog`, `read`.
    pub down: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Gauge,
    Counter,
}

/// One metric family: its samples, as `(labels, value)`.
struct Family {
    name: &'static str,
    kind: Kind,
    help: &'static str,
    samples: Vec<(Vec<(&'static str, String)>, f64)>,
}

/// The families in the order they are written, each filled from every target.
#[derive(Default)]
pub struct Exposition {
    families: Vec<Family>,
}

impl Exposition {
    fn add(
        &mut self,
        name: &'static str,
        kind: Kind,
        help: &'static str,
        labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        let family = match self.families.iter_mut().position(|f| f.name == name) {
            Some(i) => &mut self.families[i],
            None => {
                self.families.push(Family {
                    name,
                    kind,
                    help,
                    samples: Vec::new(),
                });
                self.families.last_mut().expect("just pushed")
            }
        };
        family.samples.push((labels, value));
    }

    fn gauge(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: Vec<(&'static str, String)>,
        v: f64,
    ) {
        self.add(name, Kind::Gauge, help, labels, v);
    }

    fn counter(
        &mut self,
        name: &'static str,
        help: &'static str,
        labels: Vec<(&'static str, String)>,
        v: f64,
    ) {
        self.add(name, Kind::Counter, help, labels, v);
    }

    /// One target's metrics: the exporter's own about reading it, then what was read.
    /// One target's series; `now` (Unix seconds) dates the data's age.
    pub fn target(
        &mut self,
        target: &str,
        stats: &ReadStats,
        data: Option<&Dataset>,
        now: Option<f64>,
    ) {
        let t = || vec![("target", target.to_string())];
        let with = |extra: Vec<(&'static str, String)>| {
            let mut l = t();
            l.extend(extra);
            l
        };
        self.gauge(
            "hypertop_up",
            "1 when the target answered the latest attempt (a read, or between slow reads a round trip), else 0",
            t(),
            f64::from(u8::from(stats.up)),
        );
        if let (false, Some(reason)) = (stats.up, stats.down) {
            self.gauge(
                "hypertop_down_reason",
                "1 for why the latest attempt at a target that is down failed: deadline (no answer within the scrape's), busy (another attempt still under way), no_descriptors (this exporter is out of file descriptors), connect, catalog, read",
                with(vec![("reason", reason.to_string())]),
                1.0,
            );
        }
        self.gauge(
            "hypertop_read_duration_seconds",
            "How long the target's last read took",
            t(),
            stats.took,
        );
        if let Some(at) = stats.data_at {
            self.gauge(
                "hypertop_read_timestamp_seconds",
                "When the data served was read (Unix time)",
                t(),
                at,
            );
        }
        self.counter("hypertop_reads_total", "Reads of the target since the exporter started (one per cache interval, however many scrapers)", t(), stats.reads as f64);
        self.counter(
            "hypertop_read_errors_total",
            "Reads of the target that failed since the exporter started",
            t(),
            stats.errors as f64,
        );
        for (&section, &n) in &stats.section_errors {
            self.counter(
                "hypertop_section_read_errors_total",
                "Reads of the target in which this section (a dataset) could not be read",
                with(vec![("section", section.to_string())]),
                n as f64,
            );
        }
        let Some(d) = data else { return };
        if let (Some(now), Some(at)) = (now, stats.data_at) {
            self.gauge(
                "hypertop_data_age_seconds",
                "How old the data served for the target is (a read is shared by the scrapes of a few seconds)",
                t(),
                (now - at).max(0.0),
            );
        }
        for (section, status) in d.sections() {
            let up = match status {
                crate::store::Standing::Ready => 1.0,
                crate::store::Standing::Failed(..) => 0.0,
                crate::store::Standing::Loading | crate::store::Standing::Unavailable(_) => {
                    continue
                }
            };
            self.gauge(
                "hypertop_section_up",
                "1 when the section (a dataset) was read in the data served, 0 when it failed",
                with(vec![("section", section.to_string())]),
                up,
            );
        }

        if let Some(s) = d.summary.value() {
            self.gauge(
                "hypertop_connections",
                "Client connections to the server",
                t(),
                s.connections as f64,
            );
            self.gauge(
                "hypertop_max_connections",
                "max_connections",
                t(),
                f64::from(s.max_connections),
            );
            if let Some(n) = s.rows_inserted {
                self.counter(
                    "hypertop_rows_inserted_total",
                    "Rows inserted into the database's tables, as its statistics count them",
                    t(),
                    n as f64,
                );
            }
            if s.timescaledb_version.is_some() {
                self.gauge(
                    "hypertop_scheduler_up",
                    "1 when a TimescaleDB scheduler runs for this database",
                    t(),
                    f64::from(u8::from(s.scheduler_running)),
                );
                if let Some(max) = s.max_background_workers {
                    self.gauge("hypertop_background_workers_busy", "TimescaleDB background workers in use in the cluster (schedulers and running jobs)", t(), (s.schedulers + s.job_workers) as f64);
                    self.gauge(
                        "hypertop_background_workers_max",
                        "timescaledb.max_background_workers",
                        t(),
                        f64::from(max),
                    );
                }
            }
        }
        if let Some(&bytes) = d.database_bytes.value() {
            self.gauge(
                "hypertop_database_size_bytes",
                "Every relation of the database on disk, all forks (as pg_relation_size counts them)",
                t(),
                bytes as f64,
            );
        }
        for h in d.hypertables.rows() {
            let l = with(named("hypertable", &h.schema, &h.name));
            self.gauge(
                "hypertop_hypertable_chunks",
                "Chunks of the hypertable",
                l.clone(),
                h.chunks as f64,
            );
            self.gauge(
                "hypertop_hypertable_compressed_chunks",
                "Compressed chunks of the hypertable",
                l.clone(),
                h.compressed_chunks as f64,
            );
            self.gauge(
                "hypertop_hypertable_size_bytes",
                "The hypertable on disk, as hypertable_size() counts it (heap, indexes, TOAST, compressed data)",
                l,
                h.total_bytes as f64,
            );
        }
        // Unknown backlog (no "now" for its integer time here) is left out, not exported as 0.
        for c in d.compression.rows() {
            let (Some(chunks), Some(bytes)) = (c.backlog_chunks, c.backlog_bytes) else {
                continue;
            };
            let l = with(named("hypertable", &c.schema, &c.name));
            self.gauge("hypertop_compression_backlog_chunks", "Chunks entirely older than the compression policy's compress_after, not compressed", l.clone(), chunks as f64);
            self.gauge(
                "hypertop_compression_backlog_bytes",
                "Size of the compression backlog's chunks",
                l,
                bytes as f64,
            );
        }
        // Unknown overdue (no "now" for its integer time here) is left out, not exported as 0.
        for r in d.retention.rows() {
            let (Some(chunks), Some(bytes)) = (r.overdue_chunks, r.overdue_bytes) else {
                continue;
            };
            let l = with(named("relation", &r.schema, &r.name));
            self.gauge(
                "hypertop_retention_overdue_chunks",
                "Chunks entirely older than the retention policy's drop_after, still there",
                l.clone(),
                chunks as f64,
            );
            self.gauge(
                "hypertop_retention_overdue_bytes",
                "Size of the chunks overdue for retention",
                l,
                bytes as f64,
            );
        }
        for c in d.caggs.rows() {
            let l = with(named("cagg", &c.schema, &c.name));
            self.gauge("hypertop_cagg_refreshed", "1 when the continuous aggregate holds materialized data, 0 when it was never refreshed", l.clone(), f64::from(u8::from(c.watermark.is_some())));
            if let Some(lag) = c.lag_seconds {
                self.gauge("hypertop_cagg_lag_seconds", "How far the continuous aggregate's materialized data trails now (time buckets)", l, lag);
            }
        }
        for j in d.jobs.rows() {
            let l = with(vec![
                ("job_id", j.job_id.to_string()),
                ("kind", j.kind.to_string()),
                ("relation", j.target().unwrap_or_default()),
            ]);
            self.gauge(
                "hypertop_job_scheduled",
                "1 when the job is scheduled, 0 when paused",
                l.clone(),
                f64::from(u8::from(j.scheduled)),
            );
            self.gauge(
                "hypertop_job_consecutive_failures",
                "The job's failures since its last success",
                l.clone(),
                f64::from(j.consecutive_failures),
            );
            self.counter(
                "hypertop_job_runs_total",
                "The job's runs, as TimescaleDB counts them",
                l.clone(),
                j.total_runs as f64,
            );
            self.counter(
                "hypertop_job_failures_total",
                "The job's failed runs, as TimescaleDB counts them",
                l.clone(),
                j.total_failures as f64,
            );
            if let Some(t) = j.last_success {
                self.gauge(
                    "hypertop_job_last_success_timestamp_seconds",
                    "When the job last succeeded (Unix time)",
                    l.clone(),
                    t.timestamp() as f64,
                );
            }
            if let Some(t) = j.next_start {
                self.gauge(
                    "hypertop_job_next_start_timestamp_seconds",
                    "When the job is due next (Unix time); in the past when overdue",
                    l,
                    t.timestamp() as f64,
                );
            }
        }
        if let Some(i) = d.indexes.value() {
            self.gauge(
                "hypertop_invalid_indexes",
                "INVALID indexes (a failed CREATE INDEX CONCURRENTLY)",
                t(),
                i.iter().filter(|i| !i.valid).count() as f64,
            );
        }
        if let Some(s) = d.activity.value() {
            self.gauge(
                "hypertop_sessions_blocked",
                "Sessions waiting for a lock another holds",
                t(),
                s.iter().filter(|s| s.blocked()).count() as f64,
            );
        }
        for severity in [
            crate::problems::Severity::Critical,
            crate::problems::Severity::Warning,
            crate::problems::Severity::Advice,
        ] {
            let name = match severity {
                crate::problems::Severity::Critical => "critical",
                crate::problems::Severity::Warning => "warning",
                crate::problems::Severity::Advice => "advice",
            };
            for &kind in crate::problems::ProblemKind::ALL {
                let n = crate::problems::count(
                    d.problems
                        .iter()
                        .filter(|p| p.severity == severity && p.kind == kind),
                );
                if n > 0 {
                    self.gauge(
                        "hypertop_problems",
                        "Problems hypertop finds, by severity and kind (the overview's list; jobs failing or overdue alike, shown as one, count one each)",
                        with(vec![
                            ("severity", name.into()),
                            ("kind", kind.as_str().into()),
                        ]),
                        n as f64,
                    );
                }
            }
        }
    }

    /// The text exposition: each family's HELP and TYPE, then its samples.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for f in &self.families {
            let kind = match f.kind {
                Kind::Gauge => "gauge",
                Kind::Counter => "counter",
            };
            let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
            let _ = writeln!(out, "# TYPE {} {kind}", f.name);
            for (labels, value) in &f.samples {
                out.push_str(f.name);
                if !labels.is_empty() {
                    out.push('{');
                    for (i, (k, v)) in labels.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        let _ = write!(out, "{k}=\"{}\"", escape(v));
                    }
                    out.push('}');
                }
                let _ = writeln!(out, " {}", number(*value));
            }
        }
        out
    }
}

/// A label value as the exposition format quotes it: backslash, double quote and newline
/// escaped (a hostile name stays one label value), after what no terminal should be sent
/// (ESC, BEL, CR, invisible characters) is written as escapes ([`crate::format::printable`]):
/// `curl` of /metrics in a terminal shows it, and a dashboard's legend.
pub fn escape(v: &str) -> String {
    let v = crate::format::printable(v);
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A relation's labels: its name as the console writes it (quoted where SQL needs it), and its
/// schema and name as they are, each a label of its own — what an alert's `--open` annotation
/// is built from, exactly.
fn named(key: &'static str, schema: &str, name: &str) -> Vec<(&'static str, String)> {
    vec![
        (key, crate::format::qualified(schema, name)),
        ("schema", schema.to_string()),
        ("name", name.to_string()),
    ]
}

fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;
    use crate::model::QueryKind;

    fn plant() -> Dataset {
        let mut d = Dataset::new(Some(fixtures::caps()));
        for (kind, payload) in fixtures::plant() {
            d.apply(
                kind,
                Ok(payload),
                chrono::Utc::now(),
                std::time::Duration::ZERO,
            );
        }
        // A job that ran and is due again, and the sessions read: every kind of fact.
        let mut jobs = d.jobs.rows().to_vec();
        jobs[1].last_success = Some(fixtures::t("2026-11-21T11:00:00Z"));
        jobs[1].next_start = Some(fixtures::t("2026-11-21T13:00:00Z"));
        let now = chrono::Utc::now();
        d.apply(
            QueryKind::Jobs,
            Ok(crate::model::Payload::Jobs(jobs)),
            now,
            std::time::Duration::ZERO,
        );
        d.apply(
            QueryKind::Activity,
            Ok(crate::model::Payload::Activity(vec![])),
            now,
            std::time::Duration::ZERO,
        );
        d.update_problems(&Default::default(), now);
        d
    }

    #[test]
    fn every_family_is_typed_once_and_samples_carry_the_target() {
        let mut e = Exposition::default();
        let stats = ReadStats {
            reads: 3,
            errors: 1,
            at: Some(1_763_000_000.0),
            took: 0.25,
            up: true,
            data_at: Some(1_763_000_000.0),
            section_errors: [("jobs", 2)].into(),
            down: None,
        };
        let d = plant();
        e.target("prod", &stats, Some(&d), Some(0.0));
        e.target("lab \"b\"", &ReadStats::default(), None, None);
        let text = e.render();
        let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE")).collect();
        let mut names: Vec<&str> = types.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "one TYPE per family");
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("hypertop_"), "{line}");
            assert!(line.contains("target=\""), "{line}");
        }
        for t in &types {
            let (name, kind) = (t.split(' ').nth(2).unwrap(), t.split(' ').nth(3).unwrap());
            assert_eq!(name.ends_with("_total"), kind == "counter", "{t}");
        }
        // The plant has every kind of fact: every family is written, and no other.
        let mut written: Vec<&str> = types.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
        written.sort();
        let mut all = FAMILIES.to_vec();
        all.sort();
        assert_eq!(written, all);
        assert!(text.contains("hypertop_up{target=\"prod\"} 1\n"), "{text}");
        assert!(
            text.contains("hypertop_up{target=\"lab \\\"b\\\"\"} 0\n"),
            "{text}"
        );
        assert!(text.contains("hypertop_reads_total{target=\"prod\"} 3\n"));
        assert!(text.contains(
            "hypertop_compression_backlog_chunks{target=\"prod\",hypertable=\"telemetry.readings\",schema=\"telemetry\",name=\"readings\"} 10\n"
        ), "{text}");
        assert!(text.contains("hypertop_job_consecutive_failures{target=\"prod\",job_id=\"1000\",kind=\"compression\",relation=\"telemetry.readings\"} 4\n"), "{text}");
        assert!(
            text.contains(
                "hypertop_problems{target=\"prod\",severity=\"critical\",kind=\"job failing\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("hypertop_cagg_lag_seconds{target=\"prod\",cagg=\"telemetry.readings_hourly\",schema=\"telemetry\",name=\"readings_hourly\"} 5400\n"), "{text}");
    }

    #[test]
    fn label_values_are_escaped() {
        // a newline is an escape first (`\x0a`), whose backslash the format then doubles
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\\\x0ad");
        assert_eq!(
            escape("t\u{1b}]0;x\u{7}\r\u{200b}"),
            "t\\\\x1b]0;x\\\\x07\\\\x0d\\\\u{200b}"
        );
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(3.0), "3");
        assert_eq!(number(f64::INFINITY), "+Inf");
    }
}
