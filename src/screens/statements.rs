//! Statements tab: this database's statements as pg_stat_statements counted them, by total
//! time, with the hypertables each names; without the extension, how to enable it.

use super::{count, opt_text, Ctx, DataChange, Open, Screen, Table, TableRow};
use crate::format;
use crate::grid::{Cell, Column, Tone};
use crate::model::plan::{GenericPlan, PlannedTable};
use crate::model::statement_stats::{mentions, Statement};
use crate::model::{DrillTarget, Payload, QueryKind};
use crate::store::{Dataset, Standing};

pub struct StatementsScreen;

impl Screen for StatementsScreen {
    fn name(&self) -> &'static str {
        "statements"
    }

    fn title(&self, _: super::Words) -> &'static str {
        "Statements"
    }

    /// The catalog names the hypertables a statement mentions.
    fn reads(&self) -> &'static [QueryKind] {
        &[QueryKind::Catalog, QueryKind::Statements]
    }

    fn rebuilt_by(&self, change: DataChange) -> bool {
        matches!(
            change,
            DataChange::Read(QueryKind::Catalog | QueryKind::Statements)
        )
    }

    fn columns(&self, _: &Dataset) -> Vec<Column> {
        vec![
            Column::right("Total", 0, 9),
            Column::right("Calls", 0, 9),
            Column::right("Mean", 0, 9),
            Column::right("Rows", 2, 10),
            Column::right("Hit %", 1, 6),
            Column::right("Read", 2, 9),
            Column::left("Role", 3, 12),
            Column::left("Hypertables", 1, 24),
            Column::left("Query", 0, 200),
        ]
    }

    fn default_sort(&self) -> Option<(usize, bool)> {
        Some((0, true))
    }

    fn rows<'a>(&self, data: &'a Dataset, _: &Ctx) -> super::Rows<'a> {
        let Some(read) = data.statements.value() else {
            return Box::new(std::iter::empty());
        };
        let hypertables: Vec<(String, String)> = data
            .hypertables
            .rows()
            .iter()
            .map(|h| (h.schema.to_string(), h.name.to_string()))
            .collect();
        Box::new(
            read.rows
                .iter()
                .map(move |s| row(s, &hypertables, read.block_size)),
        )
    }

    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a> {
        data.statements.status()
    }

    fn heading(&self, data: &Dataset, _: &Ctx) -> Option<String> {
        let read = data.statements.value()?;
        let mut parts = vec![match read.reset {
            Some(t) => format!("since {}", format::ago(t, read.server_now)),
            None => "since the last reset".into(),
        }];
        if !read.sees_all {
            parts.push("others' texts hidden (pg_read_all_stats)".into());
        }
        Some(parts.join(" · "))
    }

    fn empty_text(&self, data: &Dataset) -> Option<&'static str> {
        data.statements.value().map(|_| {
            "No statement of this database has been counted since the statistics were reset."
        })
    }

    /// Where the snapshot read it (`snapshot`; `check` does not).
    fn in_text_snapshot(&self, data: &Dataset) -> bool {
        !matches!(data.statements.status(), Standing::Loading)
    }

    /// The selected statement's generic plan: the chunks it keeps of each hypertable.
    fn enter(&self) -> Option<&'static str> {
        Some("plan")
    }

    fn drill_columns(&self, kind: QueryKind) -> Option<Vec<Column>> {
        (kind == QueryKind::Plan).then(|| {
            vec![
                Column::left("Table", 0, 40),
                Column::left("Kind", 2, 20),
                Column::right("Planned", 0, 8),
                Column::right("Of", 0, 8),
                Column::left("Exclusion", 1, 40),
            ]
        })
    }

    fn fill_drill(&self, payload: Payload, _: &Ctx, table: &mut Table) -> bool {
        let Payload::Plan(_, plan) = payload else {
            return false;
        };
        table.set_rows(plan.tables.iter().map(|t| planned_row(t, &plan)));
        true
    }
}

