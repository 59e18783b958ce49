//! What each tab shows: its columns, and its rows built from the model (formatting, tones and
//! what Enter opens). Pure: no I/O, no drawing; rebuilt when data arrives, not per frame.

pub mod activity;
pub mod caggs;
pub mod compression;
pub mod hypertables;
pub mod indexes;
pub mod jobs;
pub mod overview;
pub mod retention;
pub mod statements;

use crate::command::spec::family;
use chrono::{DateTime, Utc};

use crate::actions::parse::Command;
use crate::format;
use crate::grid::{Cell, Column, Grid, Tone};
use crate::model::{Bound, DrillTarget, Payload, QueryKind};
use crate::pictures::{Picture, Spark};
use crate::problems::{ProblemKind, Thresholds};
use crate::store::{Dataset, Standing};

/// One tab of the console and one section of `snapshot --format text`: everything about it
/// lives in its module, and the console's tab bar, number keys, footer and help are derived
/// from [`SCREENS`]. Adding a tab: docs/architecture.md, "Adding a tab" (the files, and what follows).
pub trait Screen: Sync {
    /// The palette word (`:jobs`) and the snapshot section.
    fn name(&self) -> &'static str;
    /// The tab's title in the server's words: without TimescaleDB some tabs show PostgreSQL's
    /// nearest equivalent, from 2.18 compression is the columnstore.
    fn title(&self, words: Words) -> &'static str;
    /// Everything the tab needs refreshed while it is shown.
    fn reads(&self) -> &'static [QueryKind];
    /// Whether this change of the data changes its rows: by default an answer of the last
    /// query it reads (the one behind its table).
    fn rebuilt_by(&self, change: DataChange) -> bool {
        self.reads()
            .last()
            .is_some_and(|k| change == DataChange::Read(*k))
    }
    fn columns(&self, data: &Dataset) -> Vec<Column>;
    /// The column to sort by and whether descending, before the user picks one.
    fn default_sort(&self) -> Option<(usize, bool)> {
        None
    }
    /// The tab's rows, made as the table stores them: a long list one row at a time, never all
    /// at once (every index row built before they were stored was a second copy of the tab).
    fn rows<'a>(&self, data: &'a Dataset, ctx: &Ctx) -> Rows<'a>;
    /// Whether there is something to show, and if not, why.
    fn status<'a>(&self, data: &'a Dataset) -> Standing<'a>;
    /// The table's caption (the tab's title unless it says something else).
    fn caption(&self, words: Words) -> &'static str {
        self.title(words)
    }
    /// Added to the caption (e.g. since when the statistics count).
    fn heading(&self, _data: &Dataset, _ctx: &Ctx) -> Option<String> {
        None
    }
    /// Facts shown above the table (the overview's server panel).
    fn panel(&self, _data: &Dataset, _ctx: &Ctx) -> Option<Vec<Fact>> {
        None
    }
    /// What an empty table means, when that is good news worth saying now.
    fn empty_text(&self, _data: &Dataset) -> Option<&'static str> {
        None
    }
    /// What Enter opens, for the footer (`chunks`, `runs`).
    fn enter(&self) -> Option<&'static str> {
        None
    }
    /// What Enter on the row `row_id` opens when the row holds nothing to open: found when
    /// Enter is pressed, for a long list whose every row opens the same way (held in every row,
    /// the drill-down targets added up).
    fn open_row(&self, _data: &Dataset, _row_id: &str) -> Option<Open> {
        None
    }
    /// Keys that act on the selected row.
    fn keys(&self) -> &'static [ScreenKey] {
        &[]
    }
    /// What a row is called on the Activity tab's `Blocks` column (`job 1000`, `scn.metrics`),
    /// so `B` shows who blocks it; None when its rows are not jobs or relations.
    fn blocked_as(&self, _row_id: &str) -> Option<String> {
        None
    }
    /// Problems whose row is on this tab.
    fn explains(&self, _kind: ProblemKind) -> bool {
        false
    }
    /// The columns of a drill-down this tab opens.
    fn drill_columns(&self, _kind: QueryKind) -> Option<Vec<Column>> {
        None
    }
    /// Fills a drill-down's table from its answer; false when the answer is not its own.
    fn fill_drill(&self, _payload: Payload, _ctx: &Ctx, _table: &mut Table) -> bool {
        false
    }
    /// Sparklines drawn in the panel, under its facts (the overview's pulse).
    fn pulse(&self, _data: &Dataset) -> Option<(String, Vec<Spark>)> {
        None
    }
    /// A picture of the selected row, drawn in its detail pane (a cagg's lag over the hour).
    fn row_picture(&self, _data: &Dataset, _row_id: &str) -> Option<Picture> {
        None
    }
    /// A picture of a drill-down's rows, drawn above them (a job's run durations).
    fn drill_picture(&self, _payload: &Payload) -> Option<Picture> {
        None
    }
    /// A read for the selected row's picture in its detail pane, made while the row stays
    /// selected (a job's runs); its answer goes through [`Screen::preview_picture`].
    fn preview(&self, _row_id: &str) -> Option<(QueryKind, DrillTarget)> {
        None
    }
    /// The detail pane's picture from a [`Screen::preview`] read's answer.
    fn preview_picture(&self, _payload: &Payload) -> Option<Picture> {
        None
    }
    /// Whether `snapshot --format text` prints its table (the overview prints facts instead).
    fn in_text_snapshot(&self, _data: &Dataset) -> bool {
        true
    }
}

