//! One small plant's worth of typed rows — the same in every unit test and benchmark that needs
//! model values (render snapshots, state, problem rules, store): a compressed hypertable with a
//! backlog, retention overdue, a failing job, a paused policy, a duplicate, an unused and an
//! invalid index, two caggs lagging.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::activity::Backend;
use super::caggs::{Cagg, RefreshJob, Watermark};
use super::compression::{Compression, CompressionDefinition};
use super::hypertables::{Hypertable, HypertableDefinition};
use super::indexes::{Index, IndexUsage, ListedIndex};
use super::jobs::Job;
use super::retention::{Retention, RetentionDefinition};
use super::rows::Bound;
use super::{Payload, QueryKind, Summary};
use crate::capabilities::{Capabilities, TimescaleFeatures};

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub fn caps() -> Capabilities {
    Capabilities {
        server_version_num: 170005,
        server_version: "17.5".into(),
        timescaledb: Some(TimescaleFeatures {
            version: "2.23.0".into(),
            functions_schema: true,
            cagg_watermark_table: true,
            job_history: true,
            compression_settings: true,
            chunk_dropped_column: true,
            chunk_creation_time: true,
            ..Default::default()
        }),
        timescaledb_available: None,
        is_superuser: false,
        has_pg_monitor: true,
        may_stat_files: false,
        reads_statistics: false,
        relations_estimate: 0,
        role: "monitor".into(),
        database: "metrics".into(),
        in_recovery: false,
        system_identifier: None,
        database_oid: None,
    }
}

pub fn summary() -> Summary {
    Summary {
        timescaledb_default_version: None,
        timescaledb_catalog_version: None,
        upgrade: None,
        version: "PostgreSQL 17.5 on x86_64-pc-linux-gnu".into(),
        started_at: Some(t("2026-11-18T10:00:00Z")),
        server_now: t("2026-11-21T12:30:00Z"),
        connections: 12,
        max_connections: 100,
        server_addr: Some("10.0.0.5".into()),
        server_port: Some(5432),
        backend_pid: 4242,
        application_name: "hypertop".into(),
        timescaledb_version: Some("2.29.2".into()),
        ssl: Some(true),
        read_only: true,
        statement_timeout: "5s".into(),
        stats_reset: Some(t("2026-11-01T00:00:00Z")),
        max_background_workers: Some(16),
        max_worker_processes: 32,
        timescaledb_restoring: false,
        scheduler_running: true,
        timescaledb_preloaded: Some(true),
        timescaledb_license: Some("timescale".into()),
        max_parallel_workers: 8,
        schedulers: 1,
        job_workers: 0,
        rows_inserted: Some(1_000_000),
        counts_usage: true,
        shared_buffers_bytes: 128 << 20,
        effective_cache_size_bytes: 4 << 30,
    }
}

pub fn hypertable(name: &str, chunks: i64, compressed: i64, bytes: i64) -> Hypertable {
    Hypertable {
        definition: Arc::new(HypertableDefinition {
            schema: "telemetry".into(),
            name: name.into(),
            compression_enabled: compressed > 0,
            time_column: Some("time".into()),
            time_type: Some("timestamp with time zone".into()),
            interval_seconds: Some(3600.0),
            interval_integer: None,
            policies: vec!["policy_compression".into(), "policy_retention".into()],
            status: None,
        }),
        chunks,
        compressed_chunks: compressed,
        heap_bytes: bytes / 2,
        index_bytes: bytes / 3,
        toast_bytes: bytes - bytes / 2 - bytes / 3,
        total_bytes: bytes,
        range_start: Some(Bound::Time(t("2026-10-01T00:00:00Z"))),
        range_end: Some(Bound::Time(t("2026-11-21T13:00:00Z"))),
        newest_chunk_bytes: bytes / chunks.max(1),
        newest_chunk_end: Some(Bound::Time(t("2026-11-21T14:00:00Z"))),
        median_chunk_bytes: bytes / chunks.max(1),
    }
}