/// One hypertable or partitioned table of a generic plan: the chunks kept of all it has.
fn planned_row(t: &PlannedTable, plan: &GenericPlan) -> TableRow {
    let name = match &t.view {
        Some((schema, view)) => format::qualified(schema, view),
        None => format::qualified(&t.schema, &t.name),
    };
    let later = match (t.startup_exclusion, t.runtime_exclusion) {
        (true, _) => "; may prune at startup",
        (false, true) => "; may prune while running",
        (false, false) => "",
    };
    let kept = t.planned.len() as i64;
    let exclusion = if t.total == 0 {
        Cell::text("no chunks")
    } else if kept == 0 && plan.command == "insert" {
        Cell::text("rows go to chunks as they come")
    } else if kept == 0 {
        Cell::text("all excluded at planning").tone(Tone::Ok)
    } else if !t.excludes_nothing() {
        Cell::text(format!("{} excluded at planning{later}", t.total - kept))
    } else if t.kind == "partitioned table" || !later.is_empty() {
        // PostgreSQL prunes partitions at startup too, and says nothing of it in the plan
        Cell::text(format!("none at planning{later}"))
    } else {
        Cell::text("none: every chunk is scanned").tone(Tone::Warn)
    };
    const LISTED: usize = 20;
    let mut names = t
        .planned
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if t.planned.len() > LISTED {
        names.push_str(&format!(" and {} more", t.planned.len() - LISTED));
    }
    let detail = format!(
        "{} {name}: the generic plan keeps {kept} of its {} chunks · planned in {} · cost {} · as {} · search_path {}{}{}",
        t.kind,
        t.total,
        plan.planning_ms.map_or_else(|| "?".into(), |ms| format!("{ms:.1} ms")),
        plan.total_cost.map_or_else(|| "?".into(), |c| format!("{c:.0}")),
        plan.role.as_deref().unwrap_or("hypertop's role"),
        plan.search_path.as_deref().unwrap_or("?"),
        if t.view.is_some() {
            format!("\nmaterialized in {}", format::qualified(&t.schema, &t.name))
        } else {
            String::new()
        },
        if names.is_empty() { String::new() } else { format!("\nkept: {names}") },
    );
    TableRow::new(
        format::qualified(&t.schema, &t.name),
        vec![
            Cell::text(name),
            Cell::text(t.kind.clone()),
            count(kept),
            count(t.total),
            exclusion,
        ],
    )
    .detail(Some(detail))
}

/// Milliseconds as the tab shows them: `0.4 ms`, `12 ms`, `1.2 s`, `3m 20s`.
fn millis(ms: f64) -> Cell {
    let text = if ms < 10.0 {
        format!("{ms:.1} ms")
    } else if ms < 60_000.0 {
        format::elapsed(std::time::Duration::from_secs_f64(ms / 1000.0))
    } else {
        format::seconds(ms / 1000.0)
    };
    Cell::num(ms, text)
}

fn row(s: &Statement, hypertables: &[(String, String)], block: i64) -> TableRow {
    let named: Vec<String> = s
        .text
        .as_deref()
        .map(|t| mentions(t, hypertables))
        .unwrap_or_default()
        .iter()
        .map(|(schema, name)| format::qualified(schema, name))
        .collect();
    let hit = s.hit_ratio();
    let hidden = "<insufficient privilege>";
    let text = s.text.as_deref().unwrap_or(hidden);
    let detail = format!(
        "queryid {} · role {} · {} calls · total {} · mean {} · {} rows · shared blocks hit {} / read {}{}\n{}",
        s.queryid.map_or_else(|| "hidden".into(), |q| q.to_string()),
        s.role.as_deref().unwrap_or("?"),
        s.calls,
        millis(s.total_ms).text,
        s.mean_ms.map_or_else(String::new, |m| millis(m).text),
        s.rows,
        s.blks_hit,
        s.blks_read,
        if named.is_empty() {
            String::new()
        } else {
            format!("\nhypertables: {}", named.join(", "))
        },
        text
    );
    let plan = s.queryid.zip(s.text.as_ref()).map(|(queryid, text)| {
        Open::Drill(
            QueryKind::Plan,
            DrillTarget::Statement {
                queryid,
                userid: s.userid,
                text: text.clone(),
            },
            None,
            None,
        )
    });
    let row = TableRow::new(
        s.id(),
        vec![
            millis(s.total_ms),
            count(s.calls),
            s.mean_ms.map_or_else(Cell::empty, millis),
            count(s.rows),
            hit.map_or_else(Cell::empty, |h| {
                Cell::num(h, format!("{:.1}", h * 100.0)).tone(if h < 0.9 {
                    Tone::Warn
                } else {
                    Tone::Normal
                })
            }),
            super::bytes(s.blks_read.saturating_mul(block)),
            opt_text(s.role.as_deref()),
            Cell::text(named.join(" ")),
            Cell::text(format::one_line(text)),
        ],
    )
    .detail(Some(detail));
    match plan {
        Some(p) => row.open(p),
        None => row,
    }
}
