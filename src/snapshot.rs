//! `hypertop snapshot`: every screen read once, as one JSON object (a stable schema, see
//! README) or as text tables. `hypertop check` evaluates the same data.

use std::collections::BTreeMap;

use serde_json::{json, Value};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::grid::Column;
use crate::model::{self, Payload, QueryKind};
use crate::poller::describe_error;
use crate::problems::{self, Problem, Thresholds};
use crate::screens::{self, Ctx, TableRow};

/// Everything read, per screen; a screen that could not be read holds why.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub caps: Option<Capabilities>,
    pub payloads: BTreeMap<&'static str, Result<Payload, String>>,
    pub problems: Vec<Problem>,
}

/// Each read and the sections it fills (`tables` fills three).
const READS: &[(QueryKind, &[&str])] = &[
    (QueryKind::Summary, &["server"]),
    (
        QueryKind::Tables,
        &["hypertables", "compression", "retention"],
    ),
    (QueryKind::Indexes, &["indexes"]),
    (QueryKind::Jobs, &["jobs"]),
    (QueryKind::Caggs, &["caggs"]),
];

/// Reads every screen once, one query after another.
pub async fn collect(client: &Client, caps: &Capabilities, limits: &Thresholds) -> Snapshot {
    let mut payloads = BTreeMap::new();
    for (kind, sections) in READS {
        let result = match model::unavailable(*kind, caps) {
            Some(why) => Err(why),
            None => model::fetch(*kind, None, client, caps)
                .await
                .map_err(|e| describe_error(&e)),
        };
        match result {
            Ok(Payload::Tables(t)) => {
                for (name, p) in sections.iter().zip(t.into_payloads()) {
                    payloads.insert(*name, Ok(p));
                }
            }
            // Plain PostgreSQL: partitioned tables stand in for retention.
            Ok(p @ Payload::Partitions(_)) => {
                payloads.insert("hypertables", Err(model::no_timescaledb(caps)));
                payloads.insert("compression", Err(model::no_timescaledb(caps)));
                payloads.insert("retention", Ok(p));
            }
            other => {
                for name in *sections {
                    payloads.insert(*name, other.clone());
                }
            }
        }
    }
    let mut snap = Snapshot {
        caps: Some(caps.clone()),
        payloads,
        problems: Vec::new(),
    };
    snap.problems = {
        let get = |name: &str| snap.payloads.get(name).and_then(|r| r.as_ref().ok());
        let inputs = problems::Inputs {
            summary: match get("server") {
                Some(Payload::Summary(s)) => Some(s),
                _ => None,
            },
            timescaledb: caps.timescaledb.is_some(),
            jobs: match get("jobs") {
                Some(Payload::Jobs(v)) => Some(v),
                _ => None,
            },
            compression: match get("compression") {
                Some(Payload::Compression(v)) => Some(v),
                _ => None,
            },
            retention: match get("retention") {
                Some(Payload::Retention(v)) => Some(v),
                _ => None,
            },
            indexes: match get("indexes") {
                Some(Payload::Indexes(v)) => Some(v),
                _ => None,
            },
            caggs: match get("caggs") {
                Some(Payload::Caggs(v)) => Some(v),
                _ => None,
            },
        };
        problems::find(&inputs, limits, chrono::Utc::now())
    };
    snap
}

impl Snapshot {
    /// Sections that could not be read, and why.
    pub fn unavailable(&self) -> BTreeMap<&'static str, String> {
        self.payloads
            .iter()
            .filter_map(|(k, v)| match v {
                Err(e) => Some((*k, e.clone())),
                Ok(Payload::Partitions(_)) => {
                    Some((*k, "TimescaleDB is not installed: see `partitions`".into()))
                }
                Ok(Payload::MatViews(_)) => Some((
                    *k,
                    "TimescaleDB is not installed: see `materialized_views`".into(),
                )),
                _ => None,
            })
            .collect()
    }

    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        let mut extra = serde_json::Map::new();
        for (name, result) in &self.payloads {
            let v = match result {
                Err(_) => Value::Null,
                Ok(p) => section_json(p, &mut extra),
            };
            out.insert((*name).into(), v);
        }
        let mut server = out.remove("server").unwrap_or(Value::Null);
        if server.is_null() {
            server = json!({});
        }
        if let Some(obj) = server.as_object_mut() {
            if let Some(c) = &self.caps {
                obj.insert(
                    "capabilities".into(),
                    serde_json::to_value(c).unwrap_or(Value::Null),
                );
            }
            obj.insert(
                "unavailable".into(),
                serde_json::to_value(self.unavailable()).unwrap_or(Value::Null),
            );
        }
        out.insert("server".into(), server);
        out.insert(
            "problems".into(),
            serde_json::to_value(&self.problems).unwrap_or(Value::Null),
        );
        out.extend(extra);
        Value::Object(out)
    }

    /// Each screen as a text table `width` columns wide (the console's columns, dropped by
    /// priority as on a narrow terminal), then the problems.
    pub fn to_text(&self, utc: bool, width: u16) -> String {
        let ctx = Ctx {
            now: chrono::Utc::now(),
            utc,
        };
        let mut out = String::new();
        for name in READS.iter().flat_map(|(_, sections)| sections.iter()) {
            let Some(result) = self.payloads.get(name) else {
                continue;
            };
            out.push_str(&format!("== {name}\n"));
            match result {
                Err(e) => out.push_str(&format!("unavailable: {e}\n\n")),
                Ok(p) => {
                    if let Some((columns, rows)) = table(p, ctx) {
                        out.push_str(&text_table(columns, rows, width));
                    } else if let Payload::Summary(s) = p {
                        let line =
                            format!(
                            "{} · TimescaleDB {} · database {} · connections {}/{} · scheduler {}",
                            s.version.split(" on ").next().unwrap_or(&s.version),
                            s.timescaledb_version.as_deref().unwrap_or("not installed"),
                            crate::format::bytes(s.database_bytes),
                            s.connections,
                            s.max_connections,
                            if s.scheduler_running { "running" } else { "not running" }
                        );
                        out.push_str(
                            crate::grid::fit(&line, width, crate::grid::Align::Left).trim_end(),
                        );
                        out.push('\n');
                    }
                    out.push('\n');
                }
            }
        }
        out.push_str("== problems\n");
        if self.problems.is_empty() {
            out.push_str("none\n");
        }
        for p in &self.problems {
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

fn table(p: &Payload, ctx: Ctx) -> Option<(Vec<Column>, Vec<TableRow>)> {
    use screens::*;
    Some(match p {
        Payload::Hypertables(v) => (hypertables::columns(), hypertables::rows(v, ctx)),
        Payload::Compression(v) => (compression::columns(), compression::rows(v)),
        Payload::Retention(v) => (retention::columns(), retention::rows(v, ctx)),
        Payload::Partitions(v) => (retention::partition_columns(), retention::partition_rows(v)),
        Payload::Indexes(v) => (indexes::columns(), indexes::rows(v)),
        Payload::Jobs(v) => (jobs::columns(), jobs::rows(v, ctx)),
        Payload::Caggs(v) => (caggs::columns(), caggs::rows(v, 3600.0, ctx)),
        Payload::MatViews(v) => (caggs::matview_columns(), caggs::matview_rows(v)),
        _ => return None,
    })
}

fn text_table(columns: Vec<Column>, rows: Vec<TableRow>, width: u16) -> String {
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
                    // Names come from the database: escaped, not sent to the terminal raw.
                    let text = crate::format::printable(r.cell(c).map_or("", |x| x.text));
                    crate::grid::pad(&text, w, grid.columns[c].align)
                })
                .collect(),
        ));
    }
    out
}

