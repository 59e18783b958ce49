//! Hypertables tab and its chunk drill-down.

use super::{bound, bytes, count, opt_bytes, row_id, Ctx, Open, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::hypertables::{Chunk, Hypertable};
use crate::model::{QueryKind, Target};

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Hypertable", 0, 40),
        Column::right("Total", 0, 9),
        Column::right("Chunks", 1, 7),
        Column::right("Compr", 2, 6),
        Column::right("Interval", 3, 9),
        Column::left("Policies", 3, 30),
        Column::left("From", 4, 22),
        Column::left("To", 4, 22),
        Column::right("Heap", 5, 9),
        Column::right("Index", 5, 9),
        Column::right("Toast", 6, 9),
    ]
}

/// `compression, retention` from policy procedure names.
fn policies(procs: &[String]) -> String {
    procs
        .iter()
        .map(|p| crate::model::jobs::kind("_timescaledb_functions", p))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn rows(hypertables: &[Hypertable], ctx: Ctx) -> Vec<TableRow> {
    hypertables
        .iter()
        .map(|h| {
            let interval = match (h.interval_seconds, h.interval_integer) {
                (Some(s), _) => Cell::num(s, format::seconds(s)),
                (None, Some(i)) => Cell::num(i as f64, i.to_string()),
                _ => Cell::empty(),
            };
            let name = format::qualified(&h.schema, &h.name);
            TableRow::new(
                row_id::relation(&h.schema, &h.name),
                vec![
                    Cell::text(name.clone()),
                    bytes(h.total_bytes),
                    count(h.chunks),
                    count(h.compressed_chunks),
                    interval,
                    Cell::text(policies(&h.policies)),
                    bound(h.range_start, ctx),
                    bound(h.range_end, ctx),
                    bytes(h.heap_bytes),
                    bytes(h.index_bytes),
                    bytes(h.toast_bytes),
                ],
            )
            .open(open_chunks(&h.schema, &h.name))
        })
        .collect()
}

/// Enter on a hypertable: its chunks.
pub fn open_chunks(schema: &str, name: &str) -> Open {
    Open::Drill(
        QueryKind::Chunks,
        Target::Relation {
            schema: schema.to_string(),
            name: name.to_string(),
        },
        format!("Chunks of {}", format::qualified(schema, name)),
    )
}

pub fn chunk_columns() -> Vec<Column> {
    vec![
        Column::left("Chunk", 0, 40),
        Column::left("From", 1, 22),
        Column::left("To", 2, 22),
        Column::left("State", 0, 12),
        Column::right("Size", 0, 9),
        Column::right("Before", 3, 9),
        Column::right("After", 3, 9),
        Column::right("Ratio", 4, 7),
    ]
}

/// Built one by one as the grid stores them (a drill-down can have 10,000+ chunks).
pub fn chunk_rows(chunks: &[Chunk], ctx: Ctx) -> impl Iterator<Item = TableRow> + '_ {
    chunks.iter().map(move |c| {
        let ratio = match (c.before_bytes, c.after_bytes) {
            (Some(b), Some(a)) if a > 0 => {
                let r = b as f64 / a as f64;
                Cell::num(r, format::ratio(r))
            }
            _ => Cell::empty(),
        };
        let state = if c.compressed {
            Cell::text("compressed").tone(Tone::Ok)
        } else {
            Cell::text("uncompressed")
        };
        TableRow::new(
            row_id::relation(&c.schema, &c.name),
            vec![
                Cell::text(format::qualified(&c.schema, &c.name)),
                bound(c.range_start, ctx),
                bound(c.range_end, ctx),
                state,
                bytes(c.total_bytes),
                opt_bytes(c.before_bytes),
                opt_bytes(c.after_bytes),
                ratio,
            ],
        )
    })
}
