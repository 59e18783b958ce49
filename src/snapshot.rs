//! `hypertop snapshot`: every screen read once (the store's [`Dataset::read_all`]), as one JSON
//! object (a stable schema, see docs/headless.md) or as the screens' text tables. `hypertop check`
//! evaluates the same data.

use std::collections::BTreeMap;

use tokio_postgres::Client;

use crate::capabilities::Capabilities;
use crate::grid::Column;
use crate::model::activity::Backend;
use crate::model::caggs::{Cagg, MatView};
use crate::model::compression::Compression;
use crate::model::hypertables::Hypertable;
use crate::model::indexes::Index;
use crate::model::jobs::Job;
use crate::model::retention::{PartitionedTable, Retention};
use crate::model::statement_stats::Statements;
use crate::model::Summary;
use crate::problems::{self, Thresholds};
use crate::queries;
use crate::screens::{Ctx, Tab, TableRow};
use crate::store::{Dataset, Section, Standing};

/// A screen's table for text output: its columns and rows.
pub type TextTable = (Vec<Column>, Vec<TableRow>);

/// Everything read once, with the problems found in it and the limits they were judged by.
#[derive(Debug)]
pub struct Snapshot {
    pub data: Dataset,
    pub limits: Thresholds,
}

/// Reads every screen once, the catalog pass's measuring shared with `helper` when given.
pub async fn collect(
    client: &Client,
    helper: Option<&Client>,
    caps: &Capabilities,
    limits: &Thresholds,
) -> Snapshot {
    Snapshot {
        data: Dataset::read_all(client, helper, caps, limits).await,
        limits: *limits,
    }
}

/// From about this many relations a one-shot read opens a second session that shares the
/// reading and measures half of the files: listing and stat'ing the files of a large catalog
/// took two sessions at once much less time than one alone, where a second connection costs
/// the server little.
pub const TWO_SESSIONS_FROM: i64 = 10_000;

/// A second session for a one-shot read of a large catalog ([`TWO_SESSIONS_FROM`]) whose role
/// may stat files ([`second_session`]): otherwise the read stays on one.
pub async fn helper(
    main: &Client,
    connector: &crate::connect::Connector,
    caps: &Capabilities,
) -> Option<crate::connect::Session> {
    if caps.relations_estimate < TWO_SESSIONS_FROM || !caps.may_stat_files {
        return None;
    }
    second_session(main, connector).await
}

/// A session beside `main`, when one can be opened on the same server and database within
/// [`SECOND_SESSION_WAIT`] and the server keeps room for others ([`Room::leaves_room`]).
pub async fn second_session(
    main: &Client,
    connector: &crate::connect::Connector,
) -> Option<crate::connect::Session> {
    let ours = main.query_one(queries::SECOND_SESSION, &[]).await.ok()?;
    let room = Room {
        max: ours.try_get("max_connections").ok()?,
        free: ours.try_get("free_slots").ok()?,
        role: ours.try_get("role_slots").ok()?,
        database: ours.try_get("database_slots").ok()?,
    };
    if !room.leaves_room() {
        return None;
    }
    let second = async {
        let session = connector.connect().await.ok()?;
        let theirs = session
            .client
            .query_one(queries::SECOND_SESSION, &[])
            .await
            .ok()?;
        Some((session, theirs))
    };
    let (session, theirs) = tokio::time::timeout(SECOND_SESSION_WAIT, second)
        .await
        .ok()??;
    type Place = (Option<chrono::DateTime<chrono::Utc>>, String);
    let place = |r: &tokio_postgres::Row| -> Option<Place> {
        Some((r.try_get("started").ok()?, r.try_get("database").ok()?))
    };
    let same = place(&ours).is_some_and(|p| place(&theirs) == Some(p));
    same.then_some(session)
}

/// The connection slots a server has left (`queries/second_session.sql`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Room {
    pub max: i32,
    /// Unused of `max`, after the reserved ones.
    pub free: i32,
    /// What the login role's and the database's CONNECTION LIMIT leave, where one applies.
    pub role: Option<i32>,
    pub database: Option<i32>,
}