/// One section's rows as the documented JSON objects.
fn section_json(p: &Payload, extra: &mut serde_json::Map<String, Value>) -> Value {
    match p {
        Payload::Summary(s) => to(s),
        Payload::Hypertables(v) => to(v),
        Payload::Compression(v) => to(v),
        Payload::Retention(v) => to(v),
        Payload::Indexes(v) => to(v),
        Payload::Jobs(v) => Value::Array(
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
        ),
        Payload::Caggs(v) => Value::Array(
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
        ),
        Payload::Partitions(v) => {
            extra.insert("partitions".into(), to(v));
            Value::Null
        }
        Payload::MatViews(v) => {
            extra.insert("materialized_views".into(), to(v));
            Value::Null
        }
        _ => Value::Null,
    }
}

fn to<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Nagios-style result of `hypertop check`: exit code and the one line with perfdata.
pub fn check(snap: &Snapshot, limits: &Thresholds) -> (u8, String) {
    use problems::Severity;
    let crit = snap
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Critical)
        .count();
    let warn = snap.problems.len() - crit;
    let unreadable = snap.unavailable();
    let ts = snap.caps.as_ref().is_some_and(|c| c.timescaledb.is_some());
    let real_unreadable: Vec<_> = unreadable
        .iter()
        .filter(|(_, why)| ts || !why.contains("TimescaleDB is not installed"))
        .collect();
    let get = |name: &str| snap.payloads.get(name).and_then(|r| r.as_ref().ok());
    let max_lag = match get("caggs") {
        Some(Payload::Caggs(v)) => v.iter().filter_map(|c| c.lag_seconds).fold(0.0, f64::max),
        _ => 0.0,
    };
    let backlog: i64 = match get("compression") {
        Some(Payload::Compression(v)) => v.iter().map(|c| c.backlog_chunks).sum(),
        _ => 0,
    };
    let overdue: i64 = match get("retention") {
        Some(Payload::Retention(v)) => v.iter().map(|r| r.overdue_chunks).sum(),
        _ => 0,
    };
    let failing = match get("jobs") {
        Some(Payload::Jobs(v)) => v.iter().filter(|j| j.consecutive_failures > 0).count(),
        _ => 0,
    };
    let invalid = match get("indexes") {
        Some(Payload::Indexes(v)) => v.iter().filter(|i| !i.valid).count(),
        _ => 0,
    };
    let perf = format!(
        "critical={crit} warning={warn} max_cagg_lag={max_lag:.0}s;{} backlog_chunks={backlog};{} retention_overdue_chunks={overdue} failing_jobs={failing} invalid_indexes={invalid}",
        limits.max_cagg_lag.as_secs(),
        limits.max_backlog_chunks
    );
    let (code, label) = if !real_unreadable.is_empty() && snap.problems.is_empty() {
        (3, "UNKNOWN")
    } else if crit > 0 {
        (2, "CRITICAL")
    } else if warn > 0 {
        (1, "WARNING")
    } else {
        (0, "OK")
    };
    let mut summary: Vec<String> = snap
        .problems
        .iter()
        .take(3)
        .map(|p| format!("{} {}: {}", p.kind, p.object, p.message))
        .collect();
    if snap.problems.len() > 3 {
        summary.push(format!("and {} more", snap.problems.len() - 3));
    }
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
