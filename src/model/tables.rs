//! The Hypertables, Compression and Retention tabs read one catalog pass (`queries/tables.sql`):
//! one row per hypertable or continuous aggregate, split here into each tab's rows.

use tokio_postgres::{Client, Row};

use super::compression::Compression;
use super::hypertables::Hypertable;
use super::retention::Retention;
use super::Bound;
use crate::capabilities::Capabilities;
use crate::queries;

/// The three tabs' rows from one read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tables {
    pub hypertables: Vec<Hypertable>,
    pub compression: Vec<Compression>,
    pub retention: Vec<Retention>,
}

impl Tables {
    /// The Hypertables, Compression and Retention payloads, in that order.
    pub fn into_payloads(self) -> [super::Payload; 3] {
        [
            super::Payload::Hypertables(self.hypertables),
            super::Payload::Compression(self.compression),
            super::Payload::Retention(self.retention),
        ]
    }
}

pub async fn fetch(client: &Client, caps: &Capabilities) -> Result<Tables, tokio_postgres::Error> {
    let rows = client.query(queries::tables(caps), &[]).await?;
    let mut tables = Tables::default();
    for r in &rows {
        let (schema, name): (String, String) = (r.try_get("schema")?, r.try_get("name")?);
        let is_cagg: bool = r.try_get("is_cagg")?;
        if !is_cagg {
            tables
                .hypertables
                .push(hypertable(r, schema.clone(), name.clone())?);
            tables
                .compression
                .push(compression(r, schema.clone(), name.clone())?);
        }
        if let Some(job_id) = r.try_get::<_, Option<i32>>("drop_job_id")? {
            tables
                .retention
                .push(retention(r, schema, name, is_cagg, job_id)?);
        }
    }
    Ok(tables)
}

fn hypertable(r: &Row, schema: String, name: String) -> Result<Hypertable, tokio_postgres::Error> {
    let heap_bytes: i64 = r.try_get("heap_bytes")?;
    let index_bytes: i64 = r.try_get("index_bytes")?;
    let toast_bytes: i64 = r.try_get("toast_bytes")?;
    Ok(Hypertable {
        schema,
        name,
        compression_enabled: r.try_get("compression_enabled")?,
        chunks: r.try_get("chunks")?,
        compressed_chunks: r.try_get("compressed_chunks")?,
        heap_bytes,
        index_bytes,
        toast_bytes,
        total_bytes: heap_bytes + index_bytes + toast_bytes,
        time_column: r.try_get("time_column")?,
        time_type: r.try_get("time_type")?,
        interval_seconds: r.try_get("interval_seconds")?,
        interval_integer: r.try_get("interval_integer")?,
        range_start: Bound::from_row(r, "range_start", "range_start_integer")?,
        range_end: Bound::from_row(r, "range_end", "range_end_integer")?,
        policies: r.try_get("policies")?,
    })
}

fn compression(
    r: &Row,
    schema: String,
    name: String,
) -> Result<Compression, tokio_postgres::Error> {
    Ok(Compression {
        schema,
        name,
        enabled: r.try_get("compression_enabled")?,
        segmentby: r.try_get("segmentby")?,
        orderby: r.try_get("orderby")?,
        job_id: r.try_get("compress_job_id")?,
        scheduled: r.try_get("compress_scheduled")?,
        compress_after: r.try_get("compress_after")?,
        compress_after_seconds: r.try_get("compress_after_seconds")?,
        chunks: r.try_get("chunks")?,
        compressed_chunks: r.try_get("compressed_chunks")?,
        backlog_chunks: r.try_get("backlog_chunks")?,
        backlog_bytes: r.try_get("backlog_bytes")?,
        before_bytes: r.try_get("before_bytes")?,
        after_bytes: r.try_get("after_bytes")?,
    })
}

fn retention(
    r: &Row,
    schema: String,
    name: String,
    is_cagg: bool,
    job_id: i32,
) -> Result<Retention, tokio_postgres::Error> {
    Ok(Retention {
        schema,
        name,
        is_cagg,
        job_id,
        scheduled: r.try_get("drop_scheduled")?,
        schedule_seconds: r.try_get("drop_schedule_seconds")?,
        drop_after: r.try_get("drop_after")?,
        drop_after_seconds: r.try_get("drop_after_seconds")?,
        chunks: r.try_get("chunks")?,
        oldest_start: Bound::from_row(r, "range_start", "range_start_integer")?,
        overdue_chunks: r.try_get("overdue_chunks")?,
        overdue_bytes: r.try_get("overdue_bytes")?,
        last_run: r.try_get("drop_last_run")?,
        last_run_status: r.try_get("drop_last_run_status")?,
        next_start: r.try_get("drop_next_start")?,
    })
}