impl Room {
    /// Whether a second session leaves room for others (pure): a tenth of the server's
    /// connections, and at least three, stay free, and at least one of the role's and the
    /// database's limits (another tool of the same role, an exporter reconnecting).
    pub fn leaves_room(self) -> bool {
        let limited_room = |left: Option<i32>| left.is_none_or(|n| n > 1);
        self.free > (self.max / 10).max(3) && limited_room(self.role) && limited_room(self.database)
    }
}

/// How long a one-shot read waits for its second session (a pooler with no free connection
/// would hold it for minutes) before reading on one.
pub const SECOND_SESSION_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// `snapshot` and `check` on one target: [`collect`] with a [`helper`] unless `one_session`.
pub async fn collect_once(
    session: &crate::connect::Session,
    connector: &crate::connect::Connector,
    caps: &Capabilities,
    limits: &Thresholds,
    one_session: bool,
    keep: Option<&KeepIn>,
) -> Snapshot {
    let helper = match one_session {
        true => None,
        false => helper(&session.client, connector, caps).await,
    };
    collect_keeping(
        &session.client,
        helper.as_ref().map(|h| &h.client),
        caps,
        limits,
        keep,
    )
    .await
}

pub use crate::store::keeping::KeepIn;

/// Reads every screen once, starting from what the last read kept in `keep` (checked as a
/// refresh checks its own: only what moved is measured, the structure read only when it
/// changed) and keeping what changed for the next.
pub async fn collect_keeping(
    client: &Client,
    helper: Option<&Client>,
    caps: &Capabilities,
    limits: &Thresholds,
    keep: Option<&KeepIn>,
) -> Snapshot {
    use crate::store::keeping::Keeping;
    let Some(keep) = keep else {
        return collect(client, helper, caps, limits).await;
    };
    let said = |why: &str| eprintln!("hypertop: {}", crate::format::printable(why));
    // one connection to the recording or the team's store for the read (a read that cannot
    // open it reads cold)
    let mut place = match keep.open(caps, said).await {
        Ok(p) => Some(p),
        Err(e) => {
            said(&format!("nothing is kept from this read, nor taken: {e}"));
            None
        }
    };
    let mut keeping = match &place {
        Some(_) => Keeping::identify(client, None).await,
        None => None,
    };
    // nothing to keep for: a read that keeps nothing
    let mut kept = crate::store::Kept::one_shot(keeping.is_some());
    if let (Some(place), Some(keeping)) = (&mut place, &mut keeping) {
        if let Err(e) = keeping.take(place, &mut kept).await {
            said(&format!("what the last read kept is not used: {e}"));
        }
    }
    let data = Dataset::read_all_keeping(client, helper, caps, limits, &mut kept).await;
    if let (Some(place), Some(keeping)) = (&mut place, &mut keeping) {
        // a read that cannot keep is a read all the same: the next reads everything
        if let Err(e) = keeping.save(place, &kept).await {
            said(&format!("nothing is kept for the next read: {e}"));
        }
    }
    Snapshot {
        data,
        limits: *limits,
    }
}

/// The JSON document's sections, each with the dataset it writes (the table's `document`).
fn sections() -> impl Iterator<Item = (&'static str, Section)> {
    Section::ALL
        .iter()
        .filter_map(|&s| s.row().document.map(|name| (name, s)))
}

/// Why a section is not shown: it cannot be read here, or its read failed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unshown<'a> {
    Unavailable(&'a str),
    Failed(&'a crate::model::ReadError),
}

impl std::fmt::Display for Unshown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unshown::Unavailable(why) => f.write_str(why),
            Unshown::Failed(e) => e.fmt(f),
        }
    }
}

