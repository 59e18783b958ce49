//! Continuous-aggregates tab (as a tree); materialized views on plain PostgreSQL.

use super::{
    count, opt_bytes, opt_text, relative, row_id, seconds, time, Ctx, Open, Screen, ScreenKey,
    TableRow,
};
use crate::actions::parse::{Command, ObjectName};
use crate::command::spec::family;
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::caggs::{tree_order, Cagg, MatView, RefreshJob, Watermark};
use crate::model::{DrillTarget, QueryKind};
use crate::pictures::{self, Picture};
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct Caggs;

impl Screen for Caggs {
    fn name(&self) -> &'static str {
        "caggs"
    }

    fn title(&self, words: super::Words) -> &'static str {
        if words.timescaledb {
            "Caggs"
        } else {
            "Matviews"
        }
    }

    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Caggs]
    }

    /// Plain PostgreSQL: materialized views.
    fn columns(&self, data: &Dataset) -> Vec<Column> {
        if data.matviews.value().is_some() {
            matview_columns()
        } else {
            columns()
        }
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        Box::new(
            match (data.matviews.value(), data.caggs.value()) {
                (Some(m), _) => matview_rows(m),
                (None, Some(c)) => {
                    let columnstore = columnstores(data);
                    rows_with(c, &columnstore, ctx.limits.max_cagg_lag.as_secs_f64(), *ctx)
                }
                (None, None) => Vec::new(),
            }
            .into_iter(),
        )
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        match data.matviews.value() {
            Some(_) => data.matviews.status(),
            None => data.caggs.status(),
        }
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(row_id.to_string())
    }

    fn heading(&self, data: &Dataset, _: &Ctx) -> Option<String> {
        data.matviews
            .value()
            .map(|_| "PostgreSQL records no refresh time for materialized views".into())
    }

    fn keys(&self) -> &'static [ScreenKey] {
        &[ScreenKey {
            key: 'F',
            label: "refresh",
            help: "refresh the selected aggregate",
            command: refresh,
        }]
    }

    fn enter(&self) -> Option<&'static str> {
        Some("job history")
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::CaggLag | ProblemKind::CaggHole | ProblemKind::RefreshWindow
        )
    }

    fn row_picture(&self, data: &Dataset, row_id: &str) -> Option<Picture> {
        pictures::cagg_trend(&data.history, row_id)
    }
}

/// `F`: refresh the aggregate over its policy's window.
fn refresh(data: &Dataset, id: &str) -> Option<Command> {
    let c = data
        .caggs
        .value()?
        .iter()
        .find(|c| row_id::relation(&c.schema, &c.name) == id)?;
    Some(Command::Refresh(family::Refresh::over(
        ObjectName {
            schema: Some(c.schema.clone()),
            name: c.name.clone(),
        },
        None,
    )))
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Continuous aggregate", 0, 40),
        Column::left("Source", 2, 40),
        Column::right("Bucket", 3, 8),
        Column::right("Lag", 0, 9),
        Column::right("Behind policy", 1, 13),
        Column::left("Materialized to", 1, 22),
        Column::left("Mode", 4, 12),
        Column::left("Refresh policy", 1, 34),
        Column::left("Last run", 3, 14),
        Column::right("Job", 4, 6),
        Column::right("Pending", 5, 7),
        Column::right("Columnstore", 5, 11),
    ]
}

/// Each cagg's columnstore as the Compression tab counts it (compressed / chunks of its
/// materialization), by row id; none where the catalog pass has not read them.
fn columnstores(data: &Dataset) -> std::collections::HashMap<String, (i64, i64)> {
    (data.compression.value().into_iter().flatten())
        .filter(|c| c.is_cagg)
        .map(|c| {
            (
                row_id::relation(&c.schema, &c.name),
                (c.compressed_chunks, c.chunks),
            )
        })
        .collect()
}

/// A refresh policy's window and schedule: `3d → 1h every 30m`, `(paused)` when it is.
fn window(p: &RefreshJob) -> String {
    format!(
        "{} → {} every {}{}",
        p.start_offset
            .as_deref()
            .map_or("∞".into(), format::interval),
        p.end_offset
            .as_deref()
            .map_or("now".into(), format::interval),
        p.schedule_interval
            .as_deref()
            .map_or("?".into(), format::interval),
        if p.scheduled { "" } else { " (paused)" }
    )
}

/// How far behind its refresh policy it is: a duration, `within` it, or why nothing judges it.
fn behind(c: &Cagg) -> Cell {
    match (c.behind_policy(), &c.refresh_policy) {
        (Some(b), _) if b > 0.0 => seconds(Some(b)).tone(Tone::Warn),
        (Some(_), _) => Cell::num(0.0, "within").tone(Tone::Ok),
        (None, Some(p)) if !p.scheduled => Cell::text("paused").tone(Tone::Warn),
        (None, Some(_)) => Cell::empty(),
        (None, None) => Cell::text("no policy").tone(Tone::Muted),
    }
}

pub fn rows(list: &[Cagg], lag_limit: f64, ctx: Ctx) -> Vec<TableRow> {
    rows_with(list, &Default::default(), lag_limit, ctx)
}

