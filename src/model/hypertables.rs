//! Hypertables and their chunks.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::names::Name;
use super::rows::Bound;
use super::statements::Prepared;
use super::{relation, DrillTarget};
use crate::capabilities::Capabilities;
use crate::queries;

/// A hypertable as the Hypertables tab lists it: what it is (shared with the relations' rows
/// kept between refreshes, read through them: `hypertable.name`) and its chunks this refresh.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Hypertable {
    #[serde(flatten)]
    pub definition: Arc<HypertableDefinition>,
    pub chunks: i64,
    pub compressed_chunks: i64,
    pub heap_bytes: i64,
    pub index_bytes: i64,
    pub toast_bytes: i64,
    pub total_bytes: i64,
    pub range_start: Option<Bound>,
    pub range_end: Option<Bound>,
    /// The newest chunks (several with space partitions) on disk, their indexes included, and
    /// where they end: what is being written now, when that end is still ahead.
    pub newest_chunk_bytes: i64,
    pub newest_chunk_end: Option<Bound>,
    /// The median chunk's size as written (a compressed chunk's size before compression).
    pub median_chunk_bytes: i64,
}

/// A hypertable as its catalog rows define it: what only DDL and policy changes move, kept
/// between refreshes and shared by each refresh's [`Hypertable`] (copied into it, a row was 208
/// bytes with a list of its own where it is 120, and the console's peak holds two refreshes'
/// rows).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HypertableDefinition {
    pub schema: Name,
    pub name: Name,
    pub compression_enabled: bool,
    pub time_column: Option<Name>,
    pub time_type: Option<Name>,
    /// Chunk interval of the primary dimension: seconds for time, units for integer time.
    pub interval_seconds: Option<f64>,
    pub interval_integer: Option<i64>,
    /// Policy procedures attached (e.g. `policy_compression`), by job id.
    pub policies: Vec<Name>,
    /// Its status bits as TimescaleDB names them (`hypertable_status_text`, 2.29+:
    /// `COMPRESSION`, `DIRECT_COMPRESS`, `OSM`…); None where the server has no names for them.
    /// (Always written: the kept catalog's encoding is by position.)
    #[serde(default)]
    pub status: Option<Vec<Name>>,
}

reads_through!(Hypertable, definition: HypertableDefinition);

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Chunk {
    pub schema: String,
    pub name: String,
    pub range_start: Option<Bound>,
    pub range_end: Option<Bound>,
    pub compressed: bool,
    /// Frozen (`freeze_chunk`): no row may be written, changed or deleted, and no policy
    /// compresses, decompresses or drops it.
    pub frozen: bool,
    /// Compressed and written into since: the new rows stay uncompressed until it is
    /// compressed (or compacted) again.
    pub partial: bool,
    pub created: Option<DateTime<Utc>>,
    /// On disk, compressed data included (none while the chunk is locked, e.g. being
    /// compressed).
    pub total_bytes: Option<i64>,
    /// Compression snapshot (compressed chunks only).
    pub before_bytes: Option<i64>,
    pub after_bytes: Option<i64>,
    /// Uncompressed and past the compression policy's compress_after.
    pub in_backlog: bool,
    /// Past the retention policy's drop_after: its next run drops it.
    pub overdue: bool,
}

pub async fn fetch_chunks(
    client: &Client,
    caps: &Capabilities,
    hypertable: &DrillTarget,
    statements: &mut Prepared,
) -> Result<Vec<Chunk>, tokio_postgres::Error> {
    let (schema, name) = relation(hypertable);
    let (chunks, nows) =
        super::integer_now::with_statement(client, statements, queries::chunks(caps)).await?;
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
        [&schema, &name, &nows.ids, &nows.nows];
    super::rows::collect_rows(client, &chunks, &params, |r| {
        Ok(Chunk {
            schema: r.try_get("schema")?,
            name: r.try_get("name")?,
            range_start: Bound::from_row(r, "range_start", "range_start_integer")?,
            range_end: Bound::from_row(r, "range_end", "range_end_integer")?,
            compressed: r.try_get("is_compressed")?,
            frozen: r.try_get("is_frozen")?,
            partial: r.try_get("is_partial")?,
            created: r.try_get("created")?,
            total_bytes: r.try_get("total_bytes")?,
            before_bytes: r.try_get("before_bytes")?,
            after_bytes: r.try_get("after_bytes")?,
            in_backlog: r.try_get("in_backlog")?,
            overdue: r.try_get("overdue")?,
        })
    })
    .await
}
