//! Compression per hypertable: settings, policy, progress and backlog.

use std::sync::Arc;

use super::names::Name;

/// A hypertable's compression as the Compression tab lists it: whether it compresses and its
/// policy (shared with the relations' rows kept between refreshes, read through them:
/// `row.compress_after`), then its settings and its chunks this refresh.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Compression {
    #[serde(flatten)]
    pub definition: Arc<CompressionDefinition>,
    pub segmentby: Option<Name>,
    pub orderby: Option<Name>,
    pub chunks: i64,
    pub compressed_chunks: i64,
    /// Chunks entirely older than `compress_after` and still uncompressed; None where the
    /// policy's threshold cannot be computed (integer time whose "now" is unknown here).
    pub backlog_chunks: Option<i64>,
    pub backlog_bytes: Option<i64>,
    /// Before and after compression, as TimescaleDB recorded them: None where it has no figure
    /// (nothing compressed, or compressed without a record), as its statistics say NULL.
    pub before_bytes: Option<i64>,
    pub after_bytes: Option<i64>,
    /// Compressed chunks written into since (their new rows stay uncompressed until the chunk
    /// is compressed again).
    pub partial_chunks: i64,
    /// Of those, the ones whose batches are only out of order (as direct compress writes them):
    /// compact_chunk orders them (2.29+).
    pub unordered_chunks: i64,
    /// Uncompressed chunks older than a compressed one: decompressed, or skipped, and not
    /// compressed again.
    pub uncompressed_between: i64,
    /// Its segmentby columns' distinct values in one chunk (read every few minutes).
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Shared with the statistics kept between their reads: copied into each read's rows they
    /// were one more copy of them all at every read.
    pub segments: Option<Arc<SegmentStats>>,
    /// What TimescaleDB counted of its compressed chunks' use (2.28+; None where it counts
    /// nothing of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<super::chunk_activity::ChunkActivity>,
}

/// Whether a hypertable compresses and its compression policy, as the catalog and the job
/// define them: kept between refreshes and shared by each refresh's [`Compression`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CompressionDefinition {
    pub schema: Name,
    pub name: Name,
    pub enabled: bool,
    /// A continuous aggregate's columnstore (its materialization's chunks), named as the cagg.
    pub is_cagg: bool,
    /// The cagg's materialization hypertable, schema and name (what compress acts on).
    pub materialization: Option<(Name, Name)>,
    pub job_id: Option<i32>,
    pub scheduled: Option<bool>,
    /// The policy's `compress_after` as written (`7 days`, an integer, or `created before …`).
    pub compress_after: Option<Name>,
    pub compress_after_seconds: Option<f64>,
}

reads_through!(Compression, definition: CompressionDefinition);

impl Compression {
    /// before / after, when anything is compressed.
    pub fn ratio(&self) -> Option<f64> {
        match (self.before_bytes, self.after_bytes) {
            (Some(before), Some(after)) if after > 0 => Some(before as f64 / after as f64),
            _ => None,
        }
    }
}

/// The totals row: sums of every column that adds up.
pub fn totals(rows: &[Compression]) -> Compression {
    let mut t = Compression {
        definition: Arc::new(CompressionDefinition {
            name: "total".into(),
            enabled: rows.iter().any(|r| r.enabled),
            ..Default::default()
        }),
        ..Default::default()
    };
    for r in rows {
        t.chunks += r.chunks;
        t.compressed_chunks += r.compressed_chunks;
        // the total counts what is known (a table whose backlog is unknown adds nothing)
        t.backlog_chunks = Some(t.backlog_chunks.unwrap_or(0) + r.backlog_chunks.unwrap_or(0));
        t.backlog_bytes = Some(t.backlog_bytes.unwrap_or(0) + r.backlog_bytes.unwrap_or(0));
        let add = |t: Option<i64>, r: Option<i64>| match (t, r) {
            (None, None) => None,
            (t, r) => Some(t.unwrap_or(0) + r.unwrap_or(0)),
        };
        t.before_bytes = add(t.before_bytes, r.before_bytes);
        t.after_bytes = add(t.after_bytes, r.after_bytes);
        t.partial_chunks += r.partial_chunks;
        t.unordered_chunks += r.unordered_chunks;
        t.uncompressed_between += r.uncompressed_between;
        if let Some(a) = &r.activity {
            t.activity.get_or_insert_default().add(a);
        }
    }
    t
}

/// Each compressed hypertable's segment statistics, by TimescaleDB id (a rename keeps them).
pub type Segments = std::collections::HashMap<i32, Arc<SegmentStats>>;

