//! `hypertop snapshot`: every screen read once (the store's [`Dataset::read_all`]), as one JSON
//! object (a stable schema, see README) or as the screens' text tables. `hypertop check`
//! evaluates the same data.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::grid::Column;
use crate::problems::{self, Thresholds};
use crate::screens::{Ctx, Tab, TableRow};
use crate::store::{Dataset, Status};

/// A screen's table for text output: its columns and rows.
pub type TextTable = (Vec<Column>, Vec<TableRow>);

/// Everything read once, with the problems found in it and the limits they were judged by.
#[derive(Debug)]
pub struct Snapshot {
    pub data: Dataset,
    pub limits: Thresholds,
}

/// Reads every screen once, one query after another.
pub async fn collect(client: &Client, caps: &Capabilities, limits: &Thresholds) -> Snapshot {
    Snapshot {
        data: Dataset::read_all(client, caps, limits).await,
        limits: *limits,
    }
}

/// A JSON section, how its dataset stands, and its value when asked (a section that cannot be
/// read is `null`): built only by `to_json`, since a 50,000-chunk catalog's sections take
/// tens of MB.
type Section<'a> = (&'static str, Status<'a>, Box<dyn Fn() -> Value + 'a>);

fn sections(d: &Dataset) -> [Section<'_>; 8] {
    [
        (
            "server",
            d.summary.status(),
            Box::new(|| to(&d.summary.value())),
        ),
        (
            "hypertables",
            d.hypertables.status(),
            Box::new(|| to(&d.hypertables.value())),
        ),
        (
            "compression",
            d.compression.status(),
            Box::new(|| to(&d.compression.value())),
        ),
        (
            "retention",
            d.retention.status(),
            Box::new(|| to(&d.retention.value())),
        ),
        (
            "indexes",
            d.indexes.status(),
            Box::new(|| to(&d.indexes.value())),
        ),
        ("jobs", d.jobs.status(), Box::new(|| jobs_json(d))),
        ("caggs", d.caggs.status(), Box::new(|| caggs_json(d))),
        (
            "activity",
            d.activity.status(),
            Box::new(|| to(&d.activity.value())),
        ),
    ]
}

impl Snapshot {
    pub fn problems(&self) -> &[problems::Problem] {
        &self.data.problems
    }

    /// Sections that could not be read, and why.
    pub fn unavailable(&self) -> BTreeMap<&'static str, String> {
        let d = &self.data;
        sections(d)
            .into_iter()
            .filter_map(|(name, status, _)| {
                let why = match (name, status) {
                    // Plain PostgreSQL's stand-ins are sections of their own.
                    ("retention", _) if d.partitions.value().is_some() => {
                        "TimescaleDB is not installed: see `partitions`".to_string()
                    }
                    ("caggs", _) if d.matviews.value().is_some() => {
                        "TimescaleDB is not installed: see `materialized_views`".to_string()
                    }
                    (_, Status::Unavailable(why) | Status::Failed(why, _)) => why.to_string(),
                    (_, Status::Loading | Status::Ready) => return None,
                };
                Some((name, why))
            })
            .collect()
    }

    pub fn to_json(&self) -> Value {
        let d = &self.data;
        let mut out = serde_json::Map::new();
        for (name, _, value) in sections(d) {
            out.insert(name.into(), value());
        }
        let mut server = out.remove("server").unwrap_or(Value::Null);
        if server.is_null() {
            server = json!({});
        }
        if let Some(obj) = server.as_object_mut() {
            // read by the catalog pass, shown with the server's facts
            if let Some(&bytes) = d.database_bytes.value() {
                obj.insert("database_bytes".into(), bytes.into());
            }
            if let Some(c) = &d.caps {
                obj.insert("capabilities".into(), to(c));
            }
            obj.insert("unavailable".into(), to(&self.unavailable()));
        }
        out.insert("server".into(), server);
        out.insert("problems".into(), to(&d.problems));
        if let Some(p) = d.partitions.value() {
            out.insert("partitions".into(), to(p));
        }
        if let Some(m) = d.matviews.value() {
            out.insert("materialized_views".into(), to(m));
        }
        Value::Object(out)
    }

    /// Each screen's table as the console builds it (the same limits colour the same values),
    /// or why it could not be read.
    pub fn tables(&self, ctx: &Ctx) -> Vec<(&'static str, Result<TextTable, String>)> {
        let d = &self.data;
        Tab::all()
            .map(Tab::screen)
            .filter(|s| s.in_text_snapshot())
            .map(|screen| {
                let table = match screen.status(d) {
                    Status::Unavailable(e) | Status::Failed(e, _) => Err(e.to_string()),
                    Status::Loading | Status::Ready => Ok((screen.columns(d), screen.rows(d, ctx))),
                };
                (screen.name(), table)
            })
            .collect()
    }

    /// Each screen as a text table `width` columns wide (the console's columns, dropped by
    /// priority as on a narrow terminal), then the problems.
    pub fn to_text(&self, utc: bool, width: u16) -> String {
        let d = &self.data;
        let ctx = Ctx::new(utc, self.limits);
        let mut out = String::new();
        if let Some(s) = d.summary.value() {
            let line = format!(
                "{} · TimescaleDB {} · database {} · connections {}/{} · scheduler {}",
                s.version.split(" on ").next().unwrap_or(&s.version),
                s.timescaledb_version.as_deref().unwrap_or("not installed"),
                d.database_bytes
                    .value()
                    .map_or_else(|| "unknown".into(), |&b| crate::format::bytes(b)),
                s.connections,
                s.max_connections,
                if s.scheduler_running {
                    "running"
                } else {
                    "not running"
                }
            );
            out.push_str("== server\n");
            out.push_str(crate::grid::fit(&line, width, crate::grid::Align::Left).trim_end());
            out.push_str("\n\n");
        } else if let Status::Failed(e, _) | Status::Unavailable(e) = d.summary.status() {
            let e = crate::format::printable(e);
            out.push_str(&format!("== server\nunavailable: {e}\n\n"));
        }
        for tab in Tab::all().filter(|t| t.screen().in_text_snapshot()) {
            let screen = tab.screen();
            out.push_str(&format!("== {}\n", screen.name()));
            match screen.status(d) {
                Status::Unavailable(e) | Status::Failed(e, _) => {
                    let e = crate::format::printable(e);
                    out.push_str(&format!("unavailable: {e}\n\n"));
                }
                Status::Loading | Status::Ready => {
                    out.push_str(&text_table(screen.columns(d), screen.rows(d, &ctx), width));
                    out.push('\n');
                }
            }
        }
        out.push_str("== problems\n");
        if d.problems.is_empty() {
            out.push_str("none\n");
        }
        for p in &d.problems {
            let severity = match p.severity {
                problems::Severity::Critical => "CRITICAL",
                problems::Severity::Warning => "WARNING",
            };
            let line = crate::format::printable(&format!(
                "{severity:<8} {:<19} {} — {}",
                p.kind, p.object, p.message
            ));
            out.push_str(crate::grid::fit(&line, width, crate::grid::Align::Left).trim_end());
            out.push('\n');
        }
        out
    }
}