pub fn compression(name: &str, backlog: i64) -> Compression {
    Compression {
        definition: Arc::new(CompressionDefinition {
            schema: "telemetry".into(),
            name: name.into(),
            enabled: true,
            is_cagg: false,
            materialization: None,
            job_id: Some(1000),
            scheduled: Some(true),
            compress_after: Some("1 day".into()),
            compress_after_seconds: Some(86_400.0),
        }),
        segmentby: Some("device_id".into()),
        orderby: Some("\"time\" DESC".into()),
        chunks: 1224,
        compressed_chunks: 1200 - backlog,
        backlog_chunks: Some(backlog),
        backlog_bytes: Some(backlog * 90 * 1024 * 1024),
        before_bytes: Some(120 * 1024 * 1024 * 1024),
        after_bytes: Some(11 * 1024 * 1024 * 1024),
        partial_chunks: 0,
        unordered_chunks: 0,
        uncompressed_between: 0,
        segments: None,
        activity: None,
    }
}

/// A hypertable's retention policy dropping after `days`, 24 chunks overdue.
pub fn retention(name: &str, days: f64) -> Retention {
    Retention {
        definition: Arc::new(RetentionDefinition {
            schema: "telemetry".into(),
            name: name.into(),
            is_cagg: false,
            job_id: 1001,
            scheduled: true,
            schedule_seconds: Some(86_400.0),
            drop_after: Some(format!("{days} days").into()),
            drop_after_seconds: Some(days * 86_400.0),
        }),
        chunks: 1224,
        oldest_start: Some(Bound::Time(t("2026-08-01T00:00:00Z"))),
        overdue_chunks: Some(24),
        overdue_bytes: Some(2 * 1024 * 1024 * 1024),
        last_run: None,
        last_run_status: Some("Success".into()),
        next_start: None,
    }
}

/// A plain btree index as listed by the structure query.
pub fn listed(oid: u32, schema: &str, table: &str, name: &str, keys: &str) -> ListedIndex {
    ListedIndex {
        oid,
        table_oid: 0,
        schema: schema.into(),
        table: table.into(),
        index_schema: schema.into(),
        name: name.into(),
        on_hypertable: true,
        method: "btree".into(),
        unique: false,
        primary: false,
        key_columns: keys.into(),
        expressions: None,
        predicate: None,
    }
}

pub fn index(table: &str, name: &str, keys: &str, scans: i64, valid: bool) -> Index {
    // The copy (`…_again`) was created last.
    let oid = if name.ends_with("_again") {
        30_000
    } else {
        20_000
    };
    let usage = IndexUsage {
        valid,
        scans,
        tuples_read: scans * 40,
    };
    Index::new(
        &std::sync::Arc::new(listed(oid, "telemetry", table, name, keys)),
        usage,
        3 * 1024 * 1024 * 1024 + scans,
        1224,
    )
}

pub fn job(id: i32, proc_name: &str, target: Option<&str>, failures: i32, scheduled: bool) -> Job {
    Job {
        definition: std::sync::Arc::new(crate::model::jobs::JobDefinition {
            job_id: id,
            application_name: format!("Job [{id}]").into(),
            kind: crate::model::jobs::kind("_timescaledb_functions", proc_name),
            proc_schema: "_timescaledb_functions".into(),
            proc_name: proc_name.into(),
            target_schema: target.map(|_| "telemetry".into()),
            target_name: target.map(crate::model::names::Name::from),
            owner: "postgres".into(),
            schedule_seconds: Some(3600.0),
            scheduled,
            config: None,
            target_gone: None,
        }),
        job_status: Some(if scheduled { "Scheduled" } else { "Paused" }.into()),
        worker_pid: None,
        waiting_on: None,
        mean_run_seconds: Some(2.0),
        last_run_status: Some(if failures > 0 { "Failed" } else { "Success" }.into()),
        last_run_started: None,
        last_success: None,
        next_start: None,
        next_start_unset: false,
        total_runs: 120,
        total_failures: failures as i64,
        consecutive_failures: failures,
        last_error: (failures > 0)
            .then(|| "could not obtain lock on relation \"_hyper_1_42_chunk\"".into()),
        last_error_code: (failures > 0).then(|| "55P03".into()),
        last_error_at: (failures > 0).then(|| t("2026-11-21T12:00:00Z")),
    }
}

