use hypertop::capabilities::Capabilities;
use hypertop::model::Summary;

use crate::engines::{connector_for, engine, native};

#[tokio::test]
async fn timescaledb_engine_is_detected_from_the_catalog() {
    let session = connector_for(&engine().conninfo()).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(caps.server_version_num >= 170000, "{caps:?}");
    let ts = caps
        .timescaledb
        .as_ref()
        .expect("TimescaleDB must be detected");
    assert!(ts.version.starts_with("2."), "{ts:?}");
    // 2.23 layout: new function schema, watermark table, job history, compression_settings,
    // bgw_job still in _timescaledb_config, chunk.dropped still present, no chunk.relid.
    assert!(
        ts.functions_schema && ts.cagg_watermark_table && ts.job_history && ts.compression_settings
    );
    assert!(!ts.bgw_job_in_catalog);
    assert!(ts.chunk_dropped_column && !ts.chunk_relid_column);
    assert!(ts.chunk_creation_time, "the engine's 2.23 dates its chunks");
    assert!(
        caps.describe().contains("TimescaleDB 2."),
        "{}",
        caps.describe()
    );

    let summary = Summary::fetch(&session.client, &mut Default::default())
        .await
        .unwrap();
    assert_eq!(
        summary.timescaledb_version.as_deref(),
        Some(ts.version.as_str())
    );
    // Session settings were applied at connect.
    assert_eq!(summary.statement_timeout, "5s");
}

#[tokio::test]
async fn plain_postgres_has_no_extension_and_its_privileges_are_read() {
    let session = connector_for(&native().conninfo()).connect().await.unwrap();
    let caps = Capabilities::detect(&session.client).await.unwrap();
    assert!(
        caps.server_version_num >= 150000 && caps.server_version_num < 160000,
        "{caps:?}"
    );
    assert!(caps.timescaledb.is_none());
    assert!(caps.is_superuser && caps.can_monitor());
    assert_eq!(caps.database, native().dbname);
    assert!(
        caps.describe()
            .contains(crate::engines::native_timescaledb_note()),
        "{}",
        caps.describe()
    );

    // A plain role: neither superuser nor pg_monitor.
    session
        .client
        .batch_execute("DROP ROLE IF EXISTS hypertop_plain; CREATE ROLE hypertop_plain LOGIN")
        .await
        .unwrap();
    let plain = connector_for(&format!("{} user=hypertop_plain", native().conninfo()))
        .connect()
        .await
        .unwrap();
    let caps = Capabilities::detect(&plain.client).await.unwrap();
    assert!(!caps.is_superuser && !caps.has_pg_monitor && !caps.can_monitor());
    assert_eq!(caps.role, "hypertop_plain");
    session
        .client
        .batch_execute("GRANT pg_monitor TO hypertop_plain")
        .await
        .unwrap();
    let caps = Capabilities::detect(&plain.client).await.unwrap();
    assert!(caps.has_pg_monitor);
}

#[tokio::test]
async fn read_only_sessions_refuse_writes() {
    let mut connector = connector_for(&native().conninfo());
    let resolved = connector.resolved().clone();
    let settings = hypertop::connect::SessionSettings {
        read_only: true,
        ..Default::default()
    };
    connector = hypertop::connect::Connector::new(resolved, settings).unwrap();
    let session = connector.connect().await.unwrap();
    let err = session
        .client
        .batch_execute("CREATE TABLE hypertop_should_not_exist (x int)")
        .await
        .unwrap_err();
    assert_eq!(err.code().unwrap().code(), "25006", "{err}");
}