fn text_table(columns: Vec<Column>, mut rows: Vec<TableRow>, width: u16) -> String {
    // Names come from the database: escaped, not sent to the terminal raw — before the
    // layout, so that columns are as wide as what is printed.
    for cell in rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
        cell.text = crate::format::printable(&cell.text);
    }
    let mut grid: crate::screens::Table = crate::grid::Grid::new(columns, None);
    grid.set_rows(rows);
    let layout = grid.layout(width.min(grid.natural_width()));
    let line = |cells: Vec<String>| -> String { cells.join(" ").trim_end().to_string() + "\n" };
    let mut out = line(
        layout
            .iter()
            .map(|&(c, w)| crate::grid::pad(grid.columns[c].title, w, grid.columns[c].align))
            .collect(),
    );
    if grid.is_empty() {
        out.push_str("(none)\n");
    }
    for r in grid.visible() {
        out.push_str(&line(
            layout
                .iter()
                .map(|&(c, w)| {
                    crate::grid::pad(r.cell(c).map_or("", |x| x.text), w, grid.columns[c].align)
                })
                .collect(),
        ));
    }
    out
}

/// Jobs with their target as `schema.name`.
fn jobs_json(d: &Dataset) -> Value {
    let Some(v) = d.jobs.value() else {
        return Value::Null;
    };
    Value::Array(
        v.iter()
            .map(|j| {
                let mut o = to(j);
                if let Some(m) = o.as_object_mut() {
                    m.insert(
                        "target".into(),
                        j.target().map_or(Value::Null, Value::String),
                    );
                }
                o
            })
            .collect(),
    )
}

/// Continuous aggregates with their source and parent as `schema.name`.
fn caggs_json(d: &Dataset) -> Value {
    let Some(v) = d.caggs.value() else {
        return Value::Null;
    };
    Value::Array(
        v.iter()
            .map(|c| {
                let mut o = to(c);
                if let Some(m) = o.as_object_mut() {
                    m.insert("source".into(), Value::String(c.source()));
                    if let Some(Value::Array(parent)) = m.remove("parent") {
                        m.insert(
                            "parent".into(),
                            Value::String(
                                parent
                                    .iter()
                                    .filter_map(|x| x.as_str())
                                    .collect::<Vec<_>>()
                                    .join("."),
                            ),
                        );
                    }
                }
                o
            })
            .collect(),
    )
}