pub fn cagg(name: &str, parent: Option<&str>, watermark: &str, lag: f64) -> Cagg {
    Cagg {
        schema: "telemetry".into(),
        name: name.into(),
        hypertable_schema: "telemetry".into(),
        hypertable_name: "readings".into(),
        parent: parent.map(|p| ("telemetry".to_string(), p.to_string())),
        bucket_width: Some("01:00:00".into()),
        time_type: "timestamp with time zone".into(),
        watermark: Some(Watermark::Time(t(watermark))),
        lag_seconds: Some(lag),
        lag_units: None,
        materialized_only: parent.is_some(),
        refresh_policy: Some(RefreshJob {
            job_id: 1002,
            scheduled: true,
            start_offset: Some("3 days".into()),
            end_offset: Some("01:00:00".into()),
            schedule_interval: Some("00:30:00".into()),
            end_offset_seconds: Some(3600.0),
            schedule_seconds: Some(1800.0),
            buckets_per_batch: None,
            max_batches_per_execution: None,
            refresh_newest_first: None,
        }),
        other_refresh_policies: Vec::new(),
        last_run_status: Some("Success".into()),
        last_success: None,
        pending_invalidations: 3,
        mat_id: 10,
        raw_hypertable_id: 1,
        holes: Vec::new(),
    }
}

/// A session of the plant as `activity.sql` returns it, in its state for `secs` seconds.
pub fn session(pid: i32, backend_type: &str, state: &str, secs: i64, query: &str) -> Backend {
    let now = t("2026-11-21T12:30:00Z");
    let since = now - chrono::Duration::seconds(secs);
    Backend {
        pid,
        database: Some("metrics".into()),
        username: Some("postgres".into()),
        application: Some(backend_type.into()),
        client: None,
        backend_type: backend_type.into(),
        state: Some(state.into()),
        wait_event_type: None,
        wait_event: None,
        backend_start: Some(since),
        xact_start: Some(since),
        query_start: Some(since),
        state_change: Some(since),
        query: Some(query.into()),
        blocked_by: vec![],
        waiting_for: vec![],
        job_id: None,
        server_now: now,
    }
}

/// The plant's sessions: a transaction left open holding a lock, and the compression job's
/// worker waiting for it (for less than the blocked-session limit: no problem yet).
pub fn sessions() -> Vec<Backend> {
    let holder = session(
        4301,
        "client backend",
        "idle in transaction",
        40,
        "LOCK telemetry.readings",
    );
    let mut worker = session(
        4302,
        "Compression Policy [1000]",
        "active",
        5,
        "CALL _timescaledb_functions.policy_compression()",
    );
    worker.wait_event_type = Some("Lock".into());
    worker.wait_event = Some("relation".into());
    worker.blocked_by = vec![4301];
    worker.waiting_for = vec!["telemetry.readings".into()];
    worker.job_id = Some(1000);
    let ours = session(
        4242,
        "client backend",
        "active",
        0,
        "SELECT … FROM pg_stat_activity",
    );
    vec![holder, worker, ours]
}

