//! The overview's server facts.

use chrono::{DateTime, Utc};
use tokio_postgres::Client;

use super::statements::Prepared;
use crate::queries;

/// Server, extension, session and scheduler facts: one row of catalog functions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Summary {
    pub version: String,
    pub started_at: Option<DateTime<Utc>>,
    pub server_now: DateTime<Utc>,
    pub connections: i64,
    pub max_connections: i32,
    pub server_addr: Option<String>,
    pub server_port: Option<i32>,
    pub backend_pid: i32,
    pub application_name: String,
    pub timescaledb_version: Option<String>,
    pub ssl: Option<bool>,
    pub read_only: bool,
    pub statement_timeout: String,
    /// When this database's statistics were last reset (None: never since initdb).
    pub stats_reset: Option<DateTime<Utc>>,
    /// `timescaledb.max_background_workers` (None without the extension's loader).
    pub max_background_workers: Option<i32>,
    pub max_worker_processes: i32,
    /// `timescaledb.restoring = on`: the scheduler stays stopped until post_restore.
    pub timescaledb_restoring: bool,
    /// A TimescaleDB scheduler process is running for this database.
    pub scheduler_running: bool,
    /// `timescaledb` is in `shared_preload_libraries` (else no background worker starts);
    /// None when this role may not read the setting.
    pub timescaledb_preloaded: Option<bool>,
    /// `timescaledb.license` (`apache` runs no compression or refresh job).
    pub timescaledb_license: Option<String>,
    pub max_parallel_workers: i32,
    /// TimescaleDB schedulers running in the whole cluster (one per database with jobs).
    pub schedulers: i64,
    /// TimescaleDB jobs running in the whole cluster, each in a background worker.
    pub job_workers: i64,
    /// Rows inserted into this database so far, as the statistics count them (None without
    /// `track_counts`): the pulse's ingest rate.
    pub rows_inserted: Option<i64>,
    /// The server counts index scans (track_counts, and a server whose sessions it tracks):
    /// without it no index is "unused", whatever its count says.
    pub counts_usage: bool,
    /// `shared_buffers` and `effective_cache_size` in bytes: the memory the chunk-interval
    /// advisor holds the recent chunks against.
    pub shared_buffers_bytes: i64,
    pub effective_cache_size_bytes: i64,
    /// TimescaleDB's version its installed package would install (`default_version`): newer
    /// than `timescaledb_version`, this database has not been updated to it (after an upgrade
    /// of the package, or beside versions installed side by side).
    pub timescaledb_default_version: Option<String>,
    /// The version TimescaleDB's catalog records itself at (2.13+): apart from
    /// `timescaledb_version`, the next `ALTER EXTENSION ... UPDATE` fails.
    pub timescaledb_catalog_version: Option<String>,
    /// What updating this database to the package's version would meet (`upgrade-check`
    /// towards `timescaledb_default_version`, its notes left out): read where the package is
    /// newer than the database's version. None where it is not, or the read failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<Box<crate::upgrade::Report>>,
}

/// TimescaleDB's package and catalog versions and what an update to the package would meet,
/// with the installed version they were read at: read again when that changes, and at
/// least every [`super::catalog::WHOLE_EVERY`] (a view made on TimescaleDB's changes what the
/// update meets and moves no version).
#[derive(Debug, Clone, Default)]
pub struct KeptVersions(Option<VersionsRead>);

#[derive(Debug, Clone)]
struct VersionsRead {
    installed: String,
    default: Option<String>,
    catalog: Option<String>,
    upgrade: Option<Box<crate::upgrade::Report>>,
    at: std::time::Instant,
}

impl KeptVersions {
    fn current(&self, installed: &str) -> Option<&VersionsRead> {
        self.0
            .as_ref()
            .filter(|r| r.installed == installed && r.at.elapsed() < super::catalog::WHOLE_EVERY)
    }
}

/// What an update to `to` would meet, its notes left out (the known-bugs advice says those);
/// None where the facts cannot be read (the versions' warning still names `upgrade-check`).
async fn upgrade(client: &Client, to: &str) -> Option<Box<crate::upgrade::Report>> {
    let facts = crate::upgrade::read::facts(client).await.ok()?;
    let to = crate::releases::release(to)?;
    let mut report = crate::upgrade::judge(&facts, to).ok()?;
    (report.findings).retain(|f| f.severity > crate::upgrade::Severity::Note);
    Some(Box::new(report))
}