/// One of a panel's facts: its label, its value and the tone the value is drawn in.
pub type Fact = (&'static str, String, Tone);

/// What changed in the data, for deciding which tables to rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataChange {
    /// An answer of this query kind arrived.
    Read(QueryKind),
    /// The problem list is different.
    Problems,
}

/// A key that turns the selected row into a command (previewed like the palette's).
pub struct ScreenKey {
    pub key: char,
    /// For the footer (`P pause`).
    pub label: &'static str,
    /// For the help (`pause / resume the selected job`).
    pub help: &'static str,
    /// The command for the row with this id, when there is one.
    pub command: fn(&Dataset, &str) -> Option<Command>,
}

/// A tab's rows as they are made.
pub type Rows<'a> = Box<dyn Iterator<Item = TableRow> + 'a>;

/// Every tab, in order: the first is the console's home.
pub static SCREENS: &[&dyn Screen] = &[
    &overview::Overview,
    &hypertables::Hypertables,
    &compression::CompressionScreen,
    &retention::RetentionScreen,
    &indexes::Indexes,
    &jobs::Jobs,
    &caggs::Caggs,
    &activity::Activity,
    &statements::StatementsScreen,
];

/// A tab: its place in [`SCREENS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tab(usize);

impl Tab {
    /// The home tab (the overview).
    pub const HOME: Tab = Tab(0);

    pub fn all() -> impl Iterator<Item = Tab> {
        (0..SCREENS.len()).map(Tab)
    }

    pub fn count() -> usize {
        SCREENS.len()
    }

    pub fn index(self) -> usize {
        self.0
    }

    /// The tab at `i`, wrapping around.
    pub fn from_index(i: usize) -> Tab {
        Tab(i % SCREENS.len())
    }

