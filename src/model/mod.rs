//! Plain data per screen, read from rows; no I/O beyond the query each `fetch` runs. Derived
//! facts (index categories, lag, kinds) are pure functions next to the rows they describe.
//!
//! This file is the one table of datasets: each [`QueryKind`] (how it is read, in
//! [`fetch_with`]), its [`Payload`], and each [`Section`] it fills (a field of [`Latest`], and
//! how a payload is put there). Every match over them names every case, so the compiler names
//! what a new one still lacks; the store, the poller, `snapshot` and the exporter read the table.

/// A row that shares what it is with the definitions kept between refreshes (an
/// `Arc<Definition>` in `field`) is read through them, `row.name`; writing them gives the row
/// its own copy, leaving the kept one as it was.
macro_rules! reads_through {
    ($row:ty, $field:ident: $definition:ty) => {
        impl std::ops::Deref for $row {
            type Target = $definition;
            fn deref(&self) -> &$definition {
                &self.$field
            }
        }

        impl std::ops::DerefMut for $row {
            fn deref_mut(&mut self) -> &mut $definition {
                std::sync::Arc::make_mut(&mut self.$field)
            }
        }
    };
}

pub mod activity;
pub mod caggs;
pub mod catalog;
pub mod chunk_activity;
pub mod compression;
mod error;
#[doc(hidden)]
pub mod fixtures;
pub mod holes;
pub mod hypertables;
pub mod indexes;
pub mod integer_now;
pub mod jobs;
pub mod kept;
pub mod names;
pub mod plan;
pub mod policies;
pub mod retention;
pub mod rows;
pub mod sizes;
mod state;
pub mod statement_stats;
pub mod statements;
pub mod structure;
pub mod summary;
pub mod tables;
pub mod watch;

use std::time::Duration;

use chrono::{DateTime, Utc};
use strum::{IntoStaticStr, VariantArray};
use tokio_postgres::Client;

use crate::capabilities::Capabilities;

pub use error::ReadError;
pub use rows::Bound;
pub use state::{DataState, Standing};
pub use summary::Summary;

/// Each kind of query the UI polls; one in-flight query per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, VariantArray)]
pub enum QueryKind {
    Summary,
    /// The Hypertables, Compression, Retention and Indexes tabs and the database's size (one
    /// catalog pass, see [`catalog`]).
    Catalog,
    Chunks,
    IndexChunks,
    Jobs,
    JobRuns,
    Caggs,
    /// Sessions and locks.
    Activity,
    /// What pg_stat_statements counted (the Statements tab).
    Statements,
    /// A statement's generic plan (Enter on a statement).
    Plan,
}

/// How a query kind is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindRow {
    /// It can be read without the TimescaleDB extension.
    pub without_timescaledb: bool,
    /// It is read for a selected row (a [`DrillTarget`]) on request, and fills no dataset.
    pub drill_down: bool,
    /// A read of everything (`snapshot`, `check`, the exporter) reads it.
    pub everything: bool,
    /// A read of everything keeps it on the main session: the catalog pass (whose own helper
    /// takes part of it) and the summary (the session's pid, TLS, settings).
    pub main_session: bool,
}

/// A screen's kind that needs TimescaleDB, read with everything on any session.
const POLLED: KindRow = KindRow {
    without_timescaledb: false,
    drill_down: false,
    everything: true,
    main_session: false,
};

/// A drill-down's kind that needs TimescaleDB.
const DRILL: KindRow = KindRow {
    drill_down: true,
    everything: false,
    ..POLLED
};

impl QueryKind {
    pub const ALL: &'static [QueryKind] = <QueryKind as VariantArray>::VARIANTS;