impl Summary {
    /// One read, versions and all.
    pub async fn fetch(
        client: &Client,
        statements: &mut Prepared,
    ) -> Result<Self, tokio_postgres::Error> {
        Self::fetch_keeping(client, statements, &mut KeptVersions::default()).await
    }

    /// A refresh's read, TimescaleDB's package and catalog versions kept in `kept` while its
    /// installed version stays the same.
    pub async fn fetch_keeping(
        client: &Client,
        statements: &mut Prepared,
        kept: &mut KeptVersions,
    ) -> Result<Self, tokio_postgres::Error> {
        let r = statements.query_one(client, queries::SUMMARY).await?;
        let installed: Option<String> = r.try_get("timescaledb_version")?;
        let read = match &installed {
            None => None,
            Some(v) => match kept.current(v) {
                Some(read) => Some(read.clone()),
                None => {
                    let versions = statements
                        .query_one(client, queries::EXTENSION_VERSIONS)
                        .await?;
                    let default: Option<String> = versions.try_get("default_version")?;
                    let catalog: Option<String> = versions.try_get("catalog_version")?;
                    let upgrade = match &default {
                        Some(d) if crate::releases::older(v, d) => upgrade(client, d).await,
                        _ => None,
                    };
                    kept.0 = Some(VersionsRead {
                        installed: v.clone(),
                        default,
                        catalog,
                        upgrade,
                        at: std::time::Instant::now(),
                    });
                    kept.0.clone()
                }
            },
        };
        let (timescaledb_default_version, timescaledb_catalog_version, upgrade) = match read {
            Some(r) => (r.default, r.catalog, r.upgrade),
            None => (None, None, None),
        };
        Ok(Summary {
            timescaledb_default_version,
            timescaledb_catalog_version,
            upgrade,
            version: r.try_get("version")?,
            started_at: r.try_get("started_at")?,
            server_now: r.try_get("server_now")?,
            connections: r.try_get("connections")?,
            max_connections: r.try_get("max_connections")?,
            server_addr: r.try_get("server_addr")?,
            server_port: r.try_get("server_port")?,
            backend_pid: r.try_get("backend_pid")?,
            application_name: r.try_get("application_name")?,
            timescaledb_version: installed,
            ssl: r.try_get("ssl")?,
            read_only: r.try_get("read_only")?,
            statement_timeout: r.try_get("statement_timeout")?,
            stats_reset: r.try_get("stats_reset")?,
            max_background_workers: r.try_get("max_background_workers")?,
            max_worker_processes: r.try_get("max_worker_processes")?,
            timescaledb_restoring: r.try_get("timescaledb_restoring")?,
            scheduler_running: r.try_get("scheduler_running")?,
            timescaledb_preloaded: r.try_get("timescaledb_preloaded")?,
            timescaledb_license: r.try_get("timescaledb_license")?,
            max_parallel_workers: r.try_get("max_parallel_workers")?,
            schedulers: r.try_get("schedulers")?,
            job_workers: r.try_get("job_workers")?,
            rows_inserted: r.try_get("rows_inserted")?,
            counts_usage: r.try_get("counts_usage")?,
            shared_buffers_bytes: r.try_get("shared_buffers_bytes")?,
            effective_cache_size_bytes: r.try_get("effective_cache_size_bytes")?,
        })
    }

    /// Server uptime, from the server's own clock (immune to skew with the bastion host).
    pub fn uptime(&self) -> Option<chrono::Duration> {
        self.started_at.map(|s| self.server_now - s)
    }

    /// How long this database's statistics have been counting: since their last reset, or,
    /// never reset, at least since the server started (older counts may survive a clean
    /// restart; this errs on the young side, so nothing is called unused too early).
    /// How long index usage has been counted (None: it is not, or since when is unknown).
    pub fn usage_age(&self) -> Option<chrono::Duration> {
        self.statistics_age().filter(|_| self.counts_usage)
    }

    pub fn statistics_age(&self) -> Option<chrono::Duration> {
        self.stats_reset
            .or(self.started_at)
            .map(|since| self.server_now - since)
    }
}