    pub fn screen(self) -> &'static dyn Screen {
        SCREENS[self.0]
    }

    /// The tab a palette word names (`:jobs`, `:caggs`, `:matviews`, `:5`…).
    pub fn named(word: &str) -> Option<Tab> {
        let w = word.to_lowercase();
        if let Ok(n) = w.parse::<usize>() {
            return (1..=SCREENS.len()).contains(&n).then(|| Tab(n - 1));
        }
        Tab::all().find(|t| {
            let s = t.screen();
            std::iter::once(s.name())
                .chain(Words::ALL.iter().map(|&words| s.title(words)))
                .any(|name| name.to_lowercase() == w)
        })
    }

    /// The tab a problem's Enter jumps to.
    pub fn explaining(kind: ProblemKind) -> Tab {
        Tab::all()
            .find(|t| t.screen().explains(kind))
            .unwrap_or(Tab::HOME)
    }

    /// The tab showing a drill-down of `kind`.
    pub fn drilling(kind: QueryKind) -> Option<Tab> {
        Tab::all().find(|t| t.screen().drill_columns(kind).is_some())
    }

    pub fn title(self, words: Words) -> &'static str {
        self.screen().title(words)
    }

    /// The keys this tab adds to the common ones, for the footer (`Enter runs · P pause`).
    pub fn keys(self) -> String {
        let s = self.screen();
        s.enter()
            .map(|e| format!("Enter {e}"))
            .into_iter()
            .chain(s.keys().iter().map(|k| format!("{} {}", k.key, k.label)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// Everything the tab needs refreshed while it is shown.
    pub fn kinds(self) -> &'static [QueryKind] {
        self.screen().reads()
    }
}

pub use crate::capabilities::Words;

/// Where `--open TAB[:OBJECT]` starts the console: a tab (by any name the palette takes), and
/// a row there (a job's id, a relation's name as the tab writes it) to select and open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAt {
    pub tab: Tab,
    pub object: Option<String>,
}

impl std::fmt::Display for OpenAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tab.screen().name())?;
        match &self.object {
            Some(o) => write!(f, ":{o}"),
            None => Ok(()),
        }
    }
}

impl OpenAt {
    /// Where a problem is explained: the tab and row Enter on it jumps to (`check` names it, an
    /// alert's annotation runs it).
    /// A fold (thirty jobs alike) is its tab alone: its first member's row would name one.
    pub fn problem(p: &crate::problems::Problem) -> OpenAt {
        let tab = Tab::explaining(p.kind);
        let object = row_id::subject(&p.subject);
        let one = p.fold_id().is_none() && p.subject.count() <= 1;
        OpenAt {
            tab,
            object: (tab != Tab::HOME && one && !object.is_empty()).then_some(object),
        }
    }

    /// As a shell reads it back: `--open jobs:1004` as it is, a name with anything but
    /// letters, digits and `_ . : -` single-quoted (a quote in it escaped).
    pub fn shell_word(&self) -> String {
        let text = self.to_string();
        let plain = |c: char| c.is_ascii_alphanumeric() || "_.:-".contains(c);
        match text.chars().all(plain) {
            true => text,
            false => format!("'{}'", text.replace('\'', "'\\''")),
        }
    }
}

impl std::str::FromStr for OpenAt {
    type Err = String;