/// Why a section with `status` is not shown, when it is not.
fn unshown(status: Standing<'_>) -> Option<Unshown<'_>> {
    match status {
        Standing::Unavailable(why) => Some(Unshown::Unavailable(why)),
        Standing::Failed(e, _) => Some(Unshown::Failed(e)),
        Standing::Loading | Standing::Ready => None,
    }
}

impl Snapshot {
    /// Adds the Statements screen (what pg_stat_statements counted for this database), its
    /// texts only `with_texts`: a text can hold what a user typed (a password in CREATE ROLE).
    pub async fn read_statements(
        &mut self,
        client: &Client,
        caps: &Capabilities,
        with_texts: bool,
    ) {
        let kind = crate::model::QueryKind::Statements;
        let started = std::time::Instant::now();
        let result = match crate::model::unavailable(kind, caps) {
            Some(why) => Ok(crate::model::Payload::Unavailable(why)),
            None => crate::model::fetch(kind, None, client, caps)
                .await
                .map_err(crate::model::ReadError::from),
        };
        let result = result.map(|payload| match payload {
            crate::model::Payload::Statements(mut s) if !with_texts => {
                for row in &mut s.rows {
                    row.text = None;
                }
                crate::model::Payload::Statements(s)
            }
            other => other,
        });
        self.data
            .apply(kind, result, chrono::Utc::now(), started.elapsed());
    }

    pub fn problems(&self) -> &[problems::Problem] {
        &self.data.problems
    }

    /// Sections that could not be read, and why.
    pub fn unavailable(&self) -> BTreeMap<&'static str, String> {
        let d = &self.data;
        sections()
            .filter_map(|(name, section)| {
                let status = d.status(section);
                let why = match (name, status) {
                    // Plain PostgreSQL's stand-ins are sections of their own.
                    ("retention", _) if d.partitions.value().is_some() => {
                        "TimescaleDB is not installed: see `partitions`".to_string()
                    }
                    ("caggs", _) if d.matviews.value().is_some() => {
                        "TimescaleDB is not installed: see `materialized_views`".to_string()
                    }
                    (_, Standing::Unavailable(why)) => why.to_string(),
                    (_, Standing::Failed(e, _)) => e.to_string(),
                    (_, Standing::Loading | Standing::Ready) => return None,
                };
                Some((name, why))
            })
            .collect()
    }

    /// The JSON document, borrowing the data: written as it is serialized, with no tree of
    /// values in between (at 50,000 chunks the document is tens of MB).
    pub fn document(&self) -> Document<'_> {
        let d = &self.data;
        Document {
            server: Server {
                summary: d.summary.value(),
                database_bytes: d.database_bytes.value().copied(),
                capabilities: d.caps.as_ref(),
                unavailable: self.unavailable(),
            },
            problems: &d.problems,
            hypertables: d.hypertables.value(),
            compression: d.compression.value(),
            retention: d.retention.value(),
            indexes: d.indexes.value(),
            jobs: d.jobs.value().map(|jobs| {
                jobs.iter()
                    .map(|job| JobEntry {
                        target: job.target(),
                        job,
                    })
                    .collect()
            }),
            caggs: d.caggs.value().map(|caggs| {
                caggs
                    .iter()
                    .map(|cagg| CaggEntry {
                        source: cagg.source(),
                        parent: cagg.parent.as_ref().map(|(s, n)| format!("{s}.{n}")),
                        cagg,
                    })
                    .collect()
            }),
            activity: d.activity.value(),
            statements: d.statements.value(),
            partitions: d.partitions.value(),
            materialized_views: d.matviews.value(),
        }
    }

    /// [`document`](Self::document) as a tree of values.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.document()).unwrap_or_default()
    }

    /// Each screen's table as the console builds it (the same limits colour the same values),
    /// or why it could not be read.
    pub fn tables(&self, ctx: &Ctx) -> Vec<(&'static str, Result<TextTable, Unshown<'_>>)> {
        let d = &self.data;
        Tab::all()
            .map(Tab::screen)
            .filter(|s| s.in_text_snapshot(d))
            .map(|screen| {
                let table = match unshown(screen.status(d)) {
                    Some(why) => Err(why),
                    None => Ok((screen.columns(d), screen.rows(d, ctx).collect())),
                };
                (screen.name(), table)
            })
            .collect()
    }

    /// Each screen as a text table `width` columns wide (the console's columns, dropped by
    /// priority as on a narrow terminal), then the problems.
    pub fn to_text(&self, utc: bool, width: u16) -> String {
        let d = &self.data;
        let ctx = Ctx::new(utc, self.limits);
        let mut out = String::new();
        if let Some(s) = d.summary.value() {
            let line = format!(
                "{} · TimescaleDB {} · database {} · connections {}/{} · scheduler {}",
                s.version.split(" on ").next().unwrap_or(&s.version),
                s.timescaledb_version.as_deref().unwrap_or("not installed"),
                d.database_bytes
                    .value()
                    .map_or_else(|| "unknown".into(), |&b| crate::format::bytes(b)),
                s.connections,
                s.max_connections,
                if s.scheduler_running {
                    "running"
                } else {
                    "not running"
                }
            );
            out.push_str("== server\n");
            out.push_str(crate::grid::fit(&line, width, crate::grid::Align::Left).trim_end());
            out.push_str("\n\n");
        } else if let Some(e) = unshown(d.summary.status()) {
            let e = crate::format::printable(&e.to_string());
            out.push_str(&format!("== server\nunavailable: {e}\n\n"));
        }
        for tab in Tab::all().filter(|t| t.screen().in_text_snapshot(d)) {
            let screen = tab.screen();
            out.push_str(&format!("== {}\n", screen.name()));
            match unshown(screen.status(d)) {
                Some(e) => {
                    let e = crate::format::printable(&e.to_string());
                    out.push_str(&word_wrapped(&format!("unavailable: {e}"), width));
                    out.push('\n');
                }
                None => {
                    out.push_str(&text_table(
                        screen.columns(d),
                        screen.rows(d, &ctx).collect(),
                        width,
                    ));
                    out.push('\n');
                }
            }
        }
        out.push_str("== problems\n");
        if d.problems.is_empty() {
            out.push_str("none\n");
        }
        for p in &d.problems {
            let severity = match p.severity {
                problems::Severity::Critical => "CRITICAL",
                problems::Severity::Warning => "WARNING",
                problems::Severity::Advice => "ADVICE",
            };
            let line = crate::format::printable(&format!(
                "{severity:<8} {:<19} {} — {}",
                p.kind, p.object, p.message
            ));
            out.push_str(crate::grid::fit(&line, width, crate::grid::Align::Left).trim_end());
            out.push('\n');
        }
        out
    }
}

