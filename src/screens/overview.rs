//! The overview's problem table.

use super::{Open, TableRow};
use crate::grid::{Cell, Column, Tone};
use crate::problems::{Problem, Severity};

pub fn columns() -> Vec<Column> {
    vec![
        Column::left("Severity", 0, 8),
        Column::left("Problem", 1, 19),
        Column::left("Object", 0, 32),
        Column::left("Details", 0, 200),
    ]
}

pub fn rows(problems: &[Problem]) -> Vec<TableRow> {
    problems
        .iter()
        .enumerate()
        .map(|(rank, p)| {
            let tone = match p.severity {
                Severity::Critical => Tone::Critical,
                Severity::Warning => Tone::Warn,
            };
            let severity = match p.severity {
                Severity::Critical => "CRIT",
                Severity::Warning => "WARN",
            };
            TableRow::new(
                format!("{}:{}", p.kind, p.object),
                vec![
                    Cell::num(rank as f64, severity).tone(tone),
                    Cell::text(p.kind),
                    Cell::text(p.object.clone()),
                    Cell::text(p.message.clone()),
                ],
            )
            .detail(Some(format!("{}: {}", p.object, p.message)))
            .open(Open::Jump(p.tab, p.row_id.clone()))
        })
        .collect()
}
