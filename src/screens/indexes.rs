//! Indexes tab and the per-chunk breakdown of a hypertable index.

use super::{bytes, count, opt_bytes, row_id, Ctx, Open, Screen, Table, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::indexes::{Category, ChunkIndex, Index};
use crate::model::Payload;
use crate::model::{DrillTarget, QueryKind};
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct Indexes;

impl Screen for Indexes {
    fn name(&self) -> &'static str {
        "indexes"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Indexes"
    }

    /// The statistics reset time comes with the summary.
    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Summary, QueryKind::Catalog]
    }

    fn columns(&self, _: &Dataset) -> Vec<Column> {
        columns()
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((4, true))
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        let counted = data.summary.value().is_none_or(|s| s.counts_usage);
        Box::new(rows(data.indexes.rows(), judged(data, ctx), counted))
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.indexes.status()
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(row_id.to_string())
    }

    fn heading(&self, data: &Dataset, ctx: &Ctx) -> Option<String> {
        let s = data.summary.value()?;
        if !s.counts_usage {
            return Some(
                "no usage statistics here (track_counts off, or an embedded engine): no index is called unused".into(),
            );
        }
        let since = s
            .stats_reset
            .or(s.started_at)
            .map(|t| format::timestamp(t, ctx.utc))
            .unwrap_or_else(|| "?".into());
        // Too young to say an index is unused: it says so, and nothing is called unused.
        let young = s
            .statistics_age()
            .and_then(|a| a.to_std().ok())
            .is_none_or(|a| a < ctx.limits.unused_after);
        let judged = match young {
            true => format!(
                "statistics since {since}: too recent to call an index unused (needs {})",
                format::duration(ctx.limits.unused_after)
            ),
            false => format!("statistics since {since}"),
        };
        // the counters are read every few minutes, not at every refresh: how old they are
        let old = (data.index_scans_at).filter(|at| {
            (ctx.now - *at)
                .to_std()
                .is_ok_and(|a| a > 2 * ctx.refresh_every)
        });
        Some(match old {
            Some(at) => format!(
                "scans as of {} (read every {}) · {judged}",
                format::ago(at, ctx.now),
                format::duration(crate::model::catalog::USAGE_EVERY)
            ),
            None => judged,
        })
    }

    fn enter(&self) -> Option<&'static str> {
        Some("chunks")
    }

    fn open_row(&self, data: &Dataset, row_id: &str) -> Option<Open> {
        chunk_indexes_of(data.indexes.rows(), row_id)
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::InvalidIndex | ProblemKind::DuplicateIndex | ProblemKind::UnusedIndex
        )
    }

    fn drill_columns(&self, kind: QueryKind) -> Option<Vec<Column>> {
        (kind == QueryKind::IndexChunks).then(chunk_columns)
    }

    fn fill_drill(&self, payload: Payload, _: &Ctx, table: &mut Table) -> bool {
        let Payload::IndexChunks(_, list) = payload else {
            return false;
        };
        table.set_rows(chunk_rows(&list));
        true
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Index", 0, 30),
        Column::left("Table", 2, 30),
        Column::left("Usage", 0, 6),
        Column::right("Scans", 1, 10),
        Column::right("Size", 0, 9),
        Column::right("Tuples read", 4, 12),
        Column::right("Chunks", 3, 7),
        Column::left("Keys", 5, 30),
        Column::left("Notes", 0, 24),
    ]
}

/// Whether the statistics can call an index unused here: the server counts scans, for long
/// enough (`check.unused_after`).
fn judged(data: &Dataset, ctx: &Ctx) -> bool {
    data.summary
        .value()
        .and_then(|s| s.usage_age())
        .and_then(|a| a.to_std().ok())
        .is_some_and(|a| a >= ctx.limits.unused_after)
}

/// INVALID, or the index this one duplicates.
fn notes(i: &Index) -> Cell {
    if !i.valid {
        Cell::text("INVALID").tone(Tone::Critical)
    } else if let Some(other) = &i.duplicate_of {
        Cell::text(format!("duplicate of {other}")).tone(Tone::Warn)
    } else {
        Cell::empty()
    }
}

/// The rows; `judged`: whether scans may say an index is unused or little used (else its
/// usage reads `–`: not counted, or counted too briefly); `counted`: whether the server counts
/// scans at all (else they read `–`, not a 0 that was never counted).
pub fn rows(list: &[Index], judged: bool, counted: bool) -> impl Iterator<Item = TableRow> + '_ {
    let uncounted = || Cell::text("–").tone(Tone::Muted);
    list.iter().map(move |i| {
        let usage = match i.category {
            Category::Unused | Category::Low if !judged => Cell::text("–").tone(Tone::Muted),
            c => Cell::text(c.label()).tone(match c {
                Category::Unused => Tone::Warn,
                Category::Low => Tone::Muted,
                Category::Active => Tone::Ok,
                Category::Constraint => Tone::Normal,
            }),
        };
        let mut keys = i.key_columns.to_string();
        if let Some(e) = &i.expressions {
            keys = format!("{keys} [{e}]");
        }
        if let Some(p) = &i.predicate {
            keys = format!("{keys} WHERE {p}");
        }
        if i.unique {
            keys = format!("{keys} (unique)");
        }
        // what Enter opens is found when it is pressed (`open_row`)
        TableRow::new(
            row_id::relation(&i.index_schema, &i.name),
            vec![
                Cell::text(format::qualified(&i.index_schema, &i.name)),
                Cell::text(format::qualified(&i.schema, &i.table)),
                usage,
                if counted { count(i.scans) } else { uncounted() },
                bytes(i.size_bytes),
                if counted {
                    count(i.tuples_read)
                } else {
                    uncounted()
                },
                if i.on_hypertable || i.chunk_indexes > 0 {
                    count(i.chunk_indexes)
                } else {
                    Cell::empty()
                },
                Cell::text(keys),
                notes(i),
            ],
        )
    })
}

/// A hypertable index's chunk indexes, for Enter on its row (a plain index has none).
fn chunk_indexes_of(list: &[Index], row: &str) -> Option<Open> {
    let i = list
        .iter()
        .find(|i| i.on_hypertable && row_id::relation(&i.index_schema, &i.name) == row)?;
    Some(Open::Drill(
        QueryKind::IndexChunks,
        DrillTarget::Relation {
            schema: i.index_schema.clone(),
            name: i.name.clone(),
        },
        None,
        None,
    ))
}

pub fn chunk_columns() -> Vec<Column> {
    vec![
        Column::left("Chunk index", 0, 60),
        Column::left("Chunk", 2, 30),
        Column::right("Scans", 0, 10),
        Column::right("Tuples read", 3, 12),
        Column::right("Size", 0, 9),
        Column::left("Valid", 1, 7),
    ]
}

pub fn chunk_rows(list: &[ChunkIndex]) -> Vec<TableRow> {
    list.iter()
        .map(|c| {
            TableRow::new(
                c.name.clone(),
                vec![
                    Cell::text(format::ident(&c.name)),
                    Cell::text(format::ident(&c.chunk)),
                    count(c.scans),
                    count(c.tuples_read),
                    opt_bytes(c.size_bytes),
                    if c.valid {
                        Cell::text("yes")
                    } else {
                        Cell::text("INVALID").tone(Tone::Critical)
                    },
                ],
            )
        })
        .collect()
}