fn text_table(columns: Vec<Column>, mut rows: Vec<TableRow>, width: u16) -> String {
    // Names come from the database: escaped, not sent to the terminal raw — before the
    // layout, so that columns are as wide as what is printed.
    for cell in rows.iter_mut().flat_map(|r| r.cells.iter_mut()) {
        cell.text = crate::format::printable(&cell.text);
    }
    let mut grid: crate::screens::Table = crate::grid::Grid::new(columns, None);
    grid.set_rows(rows);
    let layout = grid.layout(width.min(grid.natural_width()));
    let line = |cells: Vec<String>| -> String { cells.join(" ").trim_end().to_string() + "\n" };
    let mut out = line(
        layout
            .iter()
            .map(|&(c, w)| crate::grid::pad(grid.columns[c].title, w, grid.columns[c].align))
            .collect(),
    );
    if grid.is_empty() {
        out.push_str("(none)\n");
    }
    for r in grid.visible() {
        out.push_str(&line(
            layout
                .iter()
                .map(|&(c, w)| {
                    crate::grid::pad(r.cell(c).map_or("", |x| x.text), w, grid.columns[c].align)
                })
                .collect(),
        ));
    }
    out
}

/// `text` in lines of at most `width` characters, broken between words (a word longer than a
/// line stays whole), each line ended.
fn word_wrapped(text: &str, width: u16) -> String {
    let width = usize::from(width.max(20));
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// The JSON document `snapshot` writes: the schema docs/headless.md documents is this type. A
/// section that could not be read is `null` (`server.unavailable` says why).
#[derive(serde::Serialize)]
pub struct Document<'a> {
    pub server: Server<'a>,
    pub problems: &'a [problems::Problem],
    pub hypertables: Option<&'a Vec<Hypertable>>,
    pub compression: Option<&'a Vec<Compression>>,
    pub retention: Option<&'a Vec<Retention>>,
    pub indexes: Option<&'a Vec<Index>>,
    pub jobs: Option<Vec<JobEntry<'a>>>,
    pub caggs: Option<Vec<CaggEntry<'a>>>,
    pub activity: Option<&'a Vec<Backend>>,
    /// What pg_stat_statements counted for this database (`snapshot` only; texts with
    /// `--statement-texts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statements: Option<&'a Statements>,
    /// Plain PostgreSQL's stand-in for retention.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<&'a Vec<PartitionedTable>>,
    /// Plain PostgreSQL's stand-in for continuous aggregates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub materialized_views: Option<&'a Vec<MatView>>,
}