/// The rows with each cagg's columnstore (compressed / chunks, by row id).
pub fn rows_with(
    list: &[Cagg],
    columnstore: &std::collections::HashMap<String, (i64, i64)>,
    lag_limit: f64,
    ctx: Ctx,
) -> Vec<TableRow> {
    tree_order(list)
        .into_iter()
        .map(|(i, depth)| {
            let c = &list[i];
            let name = format!(
                "{}{}",
                if depth > 0 {
                    format!("{}└ ", "  ".repeat(depth - 1))
                } else {
                    String::new()
                },
                format::qualified(&c.schema, &c.name)
            );
            let (watermark, lag) = match (c.watermark, c.lag_seconds, c.lag_units) {
                (None, _, _) => (
                    Cell::text("never refreshed").tone(Tone::Warn),
                    Cell::num(f64::MAX, "∞").tone(Tone::Warn),
                ),
                (Some(Watermark::Time(t)), Some(lag), _) => (
                    time(Some(t), ctx),
                    // A running policy judges it; without one, the lag limit does.
                    seconds(Some(lag)).tone(match c.behind_policy() {
                        Some(behind) if behind > 0.0 && lag > lag_limit => Tone::Warn,
                        Some(_) => Tone::Ok,
                        None if lag > lag_limit => Tone::Warn,
                        None => Tone::Ok,
                    }),
                ),
                (Some(Watermark::Int(w)), _, lag) => (
                    Cell::num(w as f64, w.to_string()),
                    lag.map_or_else(Cell::empty, |l| Cell::num(l as f64, l.to_string())),
                ),
                (Some(Watermark::Time(t)), None, _) => (time(Some(t), ctx), Cell::empty()),
            };
            let others = c.other_refresh_policies.len();
            let policy = match &c.refresh_policy {
                Some(p) => {
                    let more = match others {
                        0 => String::new(),
                        n => format!(" +{n}"),
                    };
                    Cell::text(format!("{}{more}", window(p))).tone(if p.scheduled {
                        Tone::Normal
                    } else {
                        Tone::Warn
                    })
                }
                None => Cell::text("none").tone(Tone::Muted),
            };
            // several policies (each window and its job, the one judging the lag first), or one
            // that batches its refresh: said in the row's detail
            let every = c.refresh_policy.iter().chain(&c.other_refresh_policies);
            let batched = every.clone().any(|p| p.batching().is_some());
            let detail = (others > 0 || batched).then(|| {
                let lines: Vec<String> = every
                    .enumerate()
                    .map(|(i, p)| {
                        let judge = match (i, others) {
                            (0, 1..) => " (judges the lag)",
                            _ => "",
                        };
                        let batching = p.batching().map(|b| format!("; {b}")).unwrap_or_default();
                        format!(
                            "Refresh policy job {}: {}{judge}{batching}",
                            p.job_id,
                            window(p)
                        )
                    })
                    .collect();
                lines.join("\n")
            });
            let last = match c.last_run_status.as_deref() {
                Some("Failed") => Cell::text("failed").tone(Tone::Critical),
                _ => relative(c.last_success, ctx),
            };
            let row = TableRow::new(
                row_id::relation(&c.schema, &c.name),
                vec![
                    Cell::text(name),
                    Cell::text(c.source()),
                    opt_text(c.bucket_width.as_deref().map(format::interval).as_deref()),
                    lag,
                    behind(c),
                    watermark,
                    Cell::text(if c.materialized_only {
                        "materialized"
                    } else {
                        "real-time"
                    }),
                    policy,
                    last,
                    c.refresh_policy.as_ref().map_or_else(Cell::empty, |p| {
                        Cell::num(p.job_id as f64, p.job_id.to_string())
                    }),
                    count(c.pending_invalidations),
                    columnstore
                        .get(&row_id::relation(&c.schema, &c.name))
                        .map_or_else(Cell::empty, |&(compressed, chunks)| {
                            Cell::num(compressed as f64, format!("{compressed}/{chunks}"))
                        }),
                ],
            )
            .detail(detail);
            // Enter: the refresh job's runs and errors, why it lags.
            match &c.refresh_policy {
                Some(p) => row.open(Open::Drill(
                    QueryKind::JobRuns,
                    DrillTarget::Job(p.job_id),
                    Some(format!(
                        "History of job {} (refresh of {})",
                        p.job_id,
                        format::qualified(&c.schema, &c.name)
                    )),
                    None,
                )),
                None => row,
            }
        })
        .collect()
}

pub fn matview_columns() -> Vec<Column> {
    vec![
        Column::left("Materialized view", 0, 40),
        Column::left("Populated", 0, 9),
        Column::right("Total", 0, 9),
        Column::right("Indexes", 1, 7),
        Column::left("Owner", 2, 20),
    ]
}

pub fn matview_rows(list: &[MatView]) -> Vec<TableRow> {
    list.iter()
        .map(|m| {
            TableRow::new(
                row_id::relation(&m.schema, &m.name),
                vec![
                    Cell::text(format::qualified(&m.schema, &m.name)),
                    if m.populated {
                        Cell::text("yes")
                    } else {
                        Cell::text("no").tone(Tone::Warn)
                    },
                    opt_bytes(m.size_bytes),
                    count(m.indexes),
                    Cell::text(m.owner.clone()),
                ],
            )
        })
        .collect()
}