    /// The table's row for this kind.
    pub const fn row(self) -> KindRow {
        let anywhere = true;
        match self {
            QueryKind::Summary => KindRow {
                without_timescaledb: anywhere,
                main_session: true,
                ..POLLED
            },
            QueryKind::Catalog => KindRow {
                without_timescaledb: anywhere,
                main_session: true,
                ..POLLED
            },
            QueryKind::Chunks => DRILL,
            QueryKind::IndexChunks => DRILL,
            QueryKind::Jobs => POLLED,
            QueryKind::JobRuns => DRILL,
            QueryKind::Caggs => KindRow {
                without_timescaledb: anywhere,
                ..POLLED
            },
            QueryKind::Activity => KindRow {
                without_timescaledb: anywhere,
                ..POLLED
            },
            // Its texts can hold what a user typed: `snapshot` reads it when asked.
            QueryKind::Statements => KindRow {
                without_timescaledb: anywhere,
                everything: false,
                ..POLLED
            },
            QueryKind::Plan => KindRow {
                without_timescaledb: anywhere,
                ..DRILL
            },
        }
    }

    /// Whether this kind can be read without the TimescaleDB extension.
    pub fn works_without_timescaledb(self) -> bool {
        self.row().without_timescaledb
    }

    /// What a read of everything reads, in order.
    pub fn everything() -> impl Iterator<Item = QueryKind> {
        QueryKind::ALL
            .iter()
            .copied()
            .filter(|k| k.row().everything)
    }
}

/// The object a drill-down query is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DrillTarget {
    /// A relation by schema and name (hypertable, index).
    Relation {
        schema: names::Name,
        name: names::Name,
    },
    Job(i32),
    /// A statement as pg_stat_statements keeps it, and the role that ran it.
    Statement {
        queryid: i64,
        userid: i64,
        text: String,
    },
}

#[derive(Debug, Clone)]
pub enum Payload {
    Summary(Summary),
    /// What a `Catalog` read returns; `Catalog::into_payloads` gives each dataset's payload.
    Catalog(catalog::Catalog),
    Hypertables(Vec<hypertables::Hypertable>),
    Chunks(DrillTarget, Vec<hypertables::Chunk>),
    Compression(Vec<compression::Compression>),
    Retention(Vec<retention::Retention>),
    Partitions(Vec<retention::PartitionedTable>),
    Indexes(Vec<indexes::Index>),
    /// The database's estimated size (every relation's pages), in bytes.
    DatabaseSize(i64),
    /// A part of a catalog pass that could not be read while the rest was, and why.
    Failed(catalog::Parts, ReadError),
    IndexChunks(DrillTarget, Vec<indexes::ChunkIndex>),
    Jobs(Vec<jobs::Job>),
    JobRuns(DrillTarget, Vec<jobs::JobRun>),
    Caggs(Vec<caggs::Cagg>),
    MatViews(Vec<caggs::MatView>),
    Activity(Vec<activity::Backend>),
    Statements(statement_stats::Statements),
    Plan(DrillTarget, plan::GenericPlan),
    /// The screen cannot be read here (e.g. no TimescaleDB), and why.
    Unavailable(String),
}

/// The datasets, each filled by one query kind: what a front end shows, by the name scripts
/// know it (the exporter's `section` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Section {
    Summary,
    Hypertables,
    Compression,
    Retention,
    /// Plain PostgreSQL's stand-in for retention.
    Partitions,
    Indexes,
    DatabaseSize,
    Jobs,
    Caggs,
    /// Plain PostgreSQL's stand-in for continuous aggregates.
    Matviews,
    Activity,
    Statements,
}

/// What fills a dataset and where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionRow {
    /// The query kind whose result fills it.
    pub filled_by: QueryKind,
    /// The part of the catalog pass that fills it (the catalog's sections only).
    pub part: Option<catalog::Parts>,
    /// A TimescaleDB dataset: on plain PostgreSQL it is unavailable by design, not a failure.
    pub needs_timescaledb: bool,
    /// Its section in `snapshot`'s JSON document, whose `server.unavailable` names it (the
    /// stand-ins and the database's size are written beside others).
    pub document: Option<&'static str>,
}

impl Section {
    pub const ALL: &'static [Section] = <Section as VariantArray>::VARIANTS;