/// The server's facts, with what the catalog pass read and the sections that could not be read.
#[derive(serde::Serialize)]
pub struct Server<'a> {
    #[serde(flatten)]
    pub summary: Option<&'a Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_bytes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<&'a Capabilities>,
    pub unavailable: BTreeMap<&'static str, String>,
}

/// A job with its target as `schema.name`.
#[derive(serde::Serialize)]
pub struct JobEntry<'a> {
    #[serde(flatten)]
    pub job: &'a Job,
    pub target: Option<String>,
}

/// A continuous aggregate with its source and parent as `schema.name`.
#[derive(serde::Serialize)]
pub struct CaggEntry<'a> {
    #[serde(flatten)]
    pub cagg: &'a Cagg,
    pub source: String,
    pub parent: Option<String>,
}

/// Nagios-style result of `hypertop check`: exit code and the one line with perfdata.
pub fn check(snap: &Snapshot, limits: &Thresholds) -> (u8, String) {
    use problems::Severity;
    let d = &snap.data;
    let problems = &d.problems;
    let count = |s: Severity| problems::count(problems.iter().filter(|p| p.severity == s));
    let (crit, warn, advice) = (
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Advice),
    );
    let unreadable = snap.unavailable();
    let ts = d.caps.as_ref().is_some_and(|c| c.timescaledb.is_some());
    let real_unreadable: Vec<_> = unreadable
        .iter()
        .filter(|(name, _)| {
            ts || !sections().any(|(n, section)| n == **name && section.needs_timescaledb())
        })
        .collect();
    let max_lag = d
        .caggs
        .rows()
        .iter()
        .filter_map(|c| c.lag_seconds)
        .fold(0.0, f64::max);
    let backlog: i64 = d
        .compression
        .rows()
        .iter()
        .filter_map(|c| c.backlog_chunks)
        .sum();
    let overdue: i64 = d
        .retention
        .rows()
        .iter()
        .filter_map(|r| r.overdue_chunks)
        .sum();
    let failing = d
        .jobs
        .rows()
        .iter()
        .filter(|j| j.consecutive_failures > 0)
        .count();
    let invalid = d.indexes.rows().iter().filter(|i| !i.valid).count();
    let perf = format!(
        "critical={crit} warning={warn} advice={advice} max_cagg_lag={max_lag:.0}s;{} backlog_chunks={backlog};{} retention_overdue_chunks={overdue} failing_jobs={failing} invalid_indexes={invalid}",
        limits.max_cagg_lag.as_secs(),
        limits.max_backlog_chunks
    );
    // Advice is no reason to fail: a check is about what is broken.
    let (code, label) = if !real_unreadable.is_empty() && crit + warn == 0 {
        (3, "UNKNOWN")
    } else if crit > 0 {
        (2, "CRITICAL")
    } else if warn > 0 {
        (1, "WARNING")
    } else {
        (0, "OK")
    };
    let mut summary = worst_first(
        problems
            .iter()
            .filter(|p| p.severity != Severity::Advice)
            .map(|p| {
                (
                    p.severity,
                    format!(
                        "{} {}: {} [--open {}]",
                        p.kind,
                        p.object,
                        p.message,
                        crate::screens::OpenAt::problem(p).shell_word()
                    ),
                )
            }),
    );
    if summary.is_empty() {
        summary.push("no problems".into());
    }
    for (section, why) in &real_unreadable {
        summary.push(format!("{section} unreadable: {why}"));
    }
    (
        code,
        format!("HYPERTOP {label} - {} | {perf}", summary.join("; ")),
    )
}

