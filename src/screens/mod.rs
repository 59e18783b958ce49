//! What each tab shows: its columns, and its rows built from the model (formatting, tones and
//! what Enter opens). Pure: no I/O, no drawing; rebuilt when data arrives, not per frame.

pub mod caggs;
pub mod compression;
pub mod hypertables;
pub mod indexes;
pub mod jobs;
pub mod overview;
pub mod retention;

use chrono::{DateTime, Utc};

use crate::format;
use crate::grid::{Cell, Grid};
use crate::model::{Bound, QueryKind, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Overview,
    Hypertables,
    Compression,
    Retention,
    Indexes,
    Jobs,
    Caggs,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Hypertables,
        Tab::Compression,
        Tab::Retention,
        Tab::Indexes,
        Tab::Jobs,
        Tab::Caggs,
    ];

    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub fn from_index(i: usize) -> Tab {
        Tab::ALL[i % Tab::ALL.len()]
    }

    /// The tab a palette word names (`:jobs`, `:caggs`, `:matviews`, `:5`…).
    pub fn named(word: &str) -> Option<Tab> {
        let w = word.to_lowercase();
        if let Ok(n @ 1..=7) = w.parse::<usize>() {
            return Some(Tab::from_index(n - 1));
        }
        Tab::ALL.into_iter().find(|t| {
            [t.title(true), t.title(false)]
                .iter()
                .any(|name| name.to_lowercase() == w)
        })
    }

    /// The keys this tab adds to the common ones, for the footer.
    pub fn keys(self) -> &'static str {
        match self {
            Tab::Overview => "Enter go to",
            Tab::Hypertables | Tab::Indexes => "Enter chunks",
            Tab::Compression => "C compress",
            Tab::Retention => "",
            Tab::Jobs => "Enter runs · P pause · X run",
            Tab::Caggs => "F refresh",
        }
    }

    /// The tab's name; without TimescaleDB two tabs show PostgreSQL's nearest equivalent.
    pub fn title(self, timescaledb: bool) -> &'static str {
        match (self, timescaledb) {
            (Tab::Overview, _) => "Overview",
            (Tab::Hypertables, _) => "Hypertables",
            (Tab::Compression, _) => "Compression",
            (Tab::Retention, true) => "Retention",
            (Tab::Retention, false) => "Partitions",
            (Tab::Indexes, _) => "Indexes",
            (Tab::Jobs, _) => "Jobs",
            (Tab::Caggs, true) => "Caggs",
            (Tab::Caggs, false) => "Matviews",
        }
    }

    /// The query behind the tab's table (the overview reads several; see `kinds`).
    pub fn kind(self) -> QueryKind {
        match self {
            Tab::Overview => QueryKind::Summary,
            // one catalog pass serves these three tabs
            Tab::Hypertables | Tab::Compression | Tab::Retention => QueryKind::Tables,
            Tab::Indexes => QueryKind::Indexes,
            Tab::Jobs => QueryKind::Jobs,
            Tab::Caggs => QueryKind::Caggs,
        }
    }

    /// Everything the tab needs refreshed while it is shown.
    pub fn kinds(self) -> &'static [QueryKind] {
        match self {
            // The problem list draws on every screen that can have problems.
            Tab::Overview => &[
                QueryKind::Summary,
                QueryKind::Jobs,
                QueryKind::Tables,
                QueryKind::Indexes,
                QueryKind::Caggs,
            ],
            Tab::Hypertables | Tab::Compression | Tab::Retention => &[QueryKind::Tables],
            // The statistics reset time comes with the summary.
            Tab::Indexes => &[QueryKind::Summary, QueryKind::Indexes],
            Tab::Jobs => &[QueryKind::Summary, QueryKind::Jobs],
            Tab::Caggs => &[QueryKind::Caggs],
        }
    }
}

/// What Enter on a row opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Open {
    /// A drill-down table: its query, target and title.
    Drill(QueryKind, Target, String),
    /// The row on another tab that explains a problem.
    Jump(Tab, String),
}

pub type Table = Grid<Open>;
pub type TableRow = crate::grid::Row<Open>;

/// Row ids, shared by the tables and the problem list so a problem can find its row.
pub mod row_id {
    pub fn relation(schema: &str, name: &str) -> String {
        crate::format::qualified(schema, name)
    }

    pub fn job(id: i32) -> String {
        id.to_string()
    }
}

/// Formatting context: the clock and the time zone choice.
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub utc: bool,
}

pub(crate) fn bytes(n: i64) -> Cell {
    Cell::num(n as f64, format::bytes(n))
}

pub(crate) fn opt_bytes(n: Option<i64>) -> Cell {
    n.map_or_else(Cell::empty, bytes)
}

pub(crate) fn count(n: i64) -> Cell {
    Cell::num(n as f64, n.to_string())
}

pub(crate) fn seconds(s: Option<f64>) -> Cell {
    s.map_or_else(Cell::empty, |s| Cell::num(s, format::seconds(s)))
}

pub(crate) fn time(t: Option<DateTime<Utc>>, ctx: Ctx) -> Cell {
    t.map_or_else(Cell::empty, |t| {
        Cell::num(t.timestamp() as f64, format::timestamp(t, ctx.utc))
    })
}

/// A past or future time relative to now (`5m ago`, `in 2h`), sorted by time.
pub(crate) fn relative(t: Option<DateTime<Utc>>, ctx: Ctx) -> Cell {
    t.map_or_else(Cell::empty, |t| {
        Cell::num(t.timestamp() as f64, format::ago(t, ctx.now))
    })
}

pub(crate) fn bound(b: Option<Bound>, ctx: Ctx) -> Cell {
    match b {
        Some(Bound::Time(t)) => time(Some(t), ctx),
        Some(Bound::Int(i)) => Cell::num(i as f64, i.to_string()),
        None => Cell::empty(),
    }
}

pub(crate) fn opt_text(s: Option<&str>) -> Cell {
    s.map_or_else(Cell::empty, Cell::text)
}

/// The title line above a table: what it holds, how many rows, the filter.
pub fn caption(title: &str, table: &Table) -> String {
    let shown = if table.filter().is_empty() {
        format!("{}", table.total())
    } else {
        format!(
            "{} of {} matching /{}",
            table.len(),
            table.total(),
            table.filter()
        )
    };
    format!("{title} ({shown})")
}