    /// The table's row for this dataset.
    pub const fn row(self) -> SectionRow {
        use catalog::Parts;
        const fn row(filled_by: QueryKind, document: &'static str) -> SectionRow {
            SectionRow {
                filled_by,
                part: None,
                needs_timescaledb: false,
                document: Some(document),
            }
        }
        const fn part(part: Parts, document: Option<&'static str>) -> SectionRow {
            SectionRow {
                part: Some(part),
                document,
                ..row(QueryKind::Catalog, "")
            }
        }
        const fn timescaledb(row: SectionRow) -> SectionRow {
            SectionRow {
                needs_timescaledb: true,
                ..row
            }
        }
        match self {
            Section::Summary => row(QueryKind::Summary, "server"),
            Section::Hypertables => timescaledb(part(Parts::Relations, Some("hypertables"))),
            Section::Compression => timescaledb(part(Parts::Relations, Some("compression"))),
            Section::Retention => timescaledb(part(Parts::Relations, Some("retention"))),
            Section::Partitions => part(Parts::Relations, None),
            Section::Indexes => part(Parts::Indexes, Some("indexes")),
            Section::DatabaseSize => part(Parts::DatabaseSize, None),
            Section::Jobs => timescaledb(row(QueryKind::Jobs, "jobs")),
            Section::Caggs => timescaledb(row(QueryKind::Caggs, "caggs")),
            Section::Matviews => SectionRow {
                document: None,
                ..row(QueryKind::Caggs, "")
            },
            Section::Activity => row(QueryKind::Activity, "activity"),
            Section::Statements => row(QueryKind::Statements, "statements"),
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// A TimescaleDB dataset: on plain PostgreSQL it is unavailable by design, not a failure.
    pub fn needs_timescaledb(self) -> bool {
        self.row().needs_timescaledb
    }

    /// The query kind whose result fills it.
    pub fn filled_by(self) -> QueryKind {
        self.row().filled_by
    }

    /// The part of the catalog pass that fills it (the catalog's sections only).
    pub fn part(self) -> Option<catalog::Parts> {
        self.row().part
    }

    /// The sections `kind` fills.
    pub fn filled_by_kind(kind: QueryKind) -> impl Iterator<Item = Section> {
        Section::ALL
            .iter()
            .copied()
            .filter(move |s| s.filled_by() == kind)
    }
}

/// The latest value of every dataset with how it stands, one field per [`Section`].
#[derive(Debug, Clone, Default)]
pub struct Latest {
    pub summary: DataState<Summary>,
    pub hypertables: DataState<Vec<hypertables::Hypertable>>,
    pub compression: DataState<Vec<compression::Compression>>,
    pub retention: DataState<Vec<retention::Retention>>,
    /// Plain PostgreSQL: partitioned tables stand in for retention.
    pub partitions: DataState<Vec<retention::PartitionedTable>>,
    pub indexes: DataState<Vec<indexes::Index>>,
    /// The database's estimated size in bytes (every relation's pages, read by the catalog pass).
    pub database_bytes: DataState<i64>,
    pub jobs: DataState<Vec<jobs::Job>>,
    pub caggs: DataState<Vec<caggs::Cagg>>,
    /// Plain PostgreSQL: materialized views stand in for continuous aggregates.
    pub matviews: DataState<Vec<caggs::MatView>>,
    /// Every session of the cluster and who blocks whom.
    pub activity: DataState<Vec<activity::Backend>>,
    /// What pg_stat_statements counted for this database's statements.
    pub statements: DataState<statement_stats::Statements>,
    /// When the indexes' counters shown were read (every few minutes, not at every refresh).
    pub index_scans_at: Option<DateTime<Utc>>,
}

/// What putting a payload did.
#[derive(Debug, Default)]
pub struct Applied {
    /// The datasets given a new value (the history records some).
    pub fresh: Vec<Section>,
    /// Whether what the problem rules keep may no longer hold: the relations, jobs or caggs
    /// changed (the server's figures and sessions change at every refresh and are not in it).
    pub changed: bool,
    /// The error of a part of a catalog pass that failed while the rest was read.
    pub failed: Option<ReadError>,
}

impl Latest {
    fn state_mut(&mut self, section: Section) -> &mut dyn state::AnyState {
        match section {
            Section::Summary => &mut self.summary,
            Section::Hypertables => &mut self.hypertables,
            Section::Compression => &mut self.compression,
            Section::Retention => &mut self.retention,
            Section::Partitions => &mut self.partitions,
            Section::Indexes => &mut self.indexes,
            Section::DatabaseSize => &mut self.database_bytes,
            Section::Jobs => &mut self.jobs,
            Section::Caggs => &mut self.caggs,
            Section::Matviews => &mut self.matviews,
            Section::Activity => &mut self.activity,
            Section::Statements => &mut self.statements,
        }
    }

    /// How a dataset stands.
    pub fn status(&self, section: Section) -> Standing<'_> {
        match section {
            Section::Summary => self.summary.status(),
            Section::Hypertables => self.hypertables.status(),
            Section::Compression => self.compression.status(),
            Section::Retention => self.retention.status(),
            Section::Partitions => self.partitions.status(),
            Section::Indexes => self.indexes.status(),
            Section::DatabaseSize => self.database_bytes.status(),
            Section::Jobs => self.jobs.status(),
            Section::Caggs => self.caggs.status(),
            Section::Matviews => self.matviews.status(),
            Section::Activity => self.activity.status(),
            Section::Statements => self.statements.status(),
        }
    }

    /// Marks every dataset `kind` fills as failed (each keeps its value, shown as stale).
    pub fn fail(&mut self, kind: QueryKind, error: &ReadError) {
        for section in Section::filled_by_kind(kind) {
            self.state_mut(section).fail(error.clone());
        }
    }

    /// Puts a query result of `kind` where it belongs (drill-down rows are their view's, not
    /// kept here); `caps` say why the stand-ins' TimescaleDB datasets are unavailable.
    pub fn put(
        &mut self,
        kind: QueryKind,
        payload: Payload,
        at: DateTime<Utc>,
        took: Duration,
        caps: Option<&Capabilities>,
        put: &mut Applied,
    ) {
        let why_not = || -> String {
            caps.map_or_else(|| "TimescaleDB is not installed".into(), no_timescaledb)
        };
        // what it set, and whether what the problem rules keep may no longer hold
        let (set, changed) = match payload {
            Payload::Catalog(c) => {
                self.index_scans_at = c.scans_at.or(self.index_scans_at);
                for p in c.into_payloads() {
                    self.put(kind, p, at, took, caps, put);
                }
                (None, false)
            }
            Payload::Summary(v) => {
                self.summary.set(v, at, took);
                (Some(Section::Summary), false)
            }
            Payload::Hypertables(v) => (
                Some(Section::Hypertables),
                self.hypertables.replace(v, at, took),
            ),
            Payload::Compression(v) => (
                Some(Section::Compression),
                self.compression.replace(v, at, took),
            ),
            Payload::Retention(v) => (
                Some(Section::Retention),
                self.retention.replace(v, at, took),
            ),
            Payload::Partitions(v) => {
                // Plain PostgreSQL: the other tabs of the same read have nothing to show.
                let why = why_not();
                self.hypertables = DataState::Unavailable(why.clone());
                self.compression = DataState::Unavailable(why.clone());
                self.retention = DataState::Unavailable(why);
                self.partitions.set(v, at, took);
                (Some(Section::Partitions), true)
            }
            Payload::Indexes(v) => (Some(Section::Indexes), self.indexes.replace(v, at, took)),
            Payload::DatabaseSize(v) => {
                self.database_bytes.set(v, at, took);
                (Some(Section::DatabaseSize), false)
            }
            Payload::Jobs(v) => (Some(Section::Jobs), self.jobs.replace(v, at, took)),
            Payload::Caggs(v) => (Some(Section::Caggs), self.caggs.replace(v, at, took)),
            Payload::MatViews(v) => {
                self.caggs = DataState::Unavailable(why_not());
                self.matviews.set(v, at, took);
                (Some(Section::Matviews), true)
            }
            Payload::Activity(v) => {
                self.activity.set(v, at, took);
                (Some(Section::Activity), false)
            }
            Payload::Statements(v) => {
                self.statements.set(v, at, took);
                (Some(Section::Statements), false)
            }
            Payload::Failed(part, error) => {
                for &section in Section::ALL.iter().filter(|s| s.part() == Some(part)) {
                    self.state_mut(section).fail(error.clone());
                }
                put.failed = Some(error);
                (None, true)
            }
            Payload::Unavailable(why) => {
                for section in Section::filled_by_kind(kind) {
                    self.state_mut(section).unavailable(why.clone());
                }
                (None, true)
            }
            // Drill-down rows belong to the view that asked for them.
            Payload::Chunks(..)
            | Payload::IndexChunks(..)
            | Payload::JobRuns(..)
            | Payload::Plan(..) => (None, false),
        };
        put.fresh.extend(set);
        put.changed |= changed;
    }
}

/// Why a query cannot run here at all (as opposed to failing).
pub fn unavailable(kind: QueryKind, caps: &Capabilities) -> Option<String> {
    if caps.timescaledb.is_some() || kind.works_without_timescaledb() {
        return None;
    }
    Some(no_timescaledb(caps))
}

/// Why the TimescaleDB-only screens are empty here.
pub fn no_timescaledb(caps: &Capabilities) -> String {
    match &caps.timescaledb_available {
        Some(v) => format!(
            "TimescaleDB is not installed in database \"{}\" (version {v} is available: CREATE EXTENSION timescaledb)",
            caps.database
        ),
        None => "TimescaleDB is not installed on this server".into(),
    }
}

/// What a query kind keeps between its refreshes on one connection (one per poller task; a new
/// connection starts with none): its prepared statements and, for the catalog pass, the
/// catalog's structure. Kept here, beside the one read that uses it whole.
#[derive(Debug, Default)]
pub struct Cache {
    pub statements: statements::Prepared,
    /// The catalog pass's structure, sizes and statistics.
    pub catalog: catalog::KeptCatalog,
    /// Statement texts already read (the Statements tab's).
    pub texts: statement_stats::Texts,
    /// The jobs as they are defined and their states, with how the Jobs tab's watch last saw
    /// the catalog.
    pub jobs: jobs::KeptJobs,
    /// The continuous aggregates' rows, with how their watch last saw the catalog.
    pub caggs: caggs::KeptCaggs,
    /// What the hole probes of the continuous aggregates found, and up to where.
    pub holes: holes::Probed,
    /// TimescaleDB's package and catalog versions and what an update to the package meets.
    pub versions: summary::KeptVersions,
    /// Read once and dropped (`snapshot`, `check`): unless it `keeps`, no versions are read,
    /// since nothing kept would be compared with them, and every relation is measured.
    pub one_shot: bool,
    /// A one-shot read whose caches outlive it (kept on disk for the next, see [`kept`]): it
    /// reads the versions, measures only what they say moved and reads the structure only
    /// when it changed, as a refresh does.
    pub keeps: bool,
    /// A console's refresh, read again within a refresh interval: the catalog's and the jobs'
    /// watches may rest every other time when the statistics count nothing written into their
    /// tables (`model::watch::Rest`). Not the exporter's nor a recorder's reads, further apart.
    pub rests: bool,
}

impl Cache {
    /// The next read reads everything whole, whatever its watch says.
    pub fn read_whole(&mut self) {
        self.catalog.whole_at = None;
        self.versions = Default::default();
        self.jobs.forget();
        self.caggs.forget();
    }
}

/// Runs the query behind `kind` (with `target` for drill-downs) once, reading the catalog's
/// structure afresh and keeping nothing: what a one-shot read (`snapshot`, `check`) does.
pub async fn fetch(
    kind: QueryKind,
    target: Option<&DrillTarget>,
    client: &Client,
    caps: &Capabilities,
) -> Result<Payload, tokio_postgres::Error> {
    let mut cache = Cache {
        one_shot: true,
        ..Cache::default()
    };
    fetch_with(kind, target, client, None, caps, &mut cache).await
}

/// Like [`fetch`], keeping prepared statements and the catalog's structure in `cache` between
/// refreshes of the same kind on the same connection (see [`structure`]). A `helper` session
/// takes part of a large catalog pass (a one-shot read's second connection).
pub async fn fetch_with(
    kind: QueryKind,
    target: Option<&DrillTarget>,
    client: &Client,
    helper: Option<&Client>,
    caps: &Capabilities,
    cache: &mut Cache,
) -> Result<Payload, tokio_postgres::Error> {
    let ts = caps.timescaledb.is_some();
    let result = async {
        Ok(match (kind, target) {
            (QueryKind::Summary, _) => Payload::Summary(
                Summary::fetch_keeping(client, &mut cache.statements, &mut cache.versions).await?,
            ),
            (QueryKind::Catalog, _) => Payload::Catalog(
                catalog::fetch(
                    client,
                    helper,
                    caps,
                    &mut cache.statements,
                    &mut cache.catalog,
                    catalog::ReadMode {
                        one_shot: cache.one_shot,
                        keeps: cache.keeps,
                        rests: cache.rests,
                    },
                )
                .await?,
            ),
            (QueryKind::Chunks, Some(t)) => Payload::Chunks(
                t.clone(),
                hypertables::fetch_chunks(client, caps, t, &mut cache.statements).await?,
            ),
            (QueryKind::IndexChunks, Some(t)) => Payload::IndexChunks(
                t.clone(),
                indexes::fetch_chunks(client, t, &mut cache.statements).await?,
            ),
            (QueryKind::Jobs, _) => {
                let kept = &mut cache.jobs;
                Payload::Jobs(
                    jobs::fetch(
                        client,
                        caps,
                        &mut cache.statements,
                        kept,
                        cache.one_shot,
                        cache.rests,
                    )
                    .await?,
                )
            }
            (QueryKind::JobRuns, Some(t)) => Payload::JobRuns(
                t.clone(),
                jobs::fetch_runs(client, caps, t, &mut cache.statements).await?,
            ),
            (QueryKind::Caggs, _) if ts => Payload::Caggs(
                caggs::fetch(
                    client,
                    caps,
                    &mut cache.statements,
                    &mut cache.caggs,
                    &mut cache.holes,
                    cache.one_shot,
                )
                .await?,
            ),
            (QueryKind::Caggs, _) => {
                Payload::MatViews(caggs::fetch_matviews(client, &mut cache.statements).await?)
            }
            (QueryKind::Activity, _) => {
                Payload::Activity(activity::fetch(client, &mut cache.statements).await?)
            }
            (QueryKind::Statements, _) => {
                statement_stats::fetch(client, &caps.database, &mut cache.texts).await?
            }
            // A plan is made on a session of its own (plan::fetch, with a Planner).
            (QueryKind::Plan, Some(_)) => Payload::Unavailable(
                "not planned: no planning session here (plans are made in the console)".into(),
            ),
            // A drill-down asked for without a target has nothing to read.
            (
                QueryKind::Chunks | QueryKind::IndexChunks | QueryKind::JobRuns | QueryKind::Plan,
                None,
            ) => Payload::Unavailable("nothing selected to drill into".into()),
        })
    }
    .await;
    // After a failure the statements may belong to a lost connection: prepare them again.
    if result.is_err() {
        cache.statements.clear();
    }
    result
}

/// A relation target's schema and name (drill-down parameters).
fn relation(t: &DrillTarget) -> (&str, &str) {
    match t {
        DrillTarget::Relation { schema, name } => (schema, name),
        DrillTarget::Job(_) | DrillTarget::Statement { .. } => ("", ""),
    }
}