/// The first three problems for `check`'s one line, every critical one before any warning (in
/// rank order within each), then how many more there are (pure).
fn worst_first(problems: impl Iterator<Item = (problems::Severity, String)>) -> Vec<String> {
    let mut all: Vec<_> = problems.collect();
    all.sort_by_key(|(severity, _)| *severity != problems::Severity::Critical);
    let more = all.len().saturating_sub(3);
    let mut out: Vec<String> = all.into_iter().take(3).map(|(_, text)| text).collect();
    if more > 0 {
        out.push(format!("and {more} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_message_wraps_between_words_within_the_width() {
        let text = "unavailable: pg_stat_statements is not created here: CREATE EXTENSION pg_stat_statements in database x";
        let w = word_wrapped(text, 40);
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        assert_eq!(
            w.split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
        assert!(w.ends_with('\n'));
    }
    use crate::grid::Tone;

    /// A second session leaves a tenth of the connections, and at least three, to others.
    #[test]
    fn a_second_session_leaves_room_for_others() {
        let room = |max, free| Room {
            max,
            free,
            role: None,
            database: None,
        };
        assert!(room(100, 95).leaves_room());
        assert!(room(100, 11).leaves_room());
        assert!(!room(100, 10).leaves_room(), "the last tenth is others'");
        assert!(room(10, 4).leaves_room());
        assert!(!room(10, 3).leaves_room(), "at least three stay free");
        assert!(!room(5, 0).leaves_room());
        assert!(
            !room(0, -2).leaves_room(),
            "more connected than allowed (superusers)"
        );
        let limited = |role, database| Room {
            role,
            database,
            ..room(100, 95)
        };
        assert!(limited(Some(2), None).leaves_room());
        assert!(
            !limited(Some(1), None).leaves_room(),
            "the role's last slot"
        );
        assert!(
            !limited(None, Some(0)).leaves_room(),
            "the database is full"
        );
        assert!(!limited(Some(5), Some(1)).leaves_room());
    }

    /// Advice alone leaves `check` OK and is counted in its perfdata.
    #[test]
    fn advice_alone_does_not_fail_check() {
        let mut data = Dataset::new(Some(fixtures::caps()));
        let mut bare = fixtures::compression("readings", 0);
        bare.job_id = None;
        let at = fixtures::t("2026-11-21T12:30:00Z");
        data.compression.set(vec![bare], at, Duration::ZERO);
        let limits = Thresholds::default();
        data.update_problems(&limits, at);
        assert_eq!(data.problems.len(), 1, "{:?}", data.problems);
        let (code, line) = check(&Snapshot { data, limits }, &limits);
        assert_eq!(code, 0, "{line}");
        assert!(line.starts_with("HYPERTOP OK - no problems"), "{line}");
        assert!(line.contains("warning=0 advice=1"), "{line}");
    }

    #[test]
    fn check_names_every_critical_problem_before_any_warning() {
        use problems::Severity::{Critical, Warning};
        let listed = [
            (Critical, "a"),
            (Warning, "b"),
            (Warning, "c"),
            (Critical, "d"),
            (Warning, "e"),
        ];
        let out = worst_first(listed.iter().map(|(s, t)| (*s, t.to_string())));
        assert_eq!(out, ["a", "d", "b", "and 2 more"]);
        assert!(worst_first(std::iter::empty()).is_empty());
    }
    use crate::model::fixtures;
    use std::time::Duration;

    fn lag_tone(max_cagg_lag: Duration, with_policy: bool) -> Tone {
        let limits = Thresholds {
            max_cagg_lag,
            ..Thresholds::default()
        };
        let mut data = Dataset::new(Some(fixtures::caps()));
        let mut lagging = fixtures::cagg("readings_hourly", None, "2026-11-21T11:00:00Z", 5400.0);
        if !with_policy {
            lagging.refresh_policy = None;
        }
        data.caggs
            .set(vec![lagging], chrono::Utc::now(), Duration::ZERO);
        let snap = Snapshot { data, limits };
        let tables = snap.tables(&Ctx::new(true, limits));
        let (_, caggs) = tables.iter().find(|(n, _)| *n == "caggs").unwrap();
        let (columns, rows) = caggs.as_ref().unwrap();
        let lag = columns.iter().position(|c| c.title == "Lag").unwrap();
        rows[0].cells[lag].tone
    }

    /// The typed document writes each key once (a flattened row and its extras never both
    /// write `parent`), with the extras as `schema.name`.
    #[test]
    fn the_document_names_each_key_once() {
        let mut data = Dataset::new(Some(fixtures::caps()));
        let now = chrono::Utc::now();
        let child = fixtures::cagg("daily", Some("hourly"), "2026-11-21T11:00:00Z", 60.0);
        data.caggs.set(vec![child], now, Duration::ZERO);
        let job = fixtures::job(7, "policy_retention", Some("metrics"), 0, true);
        data.jobs.set(vec![job], now, Duration::ZERO);
        data.summary.set(fixtures::summary(), now, Duration::ZERO);
        let snap = Snapshot {
            data,
            limits: Thresholds::default(),
        };
        let text = serde_json::to_string(&snap.document()).unwrap();
        for key in [
            "\"parent\"",
            "\"source\"",
            "\"target\"",
            "\"server_version\"",
        ] {
            assert_eq!(text.matches(key).count(), 1, "{key} in {text}");
        }
        let v = snap.to_json();
        let cagg = &v["caggs"][0];
        assert_eq!(
            cagg["parent"],
            format!("{}.hourly", cagg["schema"].as_str().unwrap())
        );
        assert_eq!(
            v["jobs"][0]["target"],
            snap.data.jobs.value().unwrap()[0].target().unwrap()
        );
        assert!(v["server"]["unavailable"].is_object(), "{v}");
        assert!(v["hypertables"].is_null() && v.get("partitions").is_none());
    }

    #[test]
    fn an_escaped_name_is_measured_as_printed_and_not_cut() {
        let name = "public.\"e\x1b[2J\u{202e}x\"";
        let rows = vec![TableRow::new("r", vec![crate::grid::Cell::text(name)])];
        let text = text_table(vec![Column::left("Name", 0, 20)], rows, 200);
        assert!(text.contains(r#"public."e\x1b[2J\u{202e}x""#), "{text}");
        assert!(!text.contains('\x1b') && !text.contains('\u{202e}'));
    }

    #[test]
    fn the_text_tables_judge_lag_by_the_configured_limit() {
        // 1.5 h behind with no policy: within a 2 h limit, over a 1 h one (not a fixed hour).
        assert_eq!(lag_tone(Duration::from_secs(7200), false), Tone::Ok);
        assert_eq!(lag_tone(Duration::from_secs(3600), false), Tone::Warn);
        // With a running policy that allows 2 h 30 m, the policy judges it, not the limit.
        assert_eq!(lag_tone(Duration::from_secs(3600), true), Tone::Ok);
    }
}
