//! Hypertables tab and its chunk drill-down.

use super::{bound, bytes, count, opt_bytes, row_id, Ctx, Open, Screen, Table, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::hypertables::{Chunk, Hypertable};
use crate::model::names::Name;
use crate::model::Payload;
use crate::model::{DrillTarget, QueryKind};
use crate::pictures::{self, Picture};
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct Hypertables;

impl Screen for Hypertables {
    fn name(&self) -> &'static str {
        "hypertables"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Hypertables"
    }

    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Catalog]
    }

    fn columns(&self, data: &Dataset) -> Vec<Column> {
        columns(names_status(data))
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((1, true))
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        Box::new(rows(data.hypertables.rows(), *ctx, names_status(data)))
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.hypertables.status()
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(row_id.to_string())
    }

    fn enter(&self) -> Option<&'static str> {
        Some("chunks")
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::ChunksOverMemory
                | ProblemKind::SmallChunks
                | ProblemKind::GrowthWithoutRetention
        )
    }

    fn drill_columns(&self, kind: QueryKind) -> Option<Vec<Column>> {
        (kind == QueryKind::Chunks).then(chunk_columns)
    }

    fn row_picture(&self, data: &Dataset, row_id: &str) -> Option<Picture> {
        pictures::hypertable_trend(&data.history, row_id)
    }

    fn drill_picture(&self, payload: &Payload) -> Option<Picture> {
        // this screen's drill-down; any other payload has no picture here
        let Payload::Chunks(_, chunks) = payload else {
            return None;
        };
        pictures::chunks(chunks)
    }

    fn fill_drill(&self, payload: Payload, ctx: &Ctx, table: &mut Table) -> bool {
        let Payload::Chunks(_, chunks) = payload else {
            return false;
        };
        table.set_rows(chunk_rows(&chunks, *ctx));
        true
    }
}

/// Whether TimescaleDB names a hypertable's status bits here (2.29+): the tab then has them.
fn names_status(data: &Dataset) -> bool {
    (data.caps.as_ref().and_then(|c| c.timescaledb.as_ref()))
        .is_some_and(|t| t.hypertable_status_text)
}

pub fn columns(status: bool) -> Vec<Column> {
    let mut columns = vec![
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
    ];
    if status {
        // TimescaleDB's own words (hypertable_status_text): COMPRESSION, DIRECT_COMPRESS, OSM…
        columns.push(Column::left("Status", 5, 28));
    }
    columns
}

/// `compression, retention` from policy procedure names.
fn policies(procs: &[crate::model::names::Name]) -> String {
    procs
        .iter()
        .map(|p| crate::model::jobs::kind("_timescaledb_functions", p))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn rows(
    hypertables: &[Hypertable],
    ctx: Ctx,
    status: bool,
) -> impl Iterator<Item = TableRow> + '_ {
    hypertables.iter().map(move |h| {
        let interval = match (h.interval_seconds, h.interval_integer) {
            (Some(s), _) => Cell::num(s, format::seconds(s)),
            (None, Some(i)) => Cell::num(i as f64, i.to_string()),
            _ => Cell::empty(),
        };
        let name = format::qualified(&h.schema, &h.name);
        let mut cells = vec![
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
        ];
        if status {
            let named = (h.status.iter().flatten()).map(|s| s.as_str());
            cells.push(Cell::text(named.collect::<Vec<_>>().join(", ")));
        }
        TableRow::new(row_id::relation(&h.schema, &h.name), cells)
            .open(open_chunks(&h.schema, &h.name))
    })
}

/// Enter on a hypertable: its chunks.
pub fn open_chunks(schema: &Name, name: &Name) -> Open {
    open_chunks_filtered(schema, name, None)
}

/// Enter where a fate matters: the chunks, filtered to those (`overdue`, `backlog`).
pub fn open_chunks_filtered(schema: &Name, name: &Name, fate: Option<&'static str>) -> Open {
    Open::Drill(
        QueryKind::Chunks,
        DrillTarget::Relation {
            schema: schema.clone(),
            name: name.clone(),
        },
        None,
        fate,
    )
}

pub fn chunk_columns() -> Vec<Column> {
    vec![
        Column::left("Chunk", 0, 40),
        Column::left("From", 1, 22),
        Column::left("To", 2, 22),
        Column::left("State", 0, 12),
        Column::left("Fate", 0, 7),
        Column::right("Total", 0, 9),
        Column::right("Before", 3, 9),
        Column::right("After", 3, 9),
        Column::right("Ratio", 4, 7),
    ]
}

/// A chunk the retention policy's next run drops.
pub const FATE_OVERDUE: &str = "overdue";
/// A chunk the compression policy should have compressed.
pub const FATE_BACKLOG: &str = "backlog";

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
        let state = match (c.compressed, c.partial, c.frozen) {
            // (compressed or not, its Before and After columns say)
            (_, _, true) => Cell::text("frozen").tone(Tone::Muted),
            (true, true, _) => Cell::text("partial").tone(Tone::Warn),
            (true, false, _) => Cell::text("compressed").tone(Tone::Ok),
            (false, ..) => Cell::text("uncompressed"),
        };
        // What the policies will do to it: the filter words `overdue` and `backlog` list them.
        let fate = match (c.overdue, c.in_backlog) {
            (true, _) => Cell::text(FATE_OVERDUE).tone(Tone::Warn),
            (false, true) => Cell::text(FATE_BACKLOG).tone(Tone::Warn),
            _ => Cell::empty(),
        };
        TableRow::new(
            row_id::relation(&c.schema, &c.name),
            vec![
                Cell::text(format::qualified(&c.schema, &c.name)),
                bound(c.range_start, ctx),
                bound(c.range_end, ctx),
                state,
                fate,
                opt_bytes(c.total_bytes),
                opt_bytes(c.before_bytes),
                opt_bytes(c.after_bytes),
                ratio,
            ],
        )
    })
}
