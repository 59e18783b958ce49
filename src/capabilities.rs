//! What the connected server can do, detected once per connection from the catalog.
//! Screens and actions consult this one value instead of probing on their own.

use tokio_postgres::{Client, Row};

/// TimescaleDB catalog layout facts (see ../shared/docs/timescaledb-compat.md).
/// The one catalog read behind `detect` (kept with the other SQL in `queries/`; read here so
/// that `queries`, which picks statements by capability, is above this module, not beside it).
const DETECT: &str = include_str!("../queries/capabilities.sql");
const SYSTEM_IDENTIFIER: &str = include_str!("../queries/system_identifier.sql");

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TimescaleFeatures {
    /// Installed extension version, e.g. `2.23.0-dev`.
    pub version: String,
    /// The schema of its public functions (`public` unless installed elsewhere); actions call
    /// them qualified with it.
    pub schema: String,
    /// 2.12.0+: `_timescaledb_functions` holds the internal functions.
    pub functions_schema: bool,
    /// 2.25.0+: `_timescaledb_catalog.bgw_job` (else `_timescaledb_config.bgw_job`).
    pub bgw_job_in_catalog: bool,
    /// 2.11.0+: `_timescaledb_catalog.continuous_aggs_watermark`.
    pub cagg_watermark_table: bool,
    /// 2.15.0+: `_timescaledb_internal.bgw_job_stat_history` / `job_history`.
    pub job_history: bool,
    /// 2.14.0+: `_timescaledb_catalog.compression_settings`.
    pub compression_settings: bool,
    /// 2.22.0+: `compression_settings.compress_relid` (a compressed chunk's row names its
    /// compressed table; a hypertable's has none).
    pub settings_compress_relid: bool,
    /// Up to 2.25.x: `_timescaledb_catalog.chunk.dropped`.
    pub chunk_dropped_column: bool,
    /// 2.29.0+: `_timescaledb_catalog.chunk.relid`.
    pub chunk_relid_column: bool,
    /// 2.13.0+: `_timescaledb_catalog.chunk.creation_time`.
    pub chunk_creation_time: bool,
    /// 2.28.0+: `_timescaledb_catalog.dimension_slice.chunk_id` (chunk_constraint a view).
    pub slice_chunk_id: bool,
    /// 2.18.0+: the columnstore's procedures (`convert_to_columnstore`, …) and words; older
    /// servers have compression's only.
    pub columnstore: bool,
    /// 2.18.0+: `merge_chunks`; 2.24.0+ `merge_chunks_concurrently`.
    pub merge_chunks: bool,
    pub merge_chunks_concurrently: bool,
    /// 2.29.0+: `_timescaledb_functions.compact_chunk`.
    pub compact_chunk: bool,
    /// 2.29.0+: `add_compaction_policy` / `remove_compaction_policy`.
    pub compaction_policy: bool,
    /// 2.28.0+: `_timescaledb_functions.chunk_statistics` (the view `stat_chunk_activity`).
    pub chunk_statistics: bool,
    /// 2.19+: `add_continuous_aggregate_policy(buckets_per_batch, max_batches_per_execution)`.
    pub refresh_batching: bool,
    /// 2.20+: `add_continuous_aggregate_policy(refresh_newest_first)`.
    pub refresh_newest_first: bool,
    /// `refresh_continuous_aggregate(…, options)` (2.19+; its batches read from them from 2.28,
    /// `releases::Limit::RefreshOptionsWithoutBatches`).
    pub refresh_options: bool,
    /// 2.29.0+: `_timescaledb_functions.hypertable_status_text(int)`: the names of a
    /// hypertable's status bits.
    pub hypertable_status_text: bool,
    /// 2.12.0+: `alter_job(timezone => …)`, which also clears the time zone of a job it
    /// alters without one.
    pub alter_job_timezone: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Capabilities {
    pub server_version_num: i32,
    pub server_version: String,
    /// None when the extension is not installed in this database.
    pub timescaledb: Option<TimescaleFeatures>,
    /// The version the cluster could install, when it is not installed here.
    pub timescaledb_available: Option<String>,
    pub is_superuser: bool,
    pub has_pg_monitor: bool,
    /// Whether this role may list and stat files (`pg_ls_dir`, `pg_stat_file`): a read wanting
    /// most relations then measures them by their files (see `model::sizes`).
    #[serde(skip)]
    pub may_stat_files: bool,
    /// Whether this role may read `pg_statistic` itself (a superuser): the segment statistics
    /// then read it by each chunk's oid instead of probing `pg_stats` by name.
    #[serde(skip)]
    pub reads_statistics: bool,
    /// About how many relations the database has (`pg_class`'s own row estimate): whether a
    /// one-shot read is worth a second session.
    #[serde(skip)]
    pub relations_estimate: i64,
    pub role: String,
    pub database: String,
    pub in_recovery: bool,
    /// The cluster's system identifier (`pg_control_system()`), when this role may read it: with
    /// the database name, what the journal knows a database by.
    pub system_identifier: Option<String>,
    /// The database's oid: a database dropped and created again under the same name is another.
    pub database_oid: Option<i64>,
}

impl Capabilities {
    pub async fn detect(client: &Client) -> Result<Self, tokio_postgres::Error> {
        let row = client.query_one(DETECT, &[]).await?;
        let mut caps = Self::from_row(&row);
        if row.get::<_, bool>("may_read_system") {
            // a read that fails leaves the identity unknown, as a login that may not read it
            caps.system_identifier = client
                .query_one(SYSTEM_IDENTIFIER, &[])
                .await
                .ok()
                .and_then(|r| r.try_get(0).ok());
        }
        Ok(caps)
    }

    fn from_row(row: &Row) -> Self {
        let ts_version: Option<String> = row.get("timescaledb_version");
        let timescaledb = ts_version.map(|version| TimescaleFeatures {
            version,
            schema: row.get("timescaledb_schema"),
            functions_schema: row.get("ts_functions_schema"),
            bgw_job_in_catalog: row.get("ts_bgw_job_in_catalog"),
            cagg_watermark_table: row.get("ts_cagg_watermark_table"),
            job_history: row.get("ts_job_history"),
            compression_settings: row.get("ts_compression_settings"),
            settings_compress_relid: row.get("ts_settings_compress_relid"),
            chunk_dropped_column: row.get("ts_chunk_dropped_column"),
            chunk_relid_column: row.get("ts_chunk_relid_column"),
            chunk_creation_time: row.get("ts_chunk_creation_time"),
            slice_chunk_id: row.get("ts_slice_chunk_id"),
            columnstore: row.get("ts_columnstore"),
            merge_chunks: row.get("ts_merge_chunks"),
            merge_chunks_concurrently: row.get("ts_merge_chunks_concurrently"),
            compact_chunk: row.get("ts_compact_chunk"),
            compaction_policy: row.get("ts_compaction_policy"),
            chunk_statistics: row.get("ts_chunk_statistics"),
            refresh_batching: row.get("ts_refresh_batching"),
            refresh_newest_first: row.get("ts_refresh_newest_first"),
            refresh_options: row.get("ts_refresh_options"),
            hypertable_status_text: row.get("ts_hypertable_status_text"),
            alter_job_timezone: row.get("ts_alter_job_timezone"),
        });
        Capabilities {
            server_version_num: row.get("server_version_num"),
            server_version: row.get("server_version"),
            timescaledb,
            timescaledb_available: row.get("timescaledb_available"),
            is_superuser: row.get("is_superuser"),
            has_pg_monitor: row.get("has_pg_monitor"),
            may_stat_files: row.get("may_stat_files"),
            reads_statistics: row.get("reads_statistics"),
            relations_estimate: row.get("relations_estimate"),
            role: row.get("role_name"),
            database: row.get("database"),
            in_recovery: row.get("in_recovery"),
            // read apart, where the login may (`detect`)
            system_identifier: None,
            database_oid: row.get("database_oid"),
        }
    }

    /// Can read other sessions' activity and all statistics.
    pub fn can_monitor(&self) -> bool {
        self.is_superuser || self.has_pg_monitor
    }

    /// TimescaleDB's schema, when it is installed.
    pub fn timescaledb_schema(&self) -> Option<&str> {
        self.timescaledb.as_ref().map(|t| t.schema.as_str())
    }

    /// One line for the header: `PostgreSQL 15.20 · TimescaleDB 2.23.0` or `… · no TimescaleDB`.
    /// [`describe`](Self::describe) for a narrow terminal: the versions whole, the words short.
    pub fn describe_short(&self) -> String {
        let pg = format!(
            "PG {}",
            self.server_version.split_whitespace().next().unwrap_or("")
        );
        match (&self.timescaledb, &self.timescaledb_available) {
            (Some(ts), _) => format!("{pg} · TSDB {}", ts.version),
            (None, Some(avail)) => format!("{pg} · TSDB {avail} not installed"),
            (None, None) => format!("{pg} · no TSDB"),
        }
    }

    pub fn describe(&self) -> String {
        let pg = format!(
            "PostgreSQL {}",
            self.server_version.split_whitespace().next().unwrap_or("")
        );
        match (&self.timescaledb, &self.timescaledb_available) {
            (Some(ts), _) => format!("{pg} · TimescaleDB {}", ts.version),
            (None, Some(avail)) => {
                format!("{pg} · TimescaleDB {avail} available, not installed in this database")
            }
            (None, None) => format!("{pg} · no TimescaleDB"),
        }
    }
}

/// What the server calls things: PostgreSQL's words without TimescaleDB, the columnstore's from
/// TimescaleDB 2.18 (told from the catalog).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Words {
    pub timescaledb: bool,
    pub columnstore: bool,
}

impl Words {
    pub const TIMESCALEDB: Words = Words {
        timescaledb: true,
        columnstore: false,
    };
    pub const ALL: [Words; 3] = [
        Words {
            timescaledb: false,
            columnstore: false,
        },
        Words::TIMESCALEDB,
        Words {
            timescaledb: true,
            columnstore: true,
        },
    ];

    pub fn of(caps: Option<&Capabilities>) -> Words {
        let ts = caps.map(|c| c.timescaledb.as_ref());
        Words {
            // unknown yet: TimescaleDB's, as the console starts
            timescaledb: ts.is_none_or(|t| t.is_some()),
            columnstore: ts.flatten().is_some_and(|t| t.columnstore),
        }
    }
}
