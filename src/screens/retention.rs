//! Retention tab; partitioned tables on plain PostgreSQL.

use super::{
    bound, bytes, count, opt_bytes, opt_text, relative, row_id, seconds, Ctx, Screen, TableRow,
};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::retention::{PartitionedTable, Retention};
use crate::model::QueryKind;
use crate::problems::ProblemKind;
use crate::store::{Dataset, Standing};

pub struct RetentionScreen;

impl Screen for RetentionScreen {
    fn name(&self) -> &'static str {
        "retention"
    }

    fn title(&self, words: super::Words) -> &'static str {
        if words.timescaledb {
            "Retention"
        } else {
            "Partitions"
        }
    }

    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Catalog]
    }

    /// Plain PostgreSQL: partitioned tables, the nearest thing to retention by chunks.
    fn columns(&self, data: &Dataset) -> Vec<Column> {
        if data.partitions.value().is_some() {
            partition_columns()
        } else {
            columns()
        }
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((3, true))
    }

    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> super::Rows<'a> {
        match data.partitions.value() {
            Some(p) => Box::new(partition_rows(p).into_iter()),
            None => Box::new(rows(data.retention.rows(), *ctx)),
        }
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        match data.partitions.value() {
            Some(_) => data.partitions.status(),
            None => data.retention.status(),
        }
    }

    fn blocked_as(&self, row_id: &str) -> Option<String> {
        Some(row_id.to_string())
    }

    fn explains(&self, kind: ProblemKind) -> bool {
        matches!(
            kind,
            ProblemKind::RetentionOverdue | ProblemKind::RetentionPolicy
        )
    }

    fn enter(&self) -> Option<&'static str> {
        Some("what drops")
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Relation", 0, 40),
        Column::left("Kind", 4, 10),
        Column::right("Drop after", 0, 10),
        Column::right("Overdue", 0, 7),
        Column::right("Overdue size", 1, 12),
        Column::right("Chunks", 2, 7),
        Column::left("Oldest chunk", 2, 22),
        Column::left("State", 1, 9),
        Column::left("Last run", 3, 14),
        Column::left("Next start", 3, 14),
        Column::right("Every", 4, 8),
        Column::right("Job", 5, 6),
    ]
}

pub fn rows(list: &[Retention], ctx: Ctx) -> impl Iterator<Item = TableRow> + '_ {
    list.iter().map(move |r| {
        let tone = if r.overdue_chunks.unwrap_or(0) > 0 {
            Tone::Warn
        } else {
            Tone::Normal
        };
        let drop_after = match (&r.drop_after, r.drop_after_seconds) {
            (_, Some(s)) => seconds(Some(s)),
            (Some(t), None) => Cell::text(t.to_string()),
            _ => Cell::empty(),
        };
        let last = match (&r.last_run_status, r.last_run) {
            (Some(s), Some(_)) if &**s == "Failed" => {
                relative(r.last_run, ctx).tone(Tone::Critical)
            }
            _ => relative(r.last_run, ctx),
        };
        TableRow::new(
            row_id::relation(&r.schema, &r.name),
            vec![
                Cell::text(format::qualified(&r.schema, &r.name)),
                Cell::text(if r.is_cagg { "cagg" } else { "hypertable" }),
                drop_after,
                // Unknown (no "now" for its integer time here): a question mark, not 0.
                r.overdue_chunks
                    .map_or_else(|| Cell::text("?"), count)
                    .tone(tone),
                opt_bytes(r.overdue_bytes).tone(tone),
                count(r.chunks),
                bound(r.oldest_start, ctx),
                if r.scheduled {
                    Cell::text("scheduled")
                } else {
                    Cell::text("paused").tone(Tone::Warn)
                },
                last,
                relative(r.next_start, ctx),
                seconds(r.schedule_seconds),
                Cell::num(r.job_id as f64, r.job_id.to_string()),
            ],
        )
        // What the next run drops: the chunks past drop_after.
        .open(super::hypertables::open_chunks_filtered(
            &r.schema,
            &r.name,
            Some(super::hypertables::FATE_OVERDUE),
        ))
    })
}

pub fn partition_columns() -> Vec<Column> {
    vec![
        Column::left("Partitioned table", 0, 40),
        Column::left("Strategy", 2, 8),
        Column::right("Partitions", 0, 10),
        Column::right("Total", 1, 9),
        Column::left("Oldest bound", 0, 30),
        Column::left("Default", 3, 7),
    ]
}

pub fn partition_rows(list: &[PartitionedTable]) -> Vec<TableRow> {
    list.iter()
        .map(|p| {
            TableRow::new(
                row_id::relation(&p.schema, &p.name),
                vec![
                    Cell::text(format::qualified(&p.schema, &p.name)),
                    Cell::text(p.strategy.clone()),
                    count(p.partitions),
                    bytes(p.size_bytes),
                    opt_text(p.oldest_bound.as_deref()),
                    Cell::text(if p.has_default { "yes" } else { "no" }),
                ],
            )
        })
        .collect()
}
