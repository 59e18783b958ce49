//! Continuous-aggregates tab (as a tree); materialized views on plain PostgreSQL.

use super::{bytes, count, opt_text, relative, row_id, seconds, time, Ctx, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::caggs::{tree_order, Cagg, MatView, Watermark};

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Continuous aggregate", 0, 40),
        Column::left("Source", 2, 40),
        Column::right("Bucket", 3, 8),
        Column::right("Lag", 0, 9),
        Column::left("Watermark", 1, 22),
        Column::left("Mode", 4, 12),
        Column::left("Refresh policy", 1, 34),
        Column::left("Last run", 3, 14),
        Column::right("Pending", 5, 7),
    ]
}

pub fn rows(list: &[Cagg], lag_limit: f64, ctx: Ctx) -> Vec<TableRow> {
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
                    seconds(Some(lag)).tone(if lag > lag_limit {
                        Tone::Warn
                    } else {
                        Tone::Ok
                    }),
                ),
                (Some(Watermark::Int(w)), _, lag) => (
                    Cell::num(w as f64, w.to_string()),
                    lag.map_or_else(Cell::empty, |l| Cell::num(l as f64, l.to_string())),
                ),
                (Some(Watermark::Time(t)), None, _) => (time(Some(t), ctx), Cell::empty()),
            };
            let policy = match &c.refresh_policy {
                Some(p) => {
                    let text = format!(
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
                    );
                    Cell::text(text).tone(if p.scheduled {
                        Tone::Normal
                    } else {
                        Tone::Warn
                    })
                }
                None => Cell::text("none").tone(Tone::Muted),
            };
            let last = match c.last_run_status.as_deref() {
                Some("Failed") => Cell::text("failed").tone(Tone::Critical),
                _ => relative(c.last_success, ctx),
            };
            TableRow::new(
                row_id::relation(&c.schema, &c.name),
                vec![
                    Cell::text(name),
                    Cell::text(c.source()),
                    opt_text(c.bucket_width.as_deref().map(format::interval).as_deref()),
                    lag,
                    watermark,
                    Cell::text(if c.materialized_only {
                        "materialized"
                    } else {
                        "real-time"
                    }),
                    policy,
                    last,
                    count(c.pending_invalidations),
                ],
            )
        })
        .collect()
}

pub fn matview_columns() -> Vec<Column> {
    vec![
        Column::left("Materialized view", 0, 40),
        Column::left("Populated", 0, 9),
        Column::right("Size", 0, 9),
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
                    bytes(m.size_bytes),
                    count(m.indexes),
                    Cell::text(m.owner.clone()),
                ],
            )
        })
        .collect()
}
