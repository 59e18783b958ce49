//! Compression per hypertable: settings, policy, progress and backlog.

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Compression {
    pub schema: String,
    pub name: String,
    pub enabled: bool,
    pub segmentby: Option<String>,
    pub orderby: Option<String>,
    pub job_id: Option<i32>,
    pub scheduled: Option<bool>,
    /// The policy's `compress_after` as written (`7 days`, an integer, or `created before …`).
    pub compress_after: Option<String>,
    pub compress_after_seconds: Option<f64>,
    pub chunks: i64,
    pub compressed_chunks: i64,
    /// Chunks entirely older than `compress_after` and still uncompressed.
    pub backlog_chunks: i64,
    pub backlog_bytes: i64,
    pub before_bytes: i64,
    pub after_bytes: i64,
    /// Compressed chunks written into since (their new rows stay uncompressed until the chunk
    /// is compressed again).
    pub partial_chunks: i64,
    /// Uncompressed chunks older than a compressed one: decompressed, or skipped, and not
    /// compressed again.
    pub uncompressed_between: i64,
}

impl Compression {
    /// before / after, when anything is compressed.
    pub fn ratio(&self) -> Option<f64> {
        (self.after_bytes > 0).then(|| self.before_bytes as f64 / self.after_bytes as f64)
    }
}

/// The totals row: sums of every column that adds up.
pub fn totals(rows: &[Compression]) -> Compression {
    let mut t = Compression {
        schema: String::new(),
        name: "total".into(),
        enabled: rows.iter().any(|r| r.enabled),
        segmentby: None,
        orderby: None,
        job_id: None,
        scheduled: None,
        compress_after: None,
        compress_after_seconds: None,
        chunks: 0,
        compressed_chunks: 0,
        backlog_chunks: 0,
        backlog_bytes: 0,
        before_bytes: 0,
        after_bytes: 0,
        partial_chunks: 0,
        uncompressed_between: 0,
    };
    for r in rows {
        t.chunks += r.chunks;
        t.compressed_chunks += r.compressed_chunks;
        t.backlog_chunks += r.backlog_chunks;
        t.backlog_bytes += r.backlog_bytes;
        t.before_bytes += r.before_bytes;
        t.after_bytes += r.after_bytes;
        t.partial_chunks += r.partial_chunks;
        t.uncompressed_between += r.uncompressed_between;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(chunks: i64, backlog: i64, before: i64, after: i64) -> Compression {
        Compression {
            chunks,
            backlog_chunks: backlog,
            before_bytes: before,
            after_bytes: after,
            ..totals(&[])
        }
    }

    #[test]
    fn totals_add_up_and_ratio_needs_compressed_data() {
        let t = totals(&[row(10, 6, 1000, 100), row(5, 0, 0, 0)]);
        assert_eq!((t.chunks, t.backlog_chunks), (15, 6));
        assert_eq!(t.ratio(), Some(10.0));
        assert_eq!(row(5, 0, 0, 0).ratio(), None);
    }
}
