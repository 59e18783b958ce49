//! Compression tab, with a totals row.

use super::{bytes, count, opt_text, row_id, seconds, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::compression::{totals, Compression};

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Hypertable", 0, 40),
        Column::left("On", 3, 3),
        Column::right("Backlog", 0, 7),
        Column::right("Backlog size", 1, 12),
        Column::right("Compressed", 1, 10),
        Column::right("Before", 2, 9),
        Column::right("After", 2, 9),
        Column::right("Ratio", 2, 7),
        Column::right("After age", 3, 10),
        Column::left("Segment by", 4, 24),
        Column::left("Order by", 4, 30),
        Column::right("Job", 5, 6),
    ]
}

fn row(c: &Compression, id: String, label: String) -> TableRow {
    let ratio = c
        .ratio()
        .map_or_else(Cell::empty, |r| Cell::num(r, format::ratio(r)));
    let backlog_tone = if c.backlog_chunks > 0 {
        Tone::Warn
    } else {
        Tone::Normal
    };
    let compress_after = match (&c.compress_after, c.compress_after_seconds) {
        (Some(_), Some(s)) => seconds(Some(s)),
        (Some(text), None) => Cell::text(text.clone()),
        (None, _) => Cell::empty(),
    };
    TableRow::new(
        id,
        vec![
            Cell::text(label),
            Cell::text(if c.enabled { "yes" } else { "no" }).tone(if c.enabled {
                Tone::Normal
            } else {
                Tone::Muted
            }),
            count(c.backlog_chunks).tone(backlog_tone),
            bytes(c.backlog_bytes).tone(backlog_tone),
            Cell::num(
                c.compressed_chunks as f64,
                format!("{}/{}", c.compressed_chunks, c.chunks),
            ),
            bytes(c.before_bytes),
            bytes(c.after_bytes),
            ratio,
            compress_after,
            opt_text(c.segmentby.as_deref()),
            opt_text(c.orderby.as_deref()),
            c.job_id
                .map_or_else(Cell::empty, |j| Cell::num(j as f64, j.to_string())),
        ],
    )
}

pub fn rows(list: &[Compression]) -> Vec<TableRow> {
    let mut out: Vec<TableRow> = list
        .iter()
        .map(|c| {
            let id = row_id::relation(&c.schema, &c.name);
            row(c, id, format::qualified(&c.schema, &c.name))
                .open(super::hypertables::open_chunks(&c.schema, &c.name))
        })
        .collect();
    if !list.is_empty() {
        let mut total = row(&totals(list), "\u{0}total".into(), "total".into());
        total.pinned = true;
        out.push(total);
    }
    out
}