/// How often the segment statistics are read again whole (ANALYZE moves them and no watch
/// sees it): as everything no watch sees, every 10 minutes, the catalog's whole read's period
/// (held equal there; at 56,000 chunks a whole read takes about as long as 50 reads of one
/// hypertable's).
pub const SEGMENTS_READ_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Reads every compressed hypertable's segment statistics, or (`of`) those of these
/// hypertables; None when they cannot be read (the advisor then says nothing).
pub async fn fetch_segments(
    client: &tokio_postgres::Client,
    prepared: Option<&tokio_postgres::Statement>,
    caps: &crate::capabilities::Capabilities,
    of: Option<&[i32]>,
) -> Option<Segments> {
    let rows = match prepared {
        Some(statement) => client.query(statement, &[&of]).await,
        None => (client.query(crate::queries::segment_stats(caps), &[&of])).await,
    };
    rows.and_then(|rows| SegmentStats::from_rows(&rows)).ok()
}

/// How a hypertable's segmentby splits a chunk, from the statistics of its fullest analysed
/// chunk (`queries/segment_stats.sql`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SegmentStats {
    /// The chunk the statistics are of (`schema.name`).
    pub chunk: String,
    /// Its rows (`reltuples`).
    pub rows: f64,
    /// Each segmentby column with statistics and its `n_distinct` in that chunk.
    pub columns: Vec<(String, f64)>,
    /// Every segmentby column, in order (one without statistics too).
    pub segmentby: Vec<String>,
}

impl SegmentStats {
    /// Distinct values of one column: `pg_stats.n_distinct` is a count when positive, minus a
    /// fraction of the rows when negative (a count that grows with the table).
    pub fn distinct(&self, n_distinct: f64) -> f64 {
        if n_distinct < 0.0 {
            -n_distinct * self.rows
        } else {
            n_distinct
        }
    }

    /// The segments a chunk splits into: each combination of the columns' values, at most one
    /// per row (columns taken as independent: an upper bound).
    pub fn segments(&self) -> f64 {
        let product: f64 = self
            .columns
            .iter()
            .map(|(_, n)| self.distinct(*n))
            .product();
        product.clamp(1.0, self.rows.max(1.0))
    }

    /// Rows per segment, on average.
    pub fn rows_per_segment(&self) -> f64 {
        self.rows / self.segments()
    }

    /// Each hypertable's, by (schema, name).
    pub fn from_rows(rows: &[tokio_postgres::Row]) -> Result<Segments, tokio_postgres::Error> {
        rows.iter()
            .map(|r| {
                let chunk = crate::format::qualified(
                    &r.try_get::<_, String>("chunk_schema")?,
                    &r.try_get::<_, String>("chunk_name")?,
                );
                let names: Vec<String> = r.try_get("columns")?;
                let n_distinct: Vec<f64> = r.try_get("n_distinct")?;
                // in segmentby order
                let order: Vec<String> = r.try_get("segmentby")?;
                let mut columns: Vec<(String, f64)> = names.into_iter().zip(n_distinct).collect();
                columns.sort_by_key(|(c, _)| order.iter().position(|o| o == c));
                Ok((
                    r.try_get::<_, i32>("hypertable_id")?,
                    Arc::new(SegmentStats {
                        chunk,
                        rows: r.try_get("rows")?,
                        columns,
                        segmentby: order,
                    }),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(chunks: i64, backlog: i64, before: Option<i64>, after: Option<i64>) -> Compression {
        Compression {
            chunks,
            backlog_chunks: Some(backlog),
            before_bytes: before,
            after_bytes: after,
            ..totals(&[])
        }
    }

    #[test]
    fn totals_add_up_and_ratio_needs_compressed_data() {
        let t = totals(&[row(10, 6, Some(1000), Some(100)), row(5, 0, None, None)]);
        assert_eq!((t.chunks, t.backlog_chunks), (15, Some(6)));
        assert_eq!(t.ratio(), Some(10.0));
        assert_eq!(row(5, 0, None, None).ratio(), None);
        // no figure anywhere: none in the total either (TimescaleDB's NULL, not 0 B)
        let none = totals(&[row(5, 0, None, None)]);
        assert_eq!((none.before_bytes, none.after_bytes), (None, None));
    }

    #[test]
    fn segments_are_counted_from_n_distinct_either_way_it_is_written() {
        let s = |columns: &[(&str, f64)]| SegmentStats {
            chunk: "_timescaledb_internal._hyper_1_1_chunk".into(),
            rows: 100_000.0,
            columns: columns.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
            segmentby: columns.iter().map(|(c, _)| c.to_string()).collect(),
        };
        assert_eq!(s(&[("device", 50.0)]).rows_per_segment(), 2_000.0);
        // negative: a fraction of the rows
        assert_eq!(s(&[("device", -0.1)]).segments(), 10_000.0);
        // two columns multiply, never more segments than rows nor fewer than one
        assert_eq!(s(&[("a", 50.0), ("b", 4.0)]).rows_per_segment(), 500.0);
        assert_eq!(s(&[("a", -1.0), ("b", 4.0)]).segments(), 100_000.0);
        assert_eq!(s(&[("a", 0.0)]).segments(), 1.0);
    }
}