/// hypertop's sessions never JIT-compile (it cost a server seconds of CPU per refresh for
/// catalog queries of milliseconds) nor start parallel workers (the workload's slots),
/// whatever the server's default; and read the catalog first.
#[tokio::test]
async fn sessions_run_without_jit_and_with_a_safe_search_path() {
    let conninfo = native().conninfo();
    let default: String = crate::engines::psql(&conninfo, "SHOW jit");
    assert_eq!(default, "on", "the server's default, as most users run it");
    let workers: String = crate::engines::psql(&conninfo, "SHOW max_parallel_workers_per_gather");
    assert_ne!(workers, "0", "the server's default");
    let session = connector_for(&conninfo).connect().await.unwrap();
    let row = session
        .client
        .query_one(
            "SELECT current_setting('jit'), current_setting('search_path'),
                    current_setting('max_parallel_workers_per_gather')",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "off");
    assert_eq!(row.get::<_, String>(1), "pg_catalog, pg_temp");
    assert_eq!(row.get::<_, String>(2), "0");
}

/// What the overview's server facts say, as PostgreSQL's statistics views and pg_settings say
/// it (summary.sql reads the functions behind them): sessions, schedulers and job workers, this
/// session's TLS, this database's statistics reset and rows inserted, and whether TimescaleDB
/// is preloaded (unknown to a role that may not read the setting).
type Facts = (
    i64,
    bool,
    i64,
    i64,
    Option<bool>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<i64>,
    Option<bool>,
);

const FACTS_FROM_THE_VIEWS: &str = r#"
SELECT (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type IS NULL OR backend_type = 'client backend'),
       EXISTS (SELECT FROM pg_stat_activity
                WHERE backend_type = 'TimescaleDB Background Worker Scheduler'
                  AND datname = current_database()),
       (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'TimescaleDB Background Worker Scheduler'),
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type ~ '\[[0-9]+\]$'),
       (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()),
       (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()),
       (SELECT tup_inserted FROM pg_stat_database WHERE datname = current_database()),
       (SELECT 'timescaledb' = ANY (string_to_array(replace(replace(setting, ' ', ''), '"', ''), ','))
          FROM pg_settings WHERE name = 'shared_preload_libraries')"#;

async fn facts_agree(label: &str, conninfo: &str) -> Facts {
    let session = connector_for(conninfo).connect().await.unwrap();
    let client = &session.client;
    let views = || async {
        let r = client.query_one(FACTS_FROM_THE_VIEWS, &[]).await.unwrap();
        let facts: Facts = (
            r.get(0),
            r.get(1),
            r.get(2),
            r.get(3),
            r.get(4),
            r.get(5),
            r.get(6),
            r.get(7),
        );
        facts
    };
    // Other tests' sessions come and go on a shared server: all three reads in one transaction,
    // which holds one snapshot of the sessions and statistics (a session that came and went
    // between reads made the count differ by one), and the views read before and after must
    // still agree for the comparison to count.
    for _ in 0..50 {
        client.batch_execute("BEGIN").await.unwrap();
        let before = views().await;
        let s = Summary::fetch(client, &mut Default::default())
            .await
            .unwrap();
        let ours: Facts = (
            s.connections,
            s.scheduler_running,
            s.schedulers,
            s.job_workers,
            s.ssl,
            s.stats_reset,
            s.rows_inserted,
            s.timescaledb_preloaded,
        );
        let after = views().await;
        client.batch_execute("COMMIT").await.unwrap();
        if before == after {
            assert_eq!(ours, before, "{label}: the facts against the views");
            return ours;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{label}: the views never held still for a comparison");
}

#[tokio::test]
async fn the_server_facts_are_what_the_statistics_views_say() {
    let plain = native().conninfo();
    let facts = facts_agree("plain PostgreSQL", &plain).await;
    assert!(
        facts.0 >= 1 && facts.4.is_some() && facts.7.is_some(),
        "{facts:?}"
    );
    // A role that may read neither the setting nor others' sessions, then one with pg_monitor.
    let session = connector_for(&plain).connect().await.unwrap();
    session
        .client
        .batch_execute("DROP ROLE IF EXISTS hypertop_facts; CREATE ROLE hypertop_facts LOGIN")
        .await
        .unwrap();
    let role = format!("{plain} user=hypertop_facts");
    assert_eq!(facts_agree("a plain role", &role).await.7, None);
    session
        .client
        .batch_execute("GRANT pg_monitor TO hypertop_facts")
        .await
        .unwrap();
    assert!(facts_agree("a pg_monitor role", &role).await.7.is_some());
    for v in crate::engines::native_tsdb_versions() {
        let conninfo = crate::engines::native_tsdb_database(v, None, "facts");
        let facts = facts_agree(&v.label(), &conninfo).await;
        assert_eq!(facts.7, Some(true), "{}: preloaded", v.label());
    }
}