/// Every screen's payload of the plant, as the poller delivers them.
pub fn plant() -> Vec<(QueryKind, Payload)> {
    vec![
        (QueryKind::Summary, Payload::Summary(summary())),
        (
            QueryKind::Catalog,
            Payload::DatabaseSize(5 * 1024 * 1024 * 1024),
        ),
        (
            QueryKind::Catalog,
            Payload::Hypertables(vec![
                hypertable("readings", 1224, 1190, 131 * 1024 * 1024 * 1024),
                hypertable("Plant \"A\"; events", 48, 0, 700 * 1024 * 1024),
            ]),
        ),
        (
            QueryKind::Catalog,
            Payload::Compression(vec![compression("readings", 10), compression("energy", 0)]),
        ),
        (
            QueryKind::Catalog,
            Payload::Retention(vec![retention("readings", 90.0)]),
        ),
        (
            QueryKind::Catalog,
            Payload::Indexes({
                let mut v = vec![
                    index("readings", "readings_time_idx", "time", 98_000, true),
                    index(
                        "readings",
                        "readings_device_time_idx",
                        "device_id,time",
                        12,
                        true,
                    ),
                    index("readings", "readings_value_idx", "value", 0, true),
                    index("readings", "readings_time_again", "time", 0, true),
                    index("readings", "readings_broken_idx", "site", 0, false),
                ];
                crate::model::indexes::mark_duplicates(&mut v);
                v
            }),
        ),
        (
            QueryKind::Jobs,
            Payload::Jobs(vec![
                job(1000, "policy_compression", Some("readings"), 4, true),
                job(1001, "policy_retention", Some("readings"), 0, true),
                job(
                    1002,
                    "policy_refresh_continuous_aggregate",
                    Some("readings_hourly"),
                    0,
                    false,
                ),
            ]),
        ),
        (
            QueryKind::Caggs,
            Payload::Caggs(vec![
                cagg("readings_hourly", None, "2026-11-21T11:00:00Z", 5400.0),
                cagg(
                    "readings_daily",
                    Some("readings_hourly"),
                    "2026-11-19T00:00:00Z",
                    218_000.0,
                ),
            ]),
        ),
        (QueryKind::Activity, Payload::Activity(sessions())),
        (QueryKind::Statements, Payload::Statements(statements())),
    ]
}

/// Two statements on a hypertable and one of another role's, hidden.
pub fn statements() -> crate::model::statement_stats::Statements {
    use crate::model::statement_stats::{Statement, Statements};
    let statement =
        |queryid: Option<i64>, total_ms: f64, calls: i64, text: Option<&str>| Statement {
            queryid,
            role: Some(if queryid.is_some() { "app" } else { "batch" }.into()),
            userid: if queryid.is_some() { 16_384 } else { 16_385 },
            calls,
            total_ms,
            mean_ms: Some(total_ms / calls as f64),
            rows: calls * 12,
            blks_hit: calls * 90,
            blks_read: calls * 4,
            text: text.map(String::from),
        };
    Statements {
        rows: vec![
            statement(
                Some(-4_402_271_958_093_815_104),
                5_412_000.0,
                81_200,
                Some("SELECT device_id, avg(v) FROM telemetry.readings WHERE ts > $1 GROUP BY 1"),
            ),
            statement(
                Some(731_996_218_453),
                61_300.0,
                1_200_000,
                Some("INSERT INTO telemetry.readings (ts, device_id, v) VALUES ($1, $2, $3)"),
            ),
            statement(None, 4_800.0, 60, None),
        ],
        reset: Some(t("2026-11-14T09:00:00Z")),
        sees_all: false,
        block_size: 8192,
        server_now: t("2026-11-23T23:30:00Z"),
    }
}

/// The generic plan of the plant's busiest statement: every chunk of its hypertable kept
/// (startup exclusion may still prune), a continuous aggregate excluded, one partition kept.
pub fn generic_plan() -> crate::model::plan::GenericPlan {
    use crate::model::plan::{GenericPlan, PlannedTable};
    let table = |schema: &str, name: &str, kind: &str, total: i64, planned: i64| PlannedTable {
        schema: schema.into(),
        name: name.into(),
        kind: kind.into(),
        view: None,
        total,
        planned: (1..=planned)
            .map(|i| format!("_hyper_1_{i}_chunk"))
            .collect(),
        startup_exclusion: false,
        runtime_exclusion: false,
    };
    GenericPlan {
        tables: vec![
            PlannedTable {
                startup_exclusion: true,
                ..table("telemetry", "readings", "hypertable", 1_200, 1_200)
            },
            PlannedTable {
                view: Some(("telemetry".into(), "hourly".into())),
                ..table(
                    "_timescaledb_internal",
                    "_materialized_hypertable_3",
                    "continuous aggregate",
                    40,
                    0,
                )
            },
            table("telemetry", "events", "hypertable", 12, 12),
            table("billing", "events", "partitioned table", 12, 1),
        ],
        planning_ms: Some(412.5),
        total_cost: Some(98_211.0),
        role: Some("app".into()),
        search_path: Some("\"$user\", public".into()),
        command: "select".into(),
    }
}