fn to<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Nagios-style result of `hypertop check`: exit code and the one line with perfdata.
pub fn check(snap: &Snapshot, limits: &Thresholds) -> (u8, String) {
    use problems::Severity;
    let d = &snap.data;
    let problems = &d.problems;
    let crit = problems
        .iter()
        .filter(|p| p.severity == Severity::Critical)
        .count();
    let warn = problems.len() - crit;
    let unreadable = snap.unavailable();
    let ts = d.caps.as_ref().is_some_and(|c| c.timescaledb.is_some());
    let real_unreadable: Vec<_> = unreadable
        .iter()
        .filter(|(_, why)| ts || !why.contains("TimescaleDB is not installed"))
        .collect();
    let max_lag = d
        .caggs
        .rows()
        .iter()
        .filter_map(|c| c.lag_seconds)
        .fold(0.0, f64::max);
    let backlog: i64 = d.compression.rows().iter().map(|c| c.backlog_chunks).sum();
    let overdue: i64 = d
        .retention
        .rows()
        .iter()
        .filter_map(|r| r.overdue_chunks)
        .sum();
    let failing = d
        .jobs
        .rows()
        .iter()
        .filter(|j| j.consecutive_failures > 0)
        .count();
    let invalid = d.indexes.rows().iter().filter(|i| !i.valid).count();
    let perf = format!(
        "critical={crit} warning={warn} max_cagg_lag={max_lag:.0}s;{} backlog_chunks={backlog};{} retention_overdue_chunks={overdue} failing_jobs={failing} invalid_indexes={invalid}",
        limits.max_cagg_lag.as_secs(),
        limits.max_backlog_chunks
    );
    let (code, label) = if !real_unreadable.is_empty() && problems.is_empty() {
        (3, "UNKNOWN")
    } else if crit > 0 {
        (2, "CRITICAL")
    } else if warn > 0 {
        (1, "WARNING")
    } else {
        (0, "OK")
    };
    let mut summary = worst_first(problems.iter().map(|p| {
        (
            p.severity,
            format!("{} {}: {}", p.kind, p.object, p.message),
        )
    }));
    if summary.is_empty() {
        summary.push("no problems".into());
    }
    for (section, why) in &real_unreadable {
        summary.push(format!("{section} unreadable: {why}"));
    }
    (
        code,
        format!("HYPERTOP {label} - {} | {perf}", summary.join("; ")),
    )
}

/// The first three problems for `check`'s one line, every critical one before any warning (in
/// rank order within each), then how many more there are (pure).
fn worst_first(problems: impl Iterator<Item = (problems::Severity, String)>) -> Vec<String> {
    let mut all: Vec<_> = problems.collect();
    all.sort_by_key(|(severity, _)| *severity != problems::Severity::Critical);
    let more = all.len().saturating_sub(3);
    let mut out: Vec<String> = all.into_iter().take(3).map(|(_, text)| text).collect();
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Tone;

    #[test]
    fn check_names_every_critical_problem_before_any_warning() {
        use problems::Severity::{Critical, Warning};
        let listed = [
            (Critical, "a"),
            (Warning, "b"),
            (Warning, "c"),
            (Critical, "d"),
            (Warning, "e"),
        ];
        let out = worst_first(listed.iter().map(|(s, t)| (*s, t.to_string())));
        assert_eq!(out, ["a", "d", "b", "and 2 more"]);
        assert!(worst_first(std::iter::empty()).is_empty());
    }
    use crate::model::fixtures;
    use std::time::Duration;

    fn lag_tone(max_cagg_lag: Duration, with_policy: bool) -> Tone {
        let limits = Thresholds {
            max_cagg_lag,
            ..Thresholds::default()
        };
        let mut data = Dataset::new(Some(fixtures::caps()));
        let mut lagging = fixtures::cagg("readings_hourly", None, "2026-11-21T11:00:00Z", 5400.0);
        if !with_policy {
            lagging.refresh_policy = None;
        }
        data.caggs
            .set(vec![lagging], chrono::Utc::now(), Duration::ZERO);
        let snap = Snapshot { data, limits };
        let tables = snap.tables(&Ctx::new(true, limits));
        let (_, caggs) = tables.iter().find(|(n, _)| *n == "caggs").unwrap();
        let (columns, rows) = caggs.as_ref().unwrap();
        let lag = columns.iter().position(|c| c.title == "Lag").unwrap();
        rows[0].cells[lag].tone
    }

    #[test]
    fn an_escaped_name_is_measured_as_printed_and_not_cut() {
        let name = "public.\"e\x1b[2J\u{202e}x\"";
        let rows = vec![TableRow::new("r", vec![crate::grid::Cell::text(name)])];
        let text = text_table(vec![Column::left("Name", 0, 20)], rows, 200);
        assert!(text.contains(r#"public."e\x1b[2J\u{202e}x""#), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));
    }

    #[test]
    fn the_text_tables_judge_lag_by_the_configured_limit() {
        // 1.5 h behind with no policy: within a 2 h limit, over a 1 h one (not a fixed hour).
        assert_eq!(lag_tone(Duration::from_secs(7200), false), Tone::Ok);
        assert_eq!(lag_tone(Duration::from_secs(3600), false), Tone::Warn);
        // With a running policy that allows 2 h 30 m, the policy judges it, not the limit.
        assert_eq!(lag_tone(Duration::from_secs(3600), true), Tone::Ok);
    }
}
