//! Plain data per screen, read from rows; no I/O beyond the query each `fetch` runs. Derived
//! facts (index categories, lag, kinds) are pure functions next to the rows they describe.

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
pub mod compression;
mod error;
#[doc(hidden)]
pub mod fixtures;
pub mod holes;
pub mod hypertables;
pub mod indexes;
pub mod integer_now;
pub mod jobs;
pub mod names;
pub mod plan;
pub mod policies;
pub mod retention;
pub mod sizes;
pub mod statement_stats;
pub mod statements;
pub mod structure;
pub mod summary;
pub mod tables;

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

use crate::capabilities::Capabilities;

pub use error::ReadError;
pub use summary::Summary;

/// Each kind of query the UI polls; one in-flight query per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

impl QueryKind {
    pub const ALL: &'static [QueryKind] = &[
        QueryKind::Summary,
        QueryKind::Catalog,
        QueryKind::Chunks,
        QueryKind::IndexChunks,
        QueryKind::Jobs,
        QueryKind::JobRuns,
        QueryKind::Caggs,
        QueryKind::Activity,
        QueryKind::Statements,
        QueryKind::Plan,
    ];

    /// Whether this kind can be read without the TimescaleDB extension.
    pub fn works_without_timescaledb(self) -> bool {
        matches!(
            self,
            QueryKind::Summary
                | QueryKind::Catalog
                | QueryKind::Caggs
                | QueryKind::Activity
                | QueryKind::Statements
                | QueryKind::Plan
        )
    }
}

/// The object a drill-down query is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
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
    Chunks(Subject, Vec<hypertables::Chunk>),
    Compression(Vec<compression::Compression>),
    Retention(Vec<retention::Retention>),
    Partitions(Vec<retention::PartitionedTable>),
    Indexes(Vec<indexes::Index>),
    /// The database's estimated size (every relation's pages), in bytes.
    DatabaseSize(i64),
    /// A part of a catalog pass that could not be read while the rest was, and why.
    Failed(catalog::Parts, ReadError),
    IndexChunks(Subject, Vec<indexes::ChunkIndex>),
    Jobs(Vec<jobs::Job>),
    JobRuns(Subject, Vec<jobs::JobRun>),
    Caggs(Vec<caggs::Cagg>),
    MatViews(Vec<caggs::MatView>),
    Activity(Vec<activity::Session>),
    Statements(statement_stats::Statements),
    Plan(Subject, plan::GenericPlan),
    /// The screen cannot be read here (e.g. no TimescaleDB), and why.
    Unavailable(String),
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
    pub statements: statements::Statements,
    /// The catalog pass's structure, sizes and statistics.
    pub catalog: catalog::KeptCatalog,
    /// Statement texts already read (the Statements tab's).
    pub texts: statement_stats::Texts,
    /// The jobs as they are defined (`queries/jobs.sql`), kept while
    /// `queries/definitions_version.sql` says the same.
    pub jobs: structure::Cached<Vec<std::sync::Arc<jobs::JobDefinition>>>,
    /// What the hole probes of the continuous aggregates found, and up to where.
    pub holes: holes::Probed,
    /// TimescaleDB's package and catalog versions, read again when the installed one changes.
    pub versions: summary::KeptVersions,
    /// Read once and dropped (`snapshot`, `check`): no versions are read, since nothing kept
    /// would be compared with them, and every relation is measured.
    pub one_shot: bool,
}

/// Runs the query behind `kind` (with `target` for drill-downs) once, reading the catalog's
/// structure afresh and keeping nothing: what a one-shot read (`snapshot`, `check`) does.
pub async fn fetch(
    kind: QueryKind,
    target: Option<&Subject>,
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
    target: Option<&Subject>,
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
                    cache.one_shot,
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
                    jobs::fetch(client, caps, &mut cache.statements, kept, cache.one_shot).await?,
                )
            }
            (QueryKind::JobRuns, Some(t)) => Payload::JobRuns(
                t.clone(),
                jobs::fetch_runs(client, caps, t, &mut cache.statements).await?,
            ),
            (QueryKind::Caggs, _) if ts => {
                let mut all = caggs::fetch(client, caps, &mut cache.statements).await?;
                holes::find(client, &mut all, &mut cache.holes).await?;
                Payload::Caggs(all)
            }
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

/// The start or end of a chunk range: a time, or an integer for integer-time hypertables.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Bound {
    Time(DateTime<Utc>),
    Int(i64),
}

impl Bound {
    pub fn from_row(
        row: &Row,
        time: &str,
        int: &str,
    ) -> Result<Option<Bound>, tokio_postgres::Error> {
        let t: Option<DateTime<Utc>> = row.try_get(time)?;
        let i: Option<i64> = row.try_get(int)?;
        Ok(t.map(Bound::Time).or(i.map(Bound::Int)))
    }
}

/// Runs `sql` and turns each row into a `T` as it arrives, so a 10,000-row drill-down never
/// holds its raw rows and its values at once.
pub(crate) async fn collect_rows<T>(
    client: &Client,
    sql: &(impl tokio_postgres::ToStatement + ?Sized),
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<T, tokio_postgres::Error>,
) -> Result<Vec<T>, tokio_postgres::Error> {
    let mut out = Vec::new();
    each_row(client, sql, params, |r| {
        out.push(each(r)?);
        Ok(())
    })
    .await?;
    // the room grown into and not used (up to half of it) goes back
    out.shrink_to_fit();
    Ok(out)
}

/// Runs `sql` and hands each row to `each` as it arrives, then drops it: a result in many rows
/// of arrays is never held whole (a client holds each message whole while it decodes it).
pub(crate) async fn each_row(
    client: &Client,
    sql: &(impl tokio_postgres::ToStatement + ?Sized),
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<(), tokio_postgres::Error>,
) -> Result<(), tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let rows = client.query_raw(sql, params.iter().copied()).await?;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.try_next().await? {
        each(&row)?;
    }
    Ok(())
}

/// An array column, empty when NULL (`array_agg` over no rows).
pub(crate) fn array<T: for<'a> tokio_postgres::types::FromSql<'a>>(
    r: &Row,
    column: &str,
) -> Result<Vec<T>, tokio_postgres::Error> {
    Ok(r.try_get::<_, Option<Vec<T>>>(column)?.unwrap_or_default())
}

/// A relation target's schema and name (drill-down parameters).
fn relation(t: &Subject) -> (&str, &str) {
    match t {
        Subject::Relation { schema, name } => (schema, name),
        Subject::Job(_) | Subject::Statement { .. } => ("", ""),
    }
}