    fn from_str(text: &str) -> Result<OpenAt, String> {
        let (name, object) = match text.split_once(':') {
            Some((name, object)) => (name, Some(object.trim())),
            None => (text, None),
        };
        let tab = Tab::named(name.trim()).ok_or_else(|| {
            format!(
                "no tab named {:?}: one of {}",
                crate::format::printable(name),
                SCREENS
                    .iter()
                    .map(|s| s.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
        match object {
            Some("") => Err(format!(
                "nothing after \"{}:\": a job id or a name",
                name.trim()
            )),
            Some(o) => Ok(OpenAt {
                tab,
                object: Some(o.to_string()),
            }),
            None => Ok(OpenAt { tab, object: None }),
        }
    }
}

/// The tab of that name (`jobs`), or the home tab when none has it.
pub fn tab(name: &str) -> Tab {
    Tab::named(name).unwrap_or(Tab::HOME)
}

/// The keys of every tab that has some, for the help: (`P X`, `on Jobs: …; …`).
pub fn screen_keys_help() -> Vec<(String, String)> {
    Tab::all()
        .filter(|t| !t.screen().keys().is_empty())
        .map(|t| {
            let keys = t.screen().keys();
            (
                keys.iter()
                    .map(|k| k.key.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                format!(
                    "on {}: {}",
                    t.title(Words::TIMESCALEDB),
                    keys.iter().map(|k| k.help).collect::<Vec<_>>().join("; ")
                ),
            )
        })
        .collect()
}

/// What Enter on a row opens.
#[derive(Debug, Clone, PartialEq)]
pub enum Open {
    /// A drill-down table: its query, target, title (None: made when it opens, see
    /// [`drill_title`]), and a filter to start with (`overdue`).
    Drill(QueryKind, DrillTarget, Option<String>, Option<&'static str>),
    /// The row on another tab that explains a problem; `true` opens that row in turn (its
    /// chunks, its history: the evidence).
    Jump(Tab, String, bool),
    /// Another tab's table filtered by this text: a folded problem's jobs, by their error.
    Filter(Tab, String),
    /// The palette with this command in it (an advice's action), to preview or edit.
    Palette(String),
    /// A folded problem's members, one by one.
    Members(crate::problems::FoldId),
}

/// A drill-down's title made from its query and target when it opens: made for every row, a
/// long table held titles no one had opened.
pub fn drill_title(kind: QueryKind, target: &DrillTarget) -> String {
    let what = match target {
        DrillTarget::Relation { schema, name } => format::qualified(schema, name),
        DrillTarget::Job(id) => format!("job {id}"),
        DrillTarget::Statement { text, .. } => format::one_line(text),
    };
    match kind {
        QueryKind::Chunks => format!("Chunks of {what}"),
        QueryKind::IndexChunks => format!("Chunk indexes of {what}"),
        QueryKind::JobRuns => format!("History of {what}"),
        QueryKind::Plan => format!("Generic plan of {what}"),
        QueryKind::Summary
        | QueryKind::Catalog
        | QueryKind::Jobs
        | QueryKind::Caggs
        | QueryKind::Activity
        | QueryKind::Statements => what,
    }
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

    pub fn session(pid: i32) -> String {
        pid.to_string()
    }

    /// The row that shows a problem's subject.
    pub fn subject(s: &crate::problems::Subject) -> String {
        use crate::problems::Subject;
        match s {
            Subject::Server | Subject::Setting(_) => String::new(),
            // a fold of jobs: where its first is
            Subject::Jobs { ids, .. } => ids.first().map(|&id| job(id)).unwrap_or_default(),
            Subject::Job(id) => job(*id),
            // where to act: the session holding the lock
            Subject::Session(pid) | Subject::LockWait { holder: pid, .. } => session(*pid),
            Subject::Relation { schema, name } => relation(schema, name),
            // a fold of relations: its first, by name
            Subject::Relations { names, .. } => {
                names.first().map(|n| n.to_string()).unwrap_or_default()
            }
        }
    }
}

/// What rows are made with: the clock, the time zone choice, the limits that colour values,
/// and the refresh interval (the overview says it).
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub utc: bool,
    pub limits: Thresholds,
    pub refresh_every: std::time::Duration,
    /// A line for the overview's panel (the demo's address).
    pub note: Option<(&'static str, &'static str)>,
}

impl Ctx {
    pub fn new(utc: bool, limits: Thresholds) -> Ctx {
        Ctx {
            now: Utc::now(),
            utc,
            limits,
            refresh_every: std::time::Duration::from_secs(2),
            note: None,
        }
    }
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
pub fn caption<D: Clone>(title: &str, table: &Grid<D>) -> String {
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

/// Why a drill-down has no rows, and where to look instead: every Enter leads somewhere.
pub fn empty_drill(kind: QueryKind, subject: &crate::model::DrillTarget, data: &Dataset) -> String {
    use crate::model::DrillTarget;
    match (kind, subject) {
        (QueryKind::JobRuns, DrillTarget::Job(id)) => {
            let job = data.jobs.rows().iter().find(|j| j.job_id == *id);
            let history = data
                .caps
                .as_ref()
                .and_then(|c| c.timescaledb.as_ref())
                .is_some_and(|t| t.job_history);
            let down = data
                .summary
                .value()
                .and_then(crate::problems::scheduler_down_reason);
            match (down, job) {
                (Some(why), _) => format!(
                    "No run of job {id} is recorded: the TimescaleDB scheduler is not running ({why}). Its jobs run once it does; the overview says more, and `{}` runs it now in your session.",
                    Command::Jobs(family::Jobs::RunJob { job_id: *id })
                ),
                (None, _) if !history => format!(
                    "This TimescaleDB keeps no history of job runs (2.15 brought it): the Jobs tab shows job {id}'s last run, failures and last error."
                ),
                (None, Some(j)) if j.total_runs == 0 => format!(
                    "Job {id} has not run yet{}: the Jobs tab shows it.",
                    j.next_start
                        .map(|t| format!(" (its next start: {})", crate::format::timestamp(t, true)))
                        .unwrap_or_default()
                ),
                _ => format!(
                    "No run of job {id} is in the history TimescaleDB keeps (it deletes old runs): the Jobs tab shows its totals and last error."
                ),
            }
        }
        (QueryKind::Chunks, DrillTarget::Relation { schema, name }) => format!(
            "{} has no chunks: it holds no data yet (the Hypertables tab counts its rows and size).",
            crate::format::qualified(schema, name)
        ),
        (QueryKind::IndexChunks, DrillTarget::Relation { schema, name }) => format!(
            "No chunk has a copy of {} yet: chunks made from now on will (the Indexes tab).",
            crate::format::qualified(schema, name)
        ),
        // A drill-down on another kind of subject, or a kind that is no drill-down.
        (
            QueryKind::JobRuns
            | QueryKind::Chunks
            | QueryKind::IndexChunks
            | QueryKind::Plan
            | QueryKind::Summary
            | QueryKind::Catalog
            | QueryKind::Jobs
            | QueryKind::Caggs
            | QueryKind::Activity
            | QueryKind::Statements,
            _,
        ) => "Nothing here.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::{Problem, Severity, Subject};

    /// Titles made when a drill-down opens say what its rows held them to say.
    #[test]
    fn drill_titles_name_their_target_quoted() {
        let index = crate::model::DrillTarget::Relation {
            schema: "Ops \"Team\"".into(),
            name: "idx é".into(),
        };
        assert_eq!(
            drill_title(QueryKind::IndexChunks, &index),
            "Chunk indexes of \"Ops \"\"Team\"\"\".\"idx é\""
        );
        let statement = crate::model::DrillTarget::Statement {
            queryid: 1,
            userid: 10,
            text: "SELECT 1\n  FROM t".into(),
        };
        assert_eq!(
            drill_title(QueryKind::Plan, &statement),
            "Generic plan of SELECT 1 FROM t"
        );
    }

    #[test]
    fn every_problem_kind_jumps_to_a_tab_that_explains_it() {
        use ProblemKind as K;
        for &kind in K::ALL {
            let tab = Tab::explaining(kind);
            assert_ne!(tab, Tab::HOME, "{kind}");
            assert!(tab.screen().explains(kind));
        }
        let problem = Problem {
            severity: Severity::Warning,
            kind: K::CaggLag,
            object: "telemetry.hourly".into(),
            message: "…".into(),
            chain: vec![],
            root: None,
            subject: Subject::Relation {
                schema: "telemetry".into(),
                name: "hourly".into(),
            },
            magnitude: 0.0,
            action: None,
            starved: false,
        };
        let advice = Problem {
            severity: Severity::Advice,
            kind: K::SmallChunks,
            action: Some("set-chunk-interval telemetry.hourly 7d".into()),
            starved: false,
            ..problem.clone()
        };
        let rows: Vec<_> = overview::rows(&[problem, advice]).collect();
        assert_eq!(
            rows[0].open,
            Some(Open::Jump(tab("caggs"), "telemetry.hourly".into(), true))
        );
        // Enter on an advice puts its command in the palette, and its detail says so
        assert_eq!(
            rows[1].open,
            Some(Open::Palette(
                "set-chunk-interval telemetry.hourly 7d".into()
            ))
        );
        assert!(rows[1]
            .detail
            .as_deref()
            .is_some_and(|d| d.ends_with("Enter: set-chunk-interval telemetry.hourly 7d")));
    }

    #[test]
    fn the_problem_list_says_it_is_partial_until_every_screen_it_ranks_is_read() {
        let ctx = Ctx::new(true, Thresholds::default());
        let mut data = Dataset::default();
        let heading = |d: &Dataset| overview::Overview.heading(d, &ctx).unwrap();
        assert_eq!(heading(&data), "partial: 5 of 5 reads pending");
        let at = Utc::now();
        let took = std::time::Duration::ZERO;
        data.apply(QueryKind::Jobs, Ok(Payload::Jobs(vec![])), at, took);
        data.apply(
            QueryKind::Caggs,
            Err(crate::model::ReadError::Timeout { seconds: 1 }),
            at,
            took,
        );
        assert_eq!(heading(&data), "partial: 3 of 5 reads pending");
        for kind in [QueryKind::Summary, QueryKind::Catalog] {
            data.apply(kind, Ok(Payload::Unavailable("no".into())), at, took);
        }
        assert_eq!(heading(&data), "partial: 1 of 5 reads pending");
        data.apply(QueryKind::Activity, Ok(Payload::Activity(vec![])), at, took);
        assert_eq!(heading(&data), "Enter shows the row");
    }

    #[test]
    fn an_empty_drill_down_says_why_and_where_to_look() {
        use crate::model::{fixtures, DrillTarget};
        let mut data = Dataset::default();
        let at = Utc::now();
        let took = std::time::Duration::ZERO;
        let mut down = fixtures::summary();
        down.scheduler_running = false;
        data.apply(QueryKind::Summary, Ok(Payload::Summary(down)), at, took);
        let job = DrillTarget::Job(1004);
        let why = empty_drill(QueryKind::JobRuns, &job, &data);
        assert!(
            why.contains("scheduler") && why.contains("run-job 1004"),
            "{why}"
        );
        let mut up = fixtures::summary();
        up.scheduler_running = true;
        data.apply(QueryKind::Summary, Ok(Payload::Summary(up)), at, took);
        let mut never = fixtures::job(1004, "policy_refresh_continuous_aggregate", None, 0, true);
        never.total_runs = 0;
        data.apply(QueryKind::Jobs, Ok(Payload::Jobs(vec![never])), at, took);
        data.caps = Some(fixtures::caps());
        let why = empty_drill(QueryKind::JobRuns, &job, &data);
        assert!(why.contains("has not run yet"), "{why}");
        let chunks = DrillTarget::Relation {
            schema: "plant".into(),
            name: "empty".into(),
        };
        assert!(empty_drill(QueryKind::Chunks, &chunks, &data).contains("has no chunks"));
    }

    #[test]
    fn tabs_are_found_by_name_title_and_number_and_derive_their_keys() {
        assert_eq!(Tab::count(), SCREENS.len());
        // the README's keys name every tab
        let readme = include_str!("../../README.md");
        for keys in [
            format!("`1`–`{}`", Tab::count()),
            format!("(`:1`–`:{}`)", Tab::count()),
        ] {
            assert!(readme.contains(&keys), "README: {keys}");
        }
        assert_eq!(Tab::named("5"), Some(tab("indexes")));
        assert_eq!(Tab::named("Matviews"), Some(tab("caggs")));
        assert_eq!(Tab::named("partitions"), Some(tab("retention")));
        assert_eq!(Tab::named("0"), None);
        assert_eq!(Tab::named(&(SCREENS.len() + 1).to_string()), None);
        assert_eq!(tab("jobs").keys(), "Enter history · P pause · X run");
        assert_eq!(tab("retention").keys(), "Enter what drops");
        assert_eq!(tab("hypertables").keys(), "Enter chunks");
        for kind in [
            QueryKind::Chunks,
            QueryKind::IndexChunks,
            QueryKind::JobRuns,
            QueryKind::Plan,
        ] {
            assert!(Tab::drilling(kind).is_some(), "{kind:?}");
        }
        let names: Vec<&str> = SCREENS.iter().map(|s| s.name()).collect();
        let mut unique = names.clone();
        unique.dedup();
        assert_eq!(names, unique, "screen names are palette words: unique");
    }
}
