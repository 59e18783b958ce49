//! Plain data per screen, read from rows; no I/O beyond the query each `fetch` runs. Derived
//! facts (index categories, lag, kinds) are pure functions next to the rows they describe.

pub mod activity;
pub mod caggs;
pub mod compression;
#[doc(hidden)]
pub mod fixtures;
pub mod hypertables;
pub mod indexes;
pub mod jobs;
pub mod policies;
pub mod retention;
pub mod structure;
pub mod summary;
pub mod tables;

use chrono::{DateTime, Utc};
use tokio_postgres::{Client, Row};

use crate::capabilities::Capabilities;

pub use structure::Structures;
pub use summary::Summary;

/// Each kind of query the UI polls; one in-flight query per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum QueryKind {
    Summary,
    /// The Hypertables, Compression and Retention tabs (one catalog pass).
    Tables,
    Chunks,
    Indexes,
    IndexChunks,
    Jobs,
    JobRuns,
    Caggs,
    /// Sessions and locks.
    Activity,
}

impl QueryKind {
    pub const ALL: &'static [QueryKind] = &[
        QueryKind::Summary,
        QueryKind::Tables,
        QueryKind::Chunks,
        QueryKind::Indexes,
        QueryKind::IndexChunks,
        QueryKind::Jobs,
        QueryKind::JobRuns,
        QueryKind::Caggs,
        QueryKind::Activity,
    ];

    /// Whether this kind can be read without the TimescaleDB extension.
    pub fn works_without_timescaledb(self) -> bool {
        matches!(
            self,
            QueryKind::Summary
                | QueryKind::Indexes
                | QueryKind::Tables
                | QueryKind::Caggs
                | QueryKind::Activity
        )
    }
}

/// The object a drill-down query is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A relation by schema and name (hypertable, index).
    Relation {
        schema: String,
        name: String,
    },
    Job(i32),
}

#[derive(Debug, Clone)]
pub enum Payload {
    Summary(Summary),
    /// What a `Tables` read returns; `Tables::into_payloads` gives each tab's payload.
    Tables(tables::Tables),
    Hypertables(Vec<hypertables::Hypertable>),
    Chunks(Target, Vec<hypertables::Chunk>),
    Compression(Vec<compression::Compression>),
    Retention(Vec<retention::Retention>),
    Partitions(Vec<retention::PartitionedTable>),
    Indexes(Vec<indexes::Index>),
    IndexChunks(Target, Vec<indexes::ChunkIndex>),
    Jobs(Vec<jobs::Job>),
    JobRuns(Target, Vec<jobs::JobRun>),
    Caggs(Vec<caggs::Cagg>),
    MatViews(Vec<caggs::MatView>),
    Activity(Vec<activity::Session>),
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

/// Runs the query behind `kind` (with `target` for drill-downs), reading the catalog's
/// structure afresh: what a one-shot read (`snapshot`, `check`) does.
pub async fn fetch(
    kind: QueryKind,
    target: Option<&Target>,
    client: &Client,
    caps: &Capabilities,
) -> Result<Payload, tokio_postgres::Error> {
    fetch_with(kind, target, client, caps, &mut Structures::default()).await
}

/// Like [`fetch`], keeping the catalog's structure in `cache` between refreshes of the same
/// kind on the same connection (see [`structure`]).
pub async fn fetch_with(
    kind: QueryKind,
    target: Option<&Target>,
    client: &Client,
    caps: &Capabilities,
    cache: &mut Structures,
) -> Result<Payload, tokio_postgres::Error> {
    let ts = caps.timescaledb.is_some();
    Ok(match (kind, target) {
        (QueryKind::Summary, _) => Payload::Summary(Summary::fetch(client).await?),
        (QueryKind::Tables, _) if ts => {
            Payload::Tables(tables::fetch(client, caps, &mut cache.tables).await?)
        }
        (QueryKind::Tables, _) => Payload::Partitions(retention::fetch_partitions(client).await?),
        (QueryKind::Chunks, Some(t)) => {
            Payload::Chunks(t.clone(), hypertables::fetch_chunks(client, caps, t).await?)
        }
        (QueryKind::Indexes, _) => {
            Payload::Indexes(indexes::fetch(client, ts, &mut cache.indexes).await?)
        }
        (QueryKind::IndexChunks, Some(t)) => {
            Payload::IndexChunks(t.clone(), indexes::fetch_chunks(client, t).await?)
        }
        (QueryKind::Jobs, _) => Payload::Jobs(jobs::fetch(client).await?),
        (QueryKind::JobRuns, Some(t)) => {
            Payload::JobRuns(t.clone(), jobs::fetch_runs(client, caps, t).await?)
        }
        (QueryKind::Caggs, _) if ts => Payload::Caggs(caggs::fetch(client, caps).await?),
        (QueryKind::Caggs, _) => Payload::MatViews(caggs::fetch_matviews(client).await?),
        (QueryKind::Activity, _) => Payload::Activity(activity::fetch(client).await?),
        // A drill-down asked for without a target has nothing to read.
        (QueryKind::Chunks | QueryKind::IndexChunks | QueryKind::JobRuns, None) => {
            Payload::Unavailable("nothing selected to drill into".into())
        }
    })
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
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    mut each: impl FnMut(&Row) -> Result<T, tokio_postgres::Error>,
) -> Result<Vec<T>, tokio_postgres::Error> {
    use futures_util::TryStreamExt;
    let rows = client.query_raw(sql, params.iter().copied()).await?;
    let mut rows = std::pin::pin!(rows);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(each(&row)?);
    }
    Ok(out)
}

/// A relation target's schema and name (drill-down parameters).
fn relation(t: &Target) -> (&str, &str) {
    match t {
        Target::Relation { schema, name } => (schema, name),
        Target::Job(_) => ("", ""),
    }
}
